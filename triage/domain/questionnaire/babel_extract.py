"""A Babel extractor for the questionnaire format in forms/: every text a patient reads, so forms/ stays the one source."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

# The keys whose values a patient reads: question and choice labels, help texts (hints), units, short names (used in
# messages and on the review page), column labels, section and step titles and step intros.
TEXT_KEYS = frozenset({"label", "short", "help", "unit", "title", "intro"})
# A for_each label that is the copied choice's label alone: that label is translated where the choice is defined.
WHOLE_PLACEHOLDER = "{label}"

Extracted = tuple[int, str, str, list[str]]


def _walk(node: yaml.Node) -> Iterator[tuple[int, str, str]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value in TEXT_KEYS and isinstance(value, yaml.ScalarNode):
                if value.value and value.value != WHOLE_PLACEHOLDER:
                    yield value.start_mark.line + 1, str(key.value), str(value.value)
            else:
                yield from _walk(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item)


def messages_of(text: str) -> Iterator[tuple[int, str, str]]:
    """(line number, key, text) for every patient-facing value of a questionnaire document, in file order."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        yield from _walk(root)


def extract_questionnaire(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[Extracted]:
    """Babel's extractor interface (entry point `questionnaire`, used by babel.cfg for forms/questionnaire.yaml)."""
    encoding = str(options.get("encoding", "utf-8")) if options else "utf-8"
    for lineno, key, value in messages_of(fileobj.read().decode(encoding)):
        # The key goes to the translator as a comment: a "unit" or a "short" name reads differently from a question.
        yield lineno, "gettext", value, [f"questionnaire {key}"]
