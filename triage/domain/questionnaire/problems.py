"""Questionnaire definition problems, each naming the file, the line and the question (or step) concerned."""

from __future__ import annotations

from dataclasses import dataclass

from triage.domain.errors import DefinitionError


@dataclass(frozen=True)
class QuestionProblem:
    """One thing wrong with a questionnaire file, located as precisely as the source allows."""

    file: str
    line: int | None
    item: str | None  # the question (or step) id, when the problem belongs to one
    message: str
    kind: str = "question"  # what `item` names: a question or a step

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        subject = f" {self.kind} '{self.item}':" if self.item else ""
        return f"{where}:{subject} {self.message}"


class QuestionnaireError(DefinitionError):
    """A questionnaire file could not be loaded; `problems` lists every reason found."""

    def __init__(self, problems: list[QuestionProblem]):
        self.problems = problems
        count = len(problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        super().__init__(f"{head} in the questionnaire:\n" + "\n".join(f"  - {p}" for p in problems))


class Problems:
    """Collects the problems of one questionnaire file so that all are reported at once."""

    def __init__(self, file: str):
        self.file = file
        self.items: list[QuestionProblem] = []

    def add(self, message: str, line: int | None = None, /, item: str | None = None, kind: str = "question") -> None:
        """Record one problem."""
        self.items.append(QuestionProblem(self.file, line, item, message, kind))

    def raise_if_any(self) -> None:
        """Raise one QuestionnaireError carrying every problem recorded so far."""
        if self.items:
            raise QuestionnaireError(list(self.items))
