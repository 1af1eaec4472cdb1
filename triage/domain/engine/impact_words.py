"""The impact view's changes in plain words for clinicians: "3 patients would lose the caveat …"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from triage.domain.engine import impact_compare as c
from triage.domain.engine.ruleset import Ruleset


@dataclass(frozen=True)
class Names:
    """What a clinician calls each id: rule titles (red flags, caveats), differential names and question labels."""

    rules: dict[str, str] = field(default_factory=dict)
    differentials: dict[str, str] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, *rulesets: Ruleset) -> Names:
        """The names in these rulesets; a later ruleset's words win (the draft's, when given last)."""
        names = cls()
        for ruleset in rulesets:
            names.rules.update({r.id: r.title for r in ruleset.rules})
            names.differentials.update({d.id: d.name for d in ruleset.differentials})
            names.questions.update({f.id: f.label for f in ruleset.facts.values()})
        return names

    def rule(self, key: str) -> str:
        """A red flag's or caveat's title."""
        return self.rules.get(key, key)

    def differential(self, key: str) -> str:
        """A differential's name."""
        return self.differentials.get(key, key)

    def first(self, keys: str) -> str:
        """The differential(s) ranked first, as words."""
        if not keys:
            return "no condition ranked first"
        names = [self.differential(k) for k in keys.split(c.TIE)]
        return names[0] if len(names) == 1 else " and ".join(names) + " tied"

    def question(self, key: str) -> str:
        """A question's label."""
        return self.questions.get(key, key)


def _quoted(text: str) -> str:
    return f"“{text}”"


def _rank(text: str) -> str:
    return f"rank {text}"


def _level(text: str) -> str:
    return f"{text.capitalize()} suspicion" if text else "no level"


def _urgency(text: str) -> str:
    return text.capitalize() if text else "no urgency"


Phrase = Callable[[c.Change, Names], str]
# Each phrase follows "would": "3 patients would lose the caveat …", "Would lose the caveat …".
PHRASES: dict[str, Phrase] = {
    c.FLAG_GAINED: lambda x, n: f"gain the red flag {_quoted(n.rule(x.subject))} ({_urgency(x.after)})",
    c.FLAG_LOST: lambda x, n: f"lose the red flag {_quoted(n.rule(x.subject))} ({_urgency(x.before)})",
    c.FLAG_URGENCY: lambda x, n: (
        f"see the red flag {_quoted(n.rule(x.subject))} change from {_urgency(x.before)} to {_urgency(x.after)}"
    ),
    c.TOP: lambda x, n: f"see the first-ranked condition change from {n.first(x.before)} to {n.first(x.after)}",
    c.LISTED: lambda x, n: f"see {n.differential(x.subject)} newly listed, at {_rank(x.after)} ({_level(x.detail)})",
    c.UNLISTED: lambda x, n: (
        f"no longer see {n.differential(x.subject)} listed (it was at {_rank(x.before)}, {_level(x.detail)})"
    ),
    c.RANK: lambda x, n: f"see {n.differential(x.subject)} move from {_rank(x.before)} to {_rank(x.after)}",
    c.LEVEL: lambda x, n: f"see {n.differential(x.subject)} go from {_level(x.before)} to {_level(x.after)}",
    c.TEST_ADDED: lambda x, n: f"gain the suggested test {_quoted(x.subject)}",
    c.TEST_REMOVED: lambda x, n: f"lose the suggested test {_quoted(x.subject)}",
    c.TEST_DEFERRED: lambda x, n: (
        f"see the test {_quoted(x.subject)} deferred until the emergency is dealt with"
        if x.after == "yes"
        else f"see the test {_quoted(x.subject)} suggested now rather than deferred"
    ),
    c.CAVEAT_ADDED: lambda x, n: f"gain the caveat {_quoted(n.rule(x.subject))}",
    c.CAVEAT_REMOVED: lambda x, n: f"lose the caveat {_quoted(n.rule(x.subject))}",
    c.ASK_ADDED: lambda x, n: f"gain the question to ask at the visit {_quoted(n.question(x.subject))}",
    c.ASK_REMOVED: lambda x, n: f"lose the question to ask at the visit {_quoted(n.question(x.subject))}",
    c.TOO_FEW: lambda x, n: (
        "be told the answers are too few for a reliable suggestion"
        if x.after == "yes"
        else "no longer be told the answers are too few for a reliable suggestion"
    ),
}


def phrase(change: c.Change, names: Names) -> str:
    """What would happen, after "would" ("lose the caveat “…”")."""
    found = PHRASES.get(change.kind)
    return found(change, names) if found else f"see a change in {change.subject}"


def sentence(change: c.Change, count: int, names: Names) -> str:
    """A count in plain words: "3 patients would lose the caveat “…”"."""
    return f"{count} {'patient' if count == 1 else 'patients'} would {phrase(change, names)}"


def line(change: c.Change, names: Names) -> str:
    """One intake's change in plain words: "Would lose the caveat “…”"."""
    return f"Would {phrase(change, names)}"
