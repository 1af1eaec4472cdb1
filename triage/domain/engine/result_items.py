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
class RedFlag:
    """An alarm feature that stands for this patient, with the action it warrants."""

    id: str
    title: str
    urgency: Urgency
    action: str
    because: tuple[MatchedAnswer, ...]
    explanation: str
    source: str

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
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RedFlag:
        """Read back what to_dict wrote."""
        return cls(
            str(data["id"]),
            str(data["title"]),
            Urgency(str(data["urgency"])),
            str(data["action"]),
            _answers(data["because"]),
            str(data["explanation"]),
            str(data["source"]),
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

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (`for` and `against` hold the findings)."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "score": self.score,
            "level": self.level.value,
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
            str(data.get("description", "")),
            int(data["score"]),
            Level(str(data["level"])),
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
