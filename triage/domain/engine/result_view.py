"""A stored result read through Result.from_dict and shown as a clinician reads it (answers as text, ranks), and two compared."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.answer_text import answer_texts, question_label, shown_value, text_of
from triage.domain.engine.result import Result, ResultFormatError
from triage.domain.engine.result_items import Caveat, DifferentialResult, Finding, Investigation, RedFlag
from triage.domain.questionnaire.questions import Questionnaire
from triage.domain.scales import Level, Urgency

__all__ = ["answer_texts", "shown_value", "text_of"]  # re-exported: the report model reads answers through this module

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
    """A RedFlag as the report shows it: urgency, action and source, with the answers that raised it as text.

    A flag leading a group carries the group's other flags in `also`, shown under it as one presentation.
    """

    id: str
    title: str
    urgency: Urgency
    action: str
    because: tuple[str, ...]
    explanation: str
    source: str
    also: tuple[FlagView, ...] = ()


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
    tied: bool = False

    @property
    def suggested(self) -> bool:
        """Whether the rules suggest it at all (a level of low or above)."""
        return self.level.suggested

    @property
    def rank_label(self) -> str:
        """The rank as shown: "=2" when tied with another differential, "2" otherwise."""
        return f"={self.rank}" if self.tied else str(self.rank)


@dataclass(frozen=True)
class Item:
    """A suggested investigation or a caveat: what, why, and the rule's source.

    For a test, `because` holds the patient's answers that triggered it, and `deferred` marks an elective test
    held over until an emergency red flag is dealt with.
    """

    id: str
    title: str
    text: str
    source: str
    because: tuple[str, ...] = ()
    deferred: bool = False
    reasons: tuple[str, ...] = ()  # a test's reasons one by one (`text` joins them)


def read_result(stored: Mapping[str, Any] | Result) -> Result:
    """The one result model of a stored result; one that cannot be read is shown as empty rather than failing the page."""
    if isinstance(stored, Result):
        return stored
    try:
        return Result.from_dict(stored)
    except ResultFormatError:
        return EMPTY_RESULT


def _finding(questionnaire: Questionnaire, finding: Finding) -> FindingView:
    return FindingView(
        finding.rule, finding.title, finding.explanation, finding.source, answer_texts(questionnaire, finding.answers)
    )


def _flag(questionnaire: Questionnaire, flag: RedFlag, also: tuple[FlagView, ...] = ()) -> FlagView:
    because = answer_texts(questionnaire, flag.because)
    return FlagView(flag.id, flag.title, flag.urgency, flag.action, because, flag.explanation, flag.source, also)


def flag_views(questionnaire: Questionnaire, flags: Iterable[RedFlag]) -> tuple[FlagView, ...]:
    """The red flags as presented, most urgent first: one view per group (its other flags under `also`) or lone flag."""
    flags = tuple(flags)
    members: dict[str, list[FlagView]] = {}
    for flag in flags:
        if flag.under:
            members.setdefault(flag.under, []).append(_flag(questionnaire, flag))
    # A member whose leader is missing from the list (a hand-edited row) is shown on its own rather than lost.
    leaders = {flag.id for flag in flags if not flag.under}
    shown = [
        _flag(questionnaire, flag, tuple(members.get(flag.id, ())))
        for flag in flags
        if not flag.under or flag.under not in leaders
    ]
    return tuple(sorted(shown, key=lambda f: f.urgency.rank))


def _differential(questionnaire: Questionnaire, d: DifferentialResult) -> DifferentialView:
    return DifferentialView(
        id=d.id,
        name=d.name or d.id,
        rank=d.rank,
        tied=d.tied,
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
    """The red flags as presented (grouped, most urgent first) and the ranked differentials of a stored result."""
    model = read_result(result)
    differentials = tuple(_differential(questionnaire, d) for d in model.differentials)
    return flag_views(questionnaire, model.red_flags), differentials


def investigation_items(result: Result, questionnaire: Questionnaire | None = None) -> tuple[Item, ...]:
    """The tests as items, suggested ones first: the test, its reasons joined, the patient's answers behind them."""
    return tuple(_investigation_item(i, questionnaire) for i in result.investigations)


def answers_too_few(stored: Mapping[str, Any] | Result) -> bool:
    """Whether a stored result says the answers are too few for a reliable suggestion."""
    return read_result(stored).answers_too_few


def caveat_items(result: Result) -> tuple[Item, ...]:
    """The caveats as items: title, explanation and source."""
    return tuple(_caveat_item(c) for c in result.caveats)


def _investigation_item(investigation: Investigation, questionnaire: Questionnaire | None = None) -> Item:
    because = answer_texts(questionnaire, investigation.because)
    why = investigation.why
    return Item(investigation.test, investigation.test, "; ".join(why), "", because, investigation.deferred, why)


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
    """The labels of the questions the rules needed but the patient left blank or answered "not sure", once each."""
    return tuple(
        dict.fromkeys(
            (m.label or question_label(questionnaire, m.question)) + (" (answered \u201cnot sure\u201d)" if m.unsure else "")
            for m in result.missing
        )
    )


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
    _, old_diffs = result_parts(questionnaire, old_model)
    _, new_diffs = result_parts(questionnaire, new_model)
    # Every raised flag counts, including those shown under another flag of their group.
    old_flag_ids = {f.id: f.title for f in old_model.red_flags}
    new_flag_ids = {f.id: f.title for f in new_model.red_flags}
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
