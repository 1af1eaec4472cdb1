"""What an answer can be and the question vocabularies, shared by questions, derived facts and the file schema."""

from __future__ import annotations

Answer = str | int | float | bool | list[str]

QUESTION_TYPES = ("text", "longtext", "integer", "number", "scale", "single", "multi", "date", "consent")
CHOICE_TYPES = ("single", "multi")
SHOWN_WHEN_OPERATORS = ("equals", "one_of", "includes", "includes_any", "answered")
DEFAULT_MAX_LENGTH = {"text": 200, "longtext": 2000}
