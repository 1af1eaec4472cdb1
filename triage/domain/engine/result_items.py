"""The parts of a Result: matched answers, findings, red flags, differentials, tests, caveats and gaps, each with its JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.scales import Level, Urgency


@dataclass(frozen=True)
class MatchedAnswer:
    """One answer (or derived fact) that a rule read, as the patient gave it."""

    question: str
    label: str
    answer: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {"question": self.question, "label": self.label, "answer": self.answer}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MatchedAnswer:
        """Read back what to_dict wrote."""
        return cls(str(data["question"]), str(data["label"]), str(data["answer"]))


def _answers(items: Iterable[Mapping[str, Any]]) -> tuple[MatchedAnswer, ...]:
    return tuple(MatchedAnswer.from_dict(a) for a in items)


@dataclass(frozen=True)
class Finding:
    """A fired differential rule: the evidence for or against one condition."""

    rule: str
    title: str
    explanation: str
    weight: int
    answers: tuple[MatchedAnswer, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "rule": self.rule,
            "title": self.title,
            "explanation": self.explanation,
            "weight": self.weight,
            "answers": [a.to_dict() for a in self.answers],
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Read back what to_dict wrote."""
        return cls(
            str(data["rule"]),
            str(data["title"]),
            str(data["explanation"]),
            int(data["weight"]),
            _answers(data["answers"]),
            str(data["source"]),
        )


@dataclass(frozen=True)
class FlagRef:
    """Another red flag of the same group, named under the flag that leads the group."""

    id: str
    title: str
    urgency: Urgency

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {"id": self.id, "title": self.title, "urgency": self.urgency.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FlagRef:
        """Read back what to_dict wrote."""
        return cls(str(data["id"]), str(data["title"]), Urgency(str(data["urgency"])))


@dataclass(frozen=True)
class RedFlag:
    """An alarm feature that stands for this patient, with the action it warrants.

    Flags of one `group` are one presentation: the first (most urgent) leads and lists the others in `also`;
    each of the others names the leader in `under`. Every raised flag stays in the result's list.
    """

    id: str
    title: str
    urgency: Urgency
    action: str
    because: tuple[MatchedAnswer, ...]
    explanation: str
    source: str
    group: str = ""
    also: tuple[FlagRef, ...] = ()
    under: str = ""

    @property
    def leads(self) -> bool:
        """Whether this flag is shown as its own item (it leads its group, or has none)."""
        return not self.under

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "id": self.id,
            "title": self.title,
            "urgency": self.urgency.value,
            "action": self.action,
            "because": [a.to_dict() for a in self.because],
            "explanation": self.explanation,
            "source": self.source,
            "group": self.group,
            "also": [a.to_dict() for a in self.also],
            "under": self.under,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RedFlag:
        """Read back what to_dict wrote (rows stored before grouping have no group: each flag leads itself)."""
        return cls(
            str(data["id"]),
            str(data["title"]),
            Urgency(str(data["urgency"])),
            str(data["action"]),
            _answers(data["because"]),
            str(data["explanation"]),
            str(data["source"]),
            str(data.get("group") or ""),
            tuple(FlagRef.from_dict(a) for a in data.get("also", ())),
            str(data.get("under") or ""),
        )


@dataclass(frozen=True)
class DifferentialResult:
    """One condition to consider: its score, suspicion level and the findings for and against."""

    id: str
    name: str
    description: str
    score: int
    level: Level
    findings_for: tuple[Finding, ...]
    findings_against: tuple[Finding, ...]
    held_back: bool = False
    rank: int = 0  # 1 first; differentials that tie share it (0: not yet ranked, as in rows stored before ranks)
    tied: bool = False

    @property
    def rank_label(self) -> str:
        """The rank as shown: "=2" when tied with another differential, "2" otherwise."""
        return f"={self.rank}" if self.tied else str(self.rank)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (`for` and `against` hold the findings)."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "score": self.score,
            "level": self.level.value,
            "held_back": self.held_back,
            "rank": self.rank,
            "tied": self.tied,
            "for": [f.to_dict() for f in self.findings_for],
            "against": [f.to_dict() for f in self.findings_against],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DifferentialResult:
        """Read back what to_dict wrote."""
        return cls(
            str(data["id"]),
            str(data["name"]),
            str(data.get("description", "")),
            int(data["score"]),
            Level(str(data["level"])),
            tuple(Finding.from_dict(f) for f in data["for"]),
            tuple(Finding.from_dict(f) for f in data["against"]),
            bool(data.get("held_back", False)),
            int(data.get("rank", 0)),
            bool(data.get("tied", False)),
        )


@dataclass(frozen=True)
class Investigation:
    """A test, once per test, with every reason and rule that suggested it and the patient's answers behind them.

    `because` holds only the answers that made the rules' conditions true for this patient (for an `any`, the
    items that held), not every indication a rule lists. A `deferred` test is an elective one held over while an
    emergency red flag stands: it is kept in the result but is not a suggestion now.
    """

    test: str
    why: tuple[str, ...]
    rules: tuple[str, ...]
    because: tuple[MatchedAnswer, ...] = ()
    deferred: bool = False

    @property
    def suggested(self) -> bool:
        """Whether the test is suggested now (not deferred)."""
        return not self.deferred

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "test": self.test,
            "why": list(self.why),
            "rules": list(self.rules),
            "because": [a.to_dict() for a in self.because],
            "deferred": self.deferred,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Investigation:
        """Read back what to_dict wrote (older rows have no `because` and nothing deferred)."""
        return cls(
            str(data["test"]),
            tuple(str(w) for w in data["why"]),
            tuple(str(r) for r in data["rules"]),
            _answers(data.get("because", ())),
            bool(data.get("deferred", False)),
        )


@dataclass(frozen=True)
class Caveat:
    """A warning about reading a test result for this patient (medicines, diet)."""

    id: str
    title: str
    explanation: str
    because: tuple[MatchedAnswer, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "id": self.id,
            "title": self.title,
            "explanation": self.explanation,
            "because": [a.to_dict() for a in self.because],
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Caveat:
        """Read back what to_dict wrote."""
        return cls(str(data["id"]), str(data["title"]), str(data["explanation"]), _answers(data["because"]), str(data["source"]))


@dataclass(frozen=True)
class MissingQuestion:
    """Something to ask at the visit: a question shown but left blank that would have changed a rule's outcome
    (`reason` "blank"), or an alarm answer the patient gave as "not sure" (`reason` "not_sure"; `question` is then
    the derived fact's id, e.g. vomited_blood)."""

    question: str
    label: str
    rules: tuple[str, ...]
    reason: str = "blank"

    @property
    def unsure(self) -> bool:
        """Whether the patient answered "not sure" rather than leaving it blank."""
        return self.reason == "not_sure"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {"question": self.question, "label": self.label, "rules": list(self.rules), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MissingQuestion:
        """Read back what to_dict wrote (older rows list blanks only)."""
        reason = str(data.get("reason", "blank"))
        return cls(str(data["question"]), str(data["label"]), tuple(str(r) for r in data["rules"]), reason)
