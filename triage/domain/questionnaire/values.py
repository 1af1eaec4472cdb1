"""What an answer can be and the question vocabularies, shared by questions, derived facts and the file schema."""

from __future__ import annotations

# A table answer (current_medicines) is a list of rows, each a list with one string per column.
Answer = str | int | float | bool | list[str] | list[list[str]]

QUESTION_TYPES = ("text", "longtext", "integer", "number", "scale", "single", "multi", "date", "consent", "table")
CHOICE_TYPES = ("single", "multi")
SHOWN_WHEN_OPERATORS = ("equals", "one_of", "includes", "includes_any", "answered", "at_least")
# shown_when may also be `all:` or `any:` of a list of those one-answer tests.
COMPOUND_BEHAVIOURS = ("all", "any")
DEFAULT_MAX_LENGTH = {"text": 200, "longtext": 2000, "table": 200}
DEFAULT_MAX_ROWS = 10
# Imperial boxes offered beside a metric number: the metric unit each converts to, and the words for its two boxes.
IMPERIAL_UNITS = {"feet_inches": "cm", "stones_pounds": "kg"}
IMPERIAL_WORDS = {"feet_inches": ("feet", "inches", "ft", "in"), "stones_pounds": ("stones", "pounds", "st", "lb")}
