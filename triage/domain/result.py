"""The outcome of evaluating one intake: red flags, ranked differentials, tests, caveats, gaps, as data and JSON."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.errors import TriageError
from triage.domain.result_text import render_text

URGENCY_ORDER = ("emergency", "urgent", "soon")
LEVELS = ("high", "moderate", "low", "minimal")


class ResultFormatError(TriageError):
    """A stored result could not be read back (it is not in the shape to_dict writes)."""


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


def _answers(items: Any) -> tuple[MatchedAnswer, ...]:
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
        return cls(str(data["rule"]), str(data["title"]), str(data["explanation"]), int(data["weight"]), _answers(data["answers"]), str(data["source"]))


@dataclass(frozen=True)
class RedFlag:
    """An alarm feature that stands for this patient, with the action it warrants."""

    id: str
    title: str
    urgency: str
    action: str
    because: tuple[MatchedAnswer, ...]
    explanation: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "id": self.id,
            "title": self.title,
            "urgency": self.urgency,
            "action": self.action,
            "because": [a.to_dict() for a in self.because],
            "explanation": self.explanation,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RedFlag:
        """Read back what to_dict wrote."""
        return cls(str(data["id"]), str(data["title"]), str(data["urgency"]), str(data["action"]), _answers(data["because"]), str(data["explanation"]), str(data["source"]))


@dataclass(frozen=True)
class DifferentialResult:
    """One condition to consider: its score, suspicion level and the findings for and against."""

    id: str
    name: str
    description: str
    score: int
    level: str
    findings_for: tuple[Finding, ...]
    findings_against: tuple[Finding, ...]
    held_back: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (`for` and `against` hold the findings)."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "score": self.score,
            "level": self.level,
            "held_back": self.held_back,
            "for": [f.to_dict() for f in self.findings_for],
            "against": [f.to_dict() for f in self.findings_against],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DifferentialResult:
        """Read back what to_dict wrote."""
        return cls(
            str(data["id"]),
            str(data["name"]),
            str(data["description"]),
            int(data["score"]),
            str(data["level"]),
            tuple(Finding.from_dict(f) for f in data["for"]),
            tuple(Finding.from_dict(f) for f in data["against"]),
            bool(data.get("held_back", False)),
        )


@dataclass(frozen=True)
class Investigation:
    """A suggested test, once per test, with every reason and rule that suggested it."""

    test: str
    why: tuple[str, ...]
    rules: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {"test": self.test, "why": list(self.why), "rules": list(self.rules)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Investigation:
        """Read back what to_dict wrote."""
        return cls(str(data["test"]), tuple(str(w) for w in data["why"]), tuple(str(r) for r in data["rules"]))


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
        return {"id": self.id, "title": self.title, "explanation": self.explanation, "because": [a.to_dict() for a in self.because], "source": self.source}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Caveat:
        """Read back what to_dict wrote."""
        return cls(str(data["id"]), str(data["title"]), str(data["explanation"]), _answers(data["because"]), str(data["source"]))


@dataclass(frozen=True)
class MissingQuestion:
    """A question the patient was shown but left blank, which would have changed a rule's outcome."""

    question: str
    label: str
    rules: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {"question": self.question, "label": self.label, "rules": list(self.rules)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MissingQuestion:
        """Read back what to_dict wrote."""
        return cls(str(data["question"]), str(data["label"]), tuple(str(r) for r in data["rules"]))


@dataclass(frozen=True)
class Result:
    """Everything the rules concluded for one intake, pinned to the ruleset version and hash."""

    ruleset_version: str
    ruleset_sha256: str
    evaluated_on: str
    red_flags: tuple[RedFlag, ...]
    differentials: tuple[DifferentialResult, ...]
    investigations: tuple[Investigation, ...]
    caveats: tuple[Caveat, ...]
    missing: tuple[MissingQuestion, ...]
    note: str
    fired_rules: tuple[str, ...]

    @property
    def top_differential(self) -> str | None:
        """The id of the first-ranked differential, unless it is held back by a red flag."""
        if not self.differentials or self.differentials[0].held_back:
            return None
        return self.differentials[0].id

    @property
    def top_urgency(self) -> str | None:
        """The most urgent red flag's urgency (emergency, urgent, soon), or None."""
        return self.red_flags[0].urgency if self.red_flags else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON stored with the intake and printed by `triage rules evaluate --json`."""
        return {
            "ruleset": {"version": self.ruleset_version, "hash": self.ruleset_sha256},
            "evaluated_on": self.evaluated_on,
            "red_flags": [r.to_dict() for r in self.red_flags],
            "differentials": [d.to_dict() for d in self.differentials],
            "investigations": [i.to_dict() for i in self.investigations],
            "caveats": [c.to_dict() for c in self.caveats],
            "missing": [m.to_dict() for m in self.missing],
            "note": self.note,
            "fired_rules": list(self.fired_rules),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """Read back a stored result; raises ResultFormatError when it is not in to_dict's shape."""
        try:
            return cls(
                ruleset_version=str(data["ruleset"]["version"]),
                ruleset_sha256=str(data["ruleset"]["hash"]),
                evaluated_on=str(data.get("evaluated_on", "")),
                red_flags=tuple(RedFlag.from_dict(r) for r in data["red_flags"]),
                differentials=tuple(DifferentialResult.from_dict(d) for d in data["differentials"]),
                investigations=tuple(Investigation.from_dict(i) for i in data["investigations"]),
                caveats=tuple(Caveat.from_dict(c) for c in data["caveats"]),
                missing=tuple(MissingQuestion.from_dict(m) for m in data["missing"]),
                note=str(data.get("note", "")),
                fired_rules=tuple(str(r) for r in data.get("fired_rules", [])),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ResultFormatError(f"the stored result is not in the expected shape ({type(error).__name__}: {error})") from None

    def to_text(self) -> str:
        """A plain-text summary a clinician can read without knowing the engine."""
        return render_text(self)
