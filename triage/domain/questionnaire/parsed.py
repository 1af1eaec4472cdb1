"""The outcome of reading one field, and the text clean-up every field shares."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from triage.domain.questionnaire.values import Answer

# C0 controls other than tab, newline and carriage return are never meaningful in an answer;
# NUL in particular is refused by PostgreSQL, so it is refused here on every database.
_FORBIDDEN = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}
CONTROL_MESSAGE = "This answer contains a character that cannot be saved (a control character). Please retype it."


@dataclass(frozen=True)
class Parsed:
    """The outcome of reading one field: a value (None means unanswered) or an error."""

    value: Answer | None
    error: str | None = None


def clean_text(raw: str) -> str:
    """Normalise text to NFC and trim surrounding white space."""
    return unicodedata.normalize("NFC", raw).strip()


def bad_characters(text: str) -> bool:
    """Whether the text holds a control character that cannot be stored."""
    return any(ch in _FORBIDDEN for ch in text)


def lower_first(text: str) -> str:
    """The text with its first letter in lower case, to use a label inside a sentence ("a date of birth")."""
    if len(text) > 1 and text[1].isupper():
        return text  # an abbreviation such as "BMI" keeps its capitals
    return text[:1].lower() + text[1:]
