"""The shape of ruleset files (pydantic v2), with schema errors translated into plain words."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from triage.domain.errors import ProblemList, did_you_mean, line_at
from triage.domain.scales import Urgency

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
RULE_KINDS = ("differential", "red_flag", "investigation", "caveat")
MAX_WEIGHT = 10
MIN_PRIORITY, DEFAULT_PRIORITY, MAX_PRIORITY = 1, 5, 9
# Every number in a ruleset (a threshold, a weight, a value compared with an answer) is a clinical quantity: ages,
# durations, doses and counts. The bounds keep them meaningful and keep every later step (formatting, float
# conversion, JSON storage on PostgreSQL) from overflowing: a 5,000-digit integer or 1e400 is refused here, in words.
MAX_NUMBER = 1_000_000
MAX_DIGITS = 15
MAX_DECIMALS = 6
NUMBER_RULE = (
    f"numbers in a ruleset lie between -{MAX_NUMBER:,} and {MAX_NUMBER:,},"
    f" with at most {MAX_DIGITS} digits and {MAX_DECIMALS} decimal places"
)
_NUMBER_TEXT = re.compile(r"\s*[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?\s*|\s*[-+]?(inf(inity)?|nan)\s*", re.IGNORECASE)


def number_problem(value: Any) -> str | None:
    """Why a number cannot stand in a ruleset (infinite, NaN, out of range, too many digits), or None (bools are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"a number must be finite (not infinity or NaN); {NUMBER_RULE}"
    # Compared before any formatting: str() of a 5,000-digit integer raises, and float() of one overflows.
    if abs(value) > MAX_NUMBER:
        return f"a number is out of range; {NUMBER_RULE}"
    if isinstance(value, float) and round(value, MAX_DECIMALS) != value:
        return f"a number has too many decimal places; {NUMBER_RULE}"
    return None


def looks_like_number(text: str) -> bool:
    """Whether text reads as a number (perhaps an overlong, infinite or NaN one) rather than a word."""
    return any(c.isdigit() for c in text) or text.strip().lower().lstrip("+-") in ("inf", "infinity", "nan")


def number_text_problem(text: str) -> str | None:
    """Why number-like text was not taken as a number, in words (None for text that is not number-like)."""
    if not looks_like_number(text) or not _NUMBER_TEXT.fullmatch(text):
        return None
    return f"'{text[:20]}{'…' if len(text) > 20 else ''}' is not a number the rules accept; {NUMBER_RULE}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Parameter(_Strict):
    """A named threshold declared once and used by conditions as {param: name}."""

    value: Any
    unit: str = ""
    description: Text
    source: Text

    @field_validator("value")
    @classmethod
    def _number(cls, value: Any) -> Any:
        if isinstance(value, str) and (problem := number_text_problem(value)):
            raise ValueError(problem)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("a parameter value must be a number")
        if problem := number_problem(value):
            raise ValueError(problem)
        return value


class Thresholds(_Strict):
    """The scores at which suspicion of a differential is low, moderate or high."""

    low: int = Field(ge=1, le=100)
    moderate: int = Field(ge=1, le=100)
    high: int = Field(ge=1, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not self.low < self.moderate < self.high:
            raise ValueError("thresholds must rise: low below moderate below high")
        return self


class Differential(_Strict):
    """A condition the rules weigh up, declared once."""

    id: Identifier
    name: Text
    description: Text
    thresholds: Thresholds
    held_back_by_red_flags: bool = False
    # Held back only while one of these red flags stands (checked against the red-flag rules when the ruleset loads).
    held_back_by: list[Identifier] = Field(default_factory=list)


class RulesetHeader(_Strict):
    """The contents of ruleset.yaml: version, parameters and differentials."""

    version: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    title: Text
    note: Text
    parameters: dict[Identifier, Parameter] = Field(default_factory=dict)
    differentials: list[Differential] = Field(min_length=1)


class RuleFile(_Strict):
    """One topic file: a topic line and its rules (each rule is checked on its own)."""

    topic: Text
    rules: list[Any] = Field(min_length=1)


class _Rule(_Strict):
    id: Identifier
    title: Text
    explanation: Text
    when: Any
    source: Text
    author: Text
    reviewed: str | None = None

    @field_validator("reviewed")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        try:
            dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("reviewed must be a date written as YYYY-MM-DD, or left empty") from None
        return value.strip()


class DifferentialRule(_Rule):
    """Adds its weight to (or, if negative, takes it from) one differential's score."""

    kind: Literal["differential"]
    differential: Identifier
    weight: int = Field(ge=-MAX_WEIGHT, le=MAX_WEIGHT)

    @field_validator("weight")
    @classmethod
    def _nonzero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("a weight of 0 has no effect; use a positive weight for, a negative one against")
        return value


class RedFlagRule(_Rule):
    """An alarm feature with its urgency and the action it warrants."""

    kind: Literal["red_flag"]
    # Spelled out because pydantic and mypy need literal words; tests/unit/test_scales.py checks they are Urgency.flag_tiers().
    urgency: Literal["emergency", "urgent", "soon"]
    action: Text
    # Flags of one group are one presentation: the most urgent leads, the others are shown under it.
    group: Identifier | None = None
    # 1 = most harm from delay; within an urgency tier flags are ordered by priority, then ruleset order.
    priority: int = DEFAULT_PRIORITY

    @field_validator("priority")
    @classmethod
    def _priority(cls, value: int) -> int:
        if not MIN_PRIORITY <= value <= MAX_PRIORITY:
            raise ValueError(
                f"priority must be a whole number from {MIN_PRIORITY} (most harm from delay) to {MAX_PRIORITY};"
                f" leave it out for {DEFAULT_PRIORITY}"
            )
        return value


class InvestigationRule(_Rule):
    """A test worth considering, with why."""

    kind: Literal["investigation"]
    test: Text
    why: Text
    # An elective test is deferred (listed apart, not suggested) while an emergency red flag stands.
    elective: bool = False


class CaveatRule(_Rule):
    """A warning about how a test result should be read for this patient."""

    kind: Literal["caveat"]


Rule = Annotated[DifferentialRule | RedFlagRule | InvestigationRule | CaveatRule, Field(discriminator="kind")]
RULE_ADAPTER: TypeAdapter[Any] = TypeAdapter(Rule)
_KIND_MODELS: dict[str, type[_Rule]] = {
    "differential": DifferentialRule,
    "red_flag": RedFlagRule,
    "investigation": InvestigationRule,
    "caveat": CaveatRule,
}
RULE_FIELDS = sorted(
    {name for model in (DifferentialRule, RedFlagRule, InvestigationRule, CaveatRule) for name in model.model_fields}
)
HEADER_FIELDS = sorted(
    set(RulesetHeader.model_fields) | set(Parameter.model_fields) | set(Differential.model_fields) | set(Thresholds.model_fields)
)

_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list (lines starting with '-')",
    "dict_type": "a mapping (lines of 'name: value')",
    "model_type": "a mapping (lines of 'name: value')",
    "model_attributes_type": "a mapping (lines of 'name: value')",
}


def _suggestion(word: str, vocabulary: list[str]) -> str | None:
    close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.6)
    return close[0] if close else None


def _field(loc: tuple[Any, ...]) -> str:
    names = [str(x) for x in loc if isinstance(x, str) and x not in RULE_KINDS]
    return names[-1] if names else "this entry"


def _message(error: Any, vocabulary: list[str]) -> str:
    kind, loc = error["type"], tuple(error["loc"])
    name = _field(loc)
    if kind == "extra_forbidden":
        owners = [k for k, model in _KIND_MODELS.items() if name in model.model_fields and k not in loc]
        if owners and loc and loc[0] in _KIND_MODELS:
            return f"'{name}' is not a field of a {loc[0]} rule; only {' and '.join(owners)} rules have it"
        return f"'{name}' is not a known field here.{did_you_mean(name, vocabulary)}"
    if kind == "missing":
        return f"the field '{name}' is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        given = error.get("input", {}).get("kind") if isinstance(error.get("input"), dict) else None
        hint = did_you_mean(given, RULE_KINDS) if given else ""
        return f"'kind' must be one of {', '.join(RULE_KINDS)}.{hint}"
    if kind == "literal_error":
        hint = did_you_mean(error.get("input"), Urgency.flag_tiers())
        return f"'{error.get('input')}' is not allowed for '{name}'; use one of: {error['ctx']['expected']}.{hint}"
    if kind in _TYPE_WORDS:
        return f"'{name}' must be {_TYPE_WORDS[kind]}"
    if kind == "string_too_short":
        return f"'{name}' must not be empty"
    if kind == "too_short":
        return f"'{name}' must not be empty"
    if kind == "string_pattern_mismatch":
        rule = "use lower-case letters, digits and underscores, starting with a letter"
        return f"'{error.get('input')}' is not a valid {name}: {rule}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    return f"'{name}': {error['msg']}"


def report_schema_errors(
    exc: ValidationError, raw: Any, problems: ProblemList, rule: str | None, vocabulary: list[str], prefix: tuple[Any, ...] = ()
) -> None:
    """Translate pydantic errors into located problems (one per distinct place and message)."""
    seen: set[tuple[Any, str]] = set()
    errors = exc.errors()
    # A misspelt field shows up twice (unknown key, and the real field missing); the first, with its hint, is enough.
    suggested = {_suggestion(str(e["loc"][-1]), vocabulary) for e in errors if e["type"] == "extra_forbidden"}
    for error in errors:
        if error["type"] == "missing" and _field(tuple(error["loc"])) in suggested:
            continue
        message = _message(error, vocabulary)
        loc = tuple(error["loc"])
        line = line_at(raw, prefix + loc)
        if (line, message) not in seen:
            seen.add((line, message))
            problems.add(message, line, rule)
