"""The shape of a shown_when in forms/questionnaire.yaml (pydantic v2): one test, or `all:` / `any:` of several."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from triage.domain.questionnaire.values import COMPOUND_BEHAVIOURS, SHOWN_WHEN_OPERATORS

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Scalar = str | int | float | bool


class Strict(BaseModel):
    """A part of the file: unknown fields refused, no type coercion, and frozen once read."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ShownTestModel(Strict):
    """A test on one earlier answer: `question` and exactly one operator."""

    @model_validator(mode="before")
    @classmethod
    def _not_nested(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and any(key in raw for key in COMPOUND_BEHAVIOURS):
            raise ValueError("'all' and 'any' cannot be nested: each test in the list is one question and one operator")
        return raw

    question: Identifier
    equals: Scalar | None = None
    one_of: list[Scalar] | None = None
    includes: str | None = None
    includes_any: list[str] | None = None
    answered: bool | None = None
    at_least: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_operator(self) -> ShownTestModel:
        if len([op for op in SHOWN_WHEN_OPERATORS if op in self.model_fields_set]) != 1:
            raise ValueError(f"each test needs 'question' and one of {', '.join(SHOWN_WHEN_OPERATORS)}")
        return self

    @property
    def operator(self) -> str:
        """The one operator this test uses."""
        return next(op for op in SHOWN_WHEN_OPERATORS if op in self.model_fields_set)


class ShownWhenModel(Strict):
    """When a follow-up is shown: one test (`question` and one operator), or `all:` / `any:` of a list of tests."""

    question: Identifier | None = None
    equals: Scalar | None = None
    one_of: list[Scalar] | None = None
    includes: str | None = None
    includes_any: list[str] | None = None
    answered: bool | None = None
    at_least: int | None = Field(default=None, ge=1)
    all: list[ShownTestModel] | None = Field(default=None, min_length=2)
    any: list[ShownTestModel] | None = Field(default=None, min_length=2)

    @model_validator(mode="after")
    def _one_form(self) -> ShownWhenModel:
        compound = [key for key in COMPOUND_BEHAVIOURS if key in self.model_fields_set]
        single = [key for key in ("question", *SHOWN_WHEN_OPERATORS) if key in self.model_fields_set]
        if len(compound) > 1:
            raise ValueError("shown_when takes 'all' or 'any', not both: put every test in one list")
        if compound and single:
            raise ValueError(f"shown_when: write '{single[0]}' inside a test of the '{compound[0]}' list, not beside it")
        if not compound and ("question" not in single or len(single) != 2):
            raise ValueError(
                f"shown_when needs 'question' and one of {', '.join(SHOWN_WHEN_OPERATORS)}, or 'all' or 'any' with a list"
            )
        return self

    @property
    def behaviour(self) -> str:
        """ "all" or "any" for a list of tests; "" for one test."""
        return next((key for key in COMPOUND_BEHAVIOURS if key in self.model_fields_set), "")

    @property
    def tests(self) -> list[ShownTestModel]:
        """The tests: those of the list, or the one test written directly."""
        if self.behaviour:
            return list(getattr(self, self.behaviour))
        return [ShownTestModel.model_validate(self.model_dump(include={"question", *SHOWN_WHEN_OPERATORS}, exclude_unset=True))]
