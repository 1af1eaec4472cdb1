"""Patient text made safe to show to staff: the bidirectional controls that can reorder the text around them are removed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069) and the deprecated format controls
# (U+206A-U+206F): a right-to-left override in a name shows "Smith" as "htimS", and it reorders everything after it
# on the line, labels included. Plain marks (LRM, RLM, ALM) only nudge neutral characters and are kept, since
# names in Arabic or Hebrew may need them.
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x2070)))
_DROP = {ord(c): None for c in BIDI_CONTROLS}


def neutralise_bidi(text: str) -> str:
    """The text without bidirectional embedding, override and isolate controls."""
    return text.translate(_DROP)


def safe_value(value: Any) -> Any:
    """An answer with its text (each text item of a list, each cell of a table) neutralised; numbers, booleans, None kept."""
    if isinstance(value, str):
        return neutralise_bidi(value)
    if isinstance(value, list):
        return [safe_value(v) if isinstance(v, (str, list)) else v for v in value]
    return value


def safe_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as staff pages and the PDF may show them: every text neutralised."""
    return {key: safe_value(value) for key, value in answers.items()}
