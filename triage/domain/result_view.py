"""Reading a stored rules result as plain data (red flags, differentials, findings, tests, gaps) and comparing two."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from triage.domain.answers import display_answer
from triage.domain.derived import DERIVED_BY_ID
from triage.domain.questions import Questionnaire

URGENCY_ORDER = {"emergency": 3, "urgent": 2, "soon": 1}
LEVEL_ORDER = {"high": 3, "moderate": 2, "low": 1}


@dataclass(frozen=True)
class Finding:
    """One rule's finding for or against a differential, with the answers it read and its source."""

    rule_id: str
    title: str
    explanation: str
    source: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class RedFlag:
    """An alarm feature: urgency, the action to take and the answers that raised it."""

    id: str
    title: str
    urgency: str
    action: str
    because: tuple[str, ...]
    explanation: str
    source: str


@dataclass(frozen=True)
class Differential:
    """One ranked differential with its level and the findings for and against it."""

    id: str
    name: str
    rank: int
    score: float
    level: str
    description: str
    held_back: bool
    findings_for: tuple[Finding, ...]
    findings_against: tuple[Finding, ...]

    @property
    def suggested(self) -> bool:
        """Whether the rules suggest it at all (a level of low or above)."""
        return self.level in LEVEL_ORDER


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


def answer_texts(questionnaire: Questionnaire, matched: Any) -> tuple[str, ...]:
    """The patient's matched answers as 'question: answer' lines (entries carry question, label and answer)."""
    if matched is None:
        return ()
    if isinstance(matched, str):
        return (matched,)
    if isinstance(matched, Mapping):
        matched = [matched] if "question" in matched else [{"question": k, "value": v} for k, v in matched.items()]
    lines = []
    for entry in matched if isinstance(matched, Sequence) else [matched]:
        if not isinstance(entry, Mapping):
            lines.append(text_of(entry))
            continue
        key = text_of(entry.get("question", entry.get("id", "")))
        label = text_of(entry.get("label")) or _label(questionnaire, key)
        shown = text_of(entry["answer"]) if "answer" in entry else shown_value(questionnaire, key, entry.get("value"))
        lines.append(f"{label} {shown}" if label.endswith("?") else f"{label}: {shown}")
    return tuple(lines)


def _findings(questionnaire: Questionnaire, raw: Any) -> tuple[Finding, ...]:
    return tuple(
        Finding(
            rule_id=text_of(f.get("rule", f.get("rule_id", f.get("id")))),
            title=text_of(f.get("title")),
            explanation=text_of(f.get("explanation")),
            source=text_of(f.get("source")),
            answers=answer_texts(questionnaire, f.get("answers", f.get("matched"))),
        )
        for f in raw or []
        if isinstance(f, Mapping)
    )


def item_list(raw: Any, text_keys: tuple[str, ...]) -> tuple[Item, ...]:
    """Investigations or caveats as items: title, the first present text field (lists joined) and source."""
    items = []
    for entry in raw or []:
        if isinstance(entry, Mapping):
            raw_text = next((entry[k] for k in text_keys if entry.get(k)), "")
            text = "; ".join(text_of(t) for t in raw_text) if isinstance(raw_text, list) else text_of(raw_text)
            title = text_of(entry.get("title", entry.get("test", entry.get("name"))))
            items.append(Item(text_of(entry.get("id", entry.get("test"))), title, text, text_of(entry.get("source"))))
        else:
            items.append(Item("", text_of(entry), "", ""))
    return tuple(items)


def result_parts(questionnaire: Questionnaire, result: Mapping[str, Any]) -> tuple[tuple[RedFlag, ...], tuple[Differential, ...]]:
    """The red flags (most urgent first) and ranked differentials of a stored result."""
    flags = [
        RedFlag(
            text_of(f.get("id")),
            text_of(f.get("title")),
            text_of(f.get("urgency")),
            text_of(f.get("action")),
            answer_texts(questionnaire, f.get("because")),
            text_of(f.get("explanation")),
            text_of(f.get("source")),
        )
        for f in result.get("red_flags") or []
        if isinstance(f, Mapping)
    ]
    flags.sort(key=lambda f: -URGENCY_ORDER.get(f.urgency, 0))
    differentials = tuple(
        Differential(
            id=text_of(d.get("id")),
            name=text_of(d.get("name") or d.get("id")),
            rank=rank,
            score=float(d.get("score") or 0),
            level=text_of(d.get("level")),
            description=text_of(d.get("description")),
            held_back=bool(d.get("held_back")),
            findings_for=_findings(questionnaire, d.get("for")),
            findings_against=_findings(questionnaire, d.get("against")),
        )
        for rank, d in enumerate((d for d in result.get("differentials") or [] if isinstance(d, Mapping)), start=1)
    )
    return tuple(flags), differentials


def missing_questions(questionnaire: Questionnaire, raw: Any) -> tuple[str, ...]:
    """The labels of the questions the rules needed but the patient left blank, once each."""
    lines = []
    for entry in raw or []:
        key = text_of(entry.get("question", entry.get("id")) if isinstance(entry, Mapping) else entry)
        label = entry.get("label") if isinstance(entry, Mapping) and entry.get("label") else _label(questionnaire, key)
        lines.append(text_of(label))
    return tuple(dict.fromkeys(lines))


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


def _version(result: Mapping[str, Any]) -> str:
    ruleset = result.get("ruleset")
    return str(ruleset.get("version", "")) if isinstance(ruleset, Mapping) else ""


def compare_results(questionnaire: Questionnaire, old: Mapping[str, Any], new: Mapping[str, Any]) -> ResultChanges:
    """Compare two stored results of the same intake."""
    old_flags, old_diffs = result_parts(questionnaire, old)
    new_flags, new_diffs = result_parts(questionnaire, new)
    old_flag_ids = {f.id: f.title for f in old_flags}
    new_flag_ids = {f.id: f.title for f in new_flags}
    before = {d.id: d for d in old_diffs}
    after = {d.id: d for d in new_diffs}
    moves = []
    for key in list(after) + [k for k in before if k not in after]:
        a, b = before.get(key), after.get(key)
        old_rank, new_rank = (a.rank if a else None), (b.rank if b else None)
        old_level, new_level = (a.level if a else ""), (b.level if b else "")
        if old_rank != new_rank or old_level != new_level:
            current = b or a
            moves.append(DifferentialChange(key, current.name if current else key, old_rank, new_rank, old_level, new_level))
    return ResultChanges(
        old_ruleset=_version(old),
        new_ruleset=_version(new),
        flags_gained=tuple(title for key, title in new_flag_ids.items() if key not in old_flag_ids),
        flags_lost=tuple(title for key, title in old_flag_ids.items() if key not in new_flag_ids),
        differentials=tuple(moves),
        old_top=old_diffs[0].name if old_diffs else "",
        new_top=new_diffs[0].name if new_diffs else "",
    )
