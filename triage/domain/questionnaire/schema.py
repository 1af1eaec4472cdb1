"""The shape of forms/questionnaire.yaml (pydantic v2), with schema errors translated into plain words."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, Field, StringConstraints, ValidationError, field_validator, model_validator

from triage.domain.errors import did_you_mean, line_at
from triage.domain.questionnaire.problems import Problems
from triage.domain.questionnaire.schema_shown import Identifier, ShownTestModel, ShownWhenModel
from triage.domain.questionnaire.schema_shown import Strict as _Strict
from triage.domain.questionnaire.values import COMPOUND_BEHAVIOURS, QUESTION_TYPES

Template = Annotated[str, StringConstraints(pattern=r"^[a-z{][a-z0-9_{}]{0,63}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
ChoiceValue = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,63}$")]
Picture = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}\.(svg|png|jpg|webp)$")]
QuestionType = Literal["text", "longtext", "integer", "number", "scale", "single", "multi", "date", "consent", "table"]


class ChoiceModel(_Strict):
    """One offered answer: the stored value and the label the patient reads."""

    value: ChoiceValue
    label: Text
    exclusive: bool = False  # "None of these": cannot be ticked together with another choice
    picture: Picture | None = None  # a file name under static/img/


class ColumnModel(_Strict):
    """One column of a table question: the stored position's id and the heading the patient reads."""

    id: Identifier
    label: Text


class SectionModel(_Strict):
    """One of the fixed sections the steps are grouped in (the progress shows "Section 3 of 8")."""

    id: Identifier
    title: Text


class _QuestionFields(_Strict):
    type: QuestionType
    label: Text
    help: str = ""
    choices: Any = None  # a list of choices or the name of a choice set; checked where choice sets are known
    unit: str = ""
    min: int | float | None = None
    max: int | float | None = None
    max_length: int | None = Field(default=None, ge=1, le=100_000)
    required: bool = False
    short: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = None
    compact: bool = False
    choices_from: Identifier | None = None
    imperial: Literal["feet_inches", "stones_pounds"] | None = None
    min_age: int | None = Field(default=None, ge=0, le=150)
    max_age: int | None = Field(default=None, ge=0, le=150)
    columns: list[ColumnModel] | None = Field(default=None, min_length=1, max_length=10)
    max_rows: int | None = Field(default=None, ge=1, le=100)
    # Taken from the invitation when it holds this detail (shown to the patient, not asked); asked when it does not.
    from_invitation: Literal["patient_name", "date_of_birth"] | None = None

    @model_validator(mode="after")
    def _bounds(self) -> _QuestionFields:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError(f"min_age ({self.min_age}) is above max_age ({self.max_age})")
        return self


class QuestionModel(_QuestionFields):
    """One question as written in a step."""

    id: Identifier
    shown_when: ShownWhenModel | None = None


class TemplateModel(_QuestionFields):
    """One follow-up question written once for each choice of a for_each source ({value} and {label} filled in)."""

    id: Template
    only_for: list[ChoiceValue] | None = Field(default=None, min_length=1)


class ForEachModel(_Strict):
    """Follow-up questions repeated for each choice the patient ticks in an earlier multi-choice question."""

    source: Identifier
    questions: list[Any] = Field(min_length=1)


class StepModel(_Strict):
    """One page of the questionnaire (its questions are checked one by one)."""

    id: Identifier
    title: Text
    intro: str = ""
    review: bool = False
    section: Identifier | None = None
    for_each: Any = None
    questions: list[Any] = Field(default_factory=list)


class QuestionnaireFile(_Strict):
    """The top of the file: version, time estimate, sections, shared choice sets and the steps."""

    version: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    estimated_minutes: list[Annotated[int, Field(ge=1, le=600)]] | None = Field(default=None, min_length=2, max_length=2)
    sections: list[SectionModel] | None = Field(default=None, min_length=1)
    choice_sets: dict[Identifier, Any] = Field(default_factory=dict)
    steps: list[Any] = Field(min_length=1)

    @field_validator("estimated_minutes")
    @classmethod
    def _estimate(cls, minutes: list[int] | None) -> list[int] | None:
        if minutes is not None and minutes[0] > minutes[1]:
            raise ValueError(f"estimated_minutes runs from {minutes[0]} to {minutes[1]}: put the lower number first")
        return minutes


_MODELS: tuple[type[BaseModel], ...] = (
    ChoiceModel,
    ColumnModel,
    SectionModel,
    ShownTestModel,
    ShownWhenModel,
    QuestionModel,
    TemplateModel,
    ForEachModel,
    StepModel,
    QuestionnaireFile,
)
FIELDS = frozenset(name for model in _MODELS for name in model.model_fields)
_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list (lines starting with '-')",
    "dict_type": "a mapping (lines of 'name: value')",
    "model_type": "a mapping (lines of 'name: value')",
    "model_attributes_type": "a mapping (lines of 'name: value')",
}
_LIMITS = {
    "min_age": "0 to 150",
    "max_age": "0 to 150",
    "max_rows": "1 to 100",
    "at_least": "1 up",
    "estimated_minutes": "1 to 600",
}
# A field whose value may take several types reports one error per type; one plain sentence replaces them.
_UNION_WORDS = {
    "min": "a number",
    "max": "a number",
    "equals": "text, a number or true/false",
}


def _field(loc: tuple[Any, ...]) -> str:
    names = [str(x) for x in loc if isinstance(x, str) and x in FIELDS]
    return names[-1] if names else "this entry"


def _message(error: Any, vocabulary: list[str]) -> str:
    kind, loc = error["type"], tuple(error["loc"])
    name = _field(loc)
    given = error.get("input")
    if kind == "extra_forbidden" and loc[-1] in FIELDS:
        return f"'{loc[-1]}' is not allowed here"
    if kind == "extra_forbidden":
        return f"'{loc[-1]}' is not a known field here.{did_you_mean(loc[-1], vocabulary)}"
    if kind == "missing":
        return f"the field '{name}' is missing"
    if kind == "literal_error" and name == "type":
        return f"type must be one of {', '.join(QUESTION_TYPES)}, not '{given}'.{did_you_mean(given, QUESTION_TYPES)}"
    if kind == "literal_error":
        return f"'{name}' must be {error['ctx']['expected']}, not '{given}'"
    if kind == "string_pattern_mismatch" and name == "picture":
        return (
            f"'{given}' is not a picture file name: use lower-case letters, digits, '-' or '_', ending .svg, .png, .jpg or .webp"
        )
    if name == "estimated_minutes" and kind in ("too_short", "too_long", "list_type", "int_type"):
        return "'estimated_minutes' must be two whole numbers of minutes, lowest first, e.g. [10, 15]"
    if kind in ("greater_than_equal", "less_than_equal") and name in _LIMITS:
        return f"'{name}' must be a whole number from {_LIMITS[name]}"
    if any(isinstance(x, str) and x not in FIELDS for x in loc) and name in _UNION_WORDS:
        return f"'{name}' must be {_UNION_WORDS[name]}"
    if kind in _TYPE_WORDS:
        return f"'{name}' must be {_TYPE_WORDS[kind]}"
    if kind == "too_short" and name in COMPOUND_BEHAVIOURS:
        return f"'{name}' needs at least two tests; for one test, write its 'question' directly under shown_when"
    if kind in ("string_too_short", "too_short"):
        return f"'{name}' must not be empty"
    if kind == "string_pattern_mismatch":
        return f"'{given}' is not a valid {name}: use lower-case letters, digits and underscores"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    return f"'{name}': {error['msg']}"


M = TypeVar("M", bound=BaseModel)


def validate_part(model: type[M], raw: Any, problems: Problems, item: str | None, kind: str = "question") -> M | None:
    """Validate one part of the file; on failure record located problems (one per place and message) and return None."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        report_errors(exc, raw, problems, item, kind)
        return None


def report_errors(exc: ValidationError, raw: Any, problems: Problems, item: str | None, kind: str) -> None:
    """Translate pydantic errors into located problems."""
    vocabulary = sorted(FIELDS)
    errors = exc.errors()
    # A misspelt field shows up twice (unknown key, and the real field missing); the first, with its hint, is enough.
    hinted = {did_you_mean(e["loc"][-1], vocabulary) for e in errors if e["type"] == "extra_forbidden"}
    seen: set[tuple[int | None, str]] = set()
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "missing" and f" Did you mean '{_field(loc)}'?" in hinted:
            continue
        message = _message(error, vocabulary)
        line = line_at(raw, [x for x in loc if isinstance(x, int) or x in FIELDS or x == loc[-1]])
        if (line, message) not in seen:
            seen.add((line, message))
            problems.add(message, line, item=item, kind=kind)
