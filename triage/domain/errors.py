"""The domain's one error tree: TriageError at the root, with ruleset problems named by file, line and rule."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


class TriageError(Exception):
    """Base class of every error the domain raises on bad input."""


class DefinitionError(TriageError):
    """The questionnaire definition itself is malformed."""


class AnswerError(TriageError):
    """An answers document does not fit the data dictionary."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RuleProblem:
    """One thing wrong with a ruleset file, located as precisely as the source allows."""

    file: str
    line: int | None
    rule: str | None
    message: str
    item: str = "rule"  # what `rule` names: a rule, or a test case

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.rule:
            where += f", {self.item} '{self.rule}'"
        return f"{where}: {self.message}"


class RulesetError(TriageError):
    """A ruleset (or rule test file) could not be loaded; `problems` lists every reason found."""

    def __init__(self, problems: list[RuleProblem]):
        self.problems = problems
        count = len(problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        super().__init__(f"{head} found:\n" + "\n".join(f"  - {p}" for p in problems))


def did_you_mean(word: Any, options: Iterable[str]) -> str:
    """A ' Did you mean ...?' hint naming the closest known word, or an empty string."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def line_of(container: Any, key: Any = None) -> int | None:
    """The source line of a container read from YAML (or of one of its keys or items), if known."""
    if key is not None:
        key_lines = getattr(container, "key_lines", None)
        if isinstance(key_lines, dict) and key in key_lines:
            return int(key_lines[key])
        item_lines = getattr(container, "item_lines", None)
        if isinstance(item_lines, list) and isinstance(key, int) and 0 <= key < len(item_lines):
            return int(item_lines[key])
    line = getattr(container, "line", None)
    return int(line) if isinstance(line, int) else None


def line_at(root: Any, path: Iterable[Any]) -> int | None:
    """The line of the deepest element along a key/index path that the YAML source recorded."""
    best = line_of(root)
    node = root
    for step in path:
        if isinstance(node, dict) and step in node:
            best = line_of(node, step) or best
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            best = line_of(node, step) or best
            node = node[step]
        elif isinstance(node, dict):
            # A key that is missing or unexpected: the mapping's own line is the best place to point at.
            continue
        else:
            break
    return best


class ProblemList:
    """Collects problems for one file so validation can report everything at once."""

    def __init__(self, file: str, problems: list[RuleProblem] | None = None, item: str = "rule"):
        self.file = file
        self.item = item
        self.items: list[RuleProblem] = problems if problems is not None else []

    def add(self, message: str, line: int | None = None, rule: str | None = None) -> None:
        """Record one problem."""
        self.items.append(RuleProblem(self.file, line, rule, message, self.item))

    def for_file(self, file: str) -> ProblemList:
        """A view that records into the same list under another file name."""
        return ProblemList(file, self.items, self.item)

    def raise_if_any(self) -> None:
        """Raise one RulesetError carrying every problem recorded so far."""
        if self.items:
            raise RulesetError(list(self.items))
