"""Error types of the domain core."""
from __future__ import annotations


class TriageError(Exception):
    """Base class of every error the domain raises on bad input."""


class DefinitionError(TriageError):
    """The questionnaire definition itself is malformed."""


class AnswerError(TriageError):
    """An answers document does not fit the data dictionary."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems
