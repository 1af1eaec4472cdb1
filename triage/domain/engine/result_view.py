"""A stored result read through Result.from_dict and shown as a clinician reads it (answers as text, ranks), and two compared."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.result import Result, ResultFormatError
from triage.domain.engine.result_items import Caveat, DifferentialResult, Finding, Investigation, MatchedAnswer, RedFlag
from triage.domain.questionnaire.answers import display_answer
from triage.domain.questionnaire.derived import DERIVED_BY_ID
from triage.domain.questionnaire.questions import Questionnaire
from triage.domain.scales import Level, Urgency

# What a result that cannot be read shows as: nothing, so the intake page and the PDF still open.
EMPTY_RESULT = Result("", "", "", (), (), (), (), (), "", ())


@dataclass(frozen=True)
class FindingView:
    """A Finding as the report shows it: the rule's words and source, with the patient's answers as text."""

    rule_id: str
    title: str
    explanation: str
    source: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class FlagView:
    """A RedFlag as the report shows it: urgency, action and source, with the answers that raised it as text."""

    id: str
    title: str
    urgency: Urgency
    action: str
    because: tuple[str, ...]
    explanation: str
    source: str


@dataclass(frozen=True)
class DifferentialView:
    """A DifferentialResult as the report shows it: its rank (1 first), level and the findings for and against it."""

    id: str
    name: str
    rank: int
    score: int
    level: Level
    description: str
    held_back: bool
    findings_for: tuple[FindingView, ...]
    findings_against: tuple[FindingView, ...]

    @property
    def suggested(self) -> bool:
        """Whether the rules suggest it at all (a level of low or above)."""
        return self.level.suggested


@dataclass(frozen=True)
class Item:
    """A suggested investigation or a caveat: what, why, and the rule's source."""

    id: str
    title: str
    text: str
    source: str


def text_of(value: Any) -> str:
    """A stored value as text ('' for None)."""
    return "" if value is None else str(value)


def read_result(stored: Mapping[str, Any] | Result) -> Result:
    """The one result model of a stored result; one that cannot be read is shown as empty rather than failing the page."""
    if isinstance(stored, Result):
        return stored
    try:
        return Result.from_dict(stored)
    except ResultFormatError:
        return EMPTY_RESULT


def _label(questionnaire: Questionnaire, key: str) -> str:
    question = questionnaire.by_id.get(key)
    if question is not None:
        return question.label
    derived = DERIVED_BY_ID.get(key)
    return derived.label if derived is not None else key


def shown_value(questionnaire: Questionnaire, key: str, value: Any) -> str:
    """An answer as a clinician reads it (choice labels and units for known questions)."""
    question = questionnaire.by_id.get(key)
    if question is not None and isinstance(value, (str, int, float, bool, list)):
        return display_answer(question, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(text_of(v) for v in value)
    return text_of(value)


def answer_texts(questionnaire: Questionnaire, matched: Iterable[MatchedAnswer]) -> tuple[str, ...]:
    """The patient's matched answers as 'question: answer' lines (a question's own label when none was stored)."""
    lines = []
    for entry in matched:
        label = entry.label or _label(questionnaire, entry.question)
        lines.append(f"{label} {entry.answer}" if label.endswith("?") else f"{label}: {entry.answer}")
    return tuple(lines)


def _finding(questionnaire: Questionnaire, finding: Finding) -> FindingView:
    return FindingView(
        finding.rule, finding.title, finding.explanation, finding.source, answer_texts(questionnaire, finding.answers)
    )


def _flag(questionnaire: Questionnaire, flag: RedFlag) -> FlagView:
    because = answer_texts(questionnaire, flag.because)
    return FlagView(flag.id, flag.title, flag.urgency, flag.action, because, flag.explanation, flag.source)


def _differential(questionnaire: Questionnaire, rank: int, d: DifferentialResult) -> DifferentialView:
    return DifferentialView(
        id=d.id,
        name=d.name or d.id,
        rank=rank,
        score=d.score,
        level=d.level,
        description=d.description,
        held_back=d.held_back,
        findings_for=tuple(_finding(questionnaire, f) for f in d.findings_for),
        findings_against=tuple(_finding(questionnaire, f) for f in d.findings_against),
    )


def result_parts(
    questionnaire: Questionnaire, result: Mapping[str, Any] | Result
) -> tuple[tuple[FlagView, ...], tuple[DifferentialView, ...]]:
    """The red flags (most urgent first) and ranked differentials of a stored result."""
    model = read_result(result)
    flags = sorted((_flag(questionnaire, f) for f in model.red_flags), key=lambda f: f.urgency.rank)
    differentials = tuple(_differential(questionnaire, rank, d) for rank, d in enumerate(model.differentials, start=1))
    return tuple(flags), differentials


def investigation_items(result: Result) -> tuple[Item, ...]:
    """The suggested tests as items: the test, and its reasons joined."""
    return tuple(_investigation_item(i) for i in result.investigations)


def caveat_items(result: Result) -> tuple[Item, ...]:
    """The caveats as items: title, explanation and source."""
    return tuple(_caveat_item(c) for c in result.caveats)


def _investigation_item(investigation: Investigation) -> Item:
    return Item(investigation.test, investigation.test, "; ".join(investigation.why), "")


def _caveat_item(caveat: Caveat) -> Item:
    return Item(caveat.id, caveat.title, caveat.explanation, caveat.source)


def item_list(raw: Any, text_keys: tuple[str, ...]) -> tuple[Item, ...]:
    """One stored section as items: investigations when text_keys starts with 'why' (their reasons), else caveats.

    Kept for the rules pages, which pass a stored section; it reads through the model's from_dict like everything else.
    """
    entries: Sequence[Any] = raw if isinstance(raw, list) else []
    try:
        if text_keys[:1] == ("why",):
            return tuple(_investigation_item(Investigation.from_dict(e)) for e in entries)
        return tuple(_caveat_item(Caveat.from_dict(e)) for e in entries)
    except (KeyError, TypeError, ValueError, AttributeError):
        return ()


def missing_labels(questionnaire: Questionnaire, result: Result) -> tuple[str, ...]:
    """The labels of the questions the rules needed but the patient left blank, once each."""
    return tuple(dict.fromkeys(m.label or _label(questionnaire, m.question) for m in result.missing))


@dataclass(frozen=True)
class DifferentialChange:
    """One differential whose rank or level moved (None: absent from that result)."""

    id: str
    name: str
    old_rank: int | None
    new_rank: int | None
    old_level: str
    new_level: str

    @property
    def level_changed(self) -> bool:
        """Whether the suspicion level differs."""
        return self.old_level != self.new_level


@dataclass(frozen=True)
class ResultChanges:
    """The differences between an older and a newer result."""

    old_ruleset: str
    new_ruleset: str
    flags_gained: tuple[str, ...]
    flags_lost: tuple[str, ...]
    differentials: tuple[DifferentialChange, ...]
    old_top: str
    new_top: str

    @property
    def unchanged(self) -> bool:
        """Whether nothing a clinician reads changed."""
        return not (self.flags_gained or self.flags_lost or self.differentials)


def compare_results(
    questionnaire: Questionnaire, old: Mapping[str, Any] | Result, new: Mapping[str, Any] | Result
) -> ResultChanges:
    """Compare two stored results of the same intake."""
    old_model, new_model = read_result(old), read_result(new)
    old_flags, old_diffs = result_parts(questionnaire, old_model)
    new_flags, new_diffs = result_parts(questionnaire, new_model)
    old_flag_ids = {f.id: f.title for f in old_flags}
    new_flag_ids = {f.id: f.title for f in new_flags}
    before = {d.id: d for d in old_diffs}
    after = {d.id: d for d in new_diffs}
    moves = []
    for key in list(after) + [k for k in before if k not in after]:
        a, b = before.get(key), after.get(key)
        old_rank, new_rank = (a.rank if a else None), (b.rank if b else None)
        old_level, new_level = (a.level.value if a else ""), (b.level.value if b else "")
        if old_rank != new_rank or old_level != new_level:
            current = b or a
            moves.append(DifferentialChange(key, current.name if current else key, old_rank, new_rank, old_level, new_level))
    return ResultChanges(
        old_ruleset=old_model.ruleset_version,
        new_ruleset=new_model.ruleset_version,
        flags_gained=tuple(title for key, title in new_flag_ids.items() if key not in old_flag_ids),
        flags_lost=tuple(title for key, title in old_flag_ids.items() if key not in new_flag_ids),
        differentials=tuple(moves),
        old_top=old_diffs[0].name if old_diffs else "",
        new_top=new_diffs[0].name if new_diffs else "",
    )
