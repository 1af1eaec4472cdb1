"""The referral's optional fields (patient identifiers, referrer), shared by the invitation and the letter page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wtforms import Field, StringField
from wtforms.validators import Length, Optional, ValidationError

from triage.domain.report.identifiers import mrn_problem, nhs_number_problem

REFERRAL_NAMES = ("nhs_number", "mrn", "referrer_name", "referrer_practice", "referrer_contact")


def _check(problem: Callable[[str], str | None]) -> Callable[[Any, Field], None]:
    def validate(_form: Any, field: Field) -> None:
        message = problem(field.data or "")
        if message:
            raise ValidationError(message)

    return validate


def referral_fields(printable: Callable[[Any, Field], None]) -> dict[str, Any]:
    """The five optional fields by name; `printable` is the clinic forms' control-character check."""
    return {
        "nhs_number": StringField(
            "NHS number", validators=[Optional(), _check(nhs_number_problem)], description="Optional. 10 digits."
        ),
        "mrn": StringField("Hospital number (MRN)", validators=[Optional(), _check(mrn_problem)], description="Optional."),
        "referrer_name": StringField(
            "Referring clinician", validators=[Optional(), Length(max=120), printable], description="Optional."
        ),
        "referrer_practice": StringField(
            "Practice or service", validators=[Optional(), Length(max=200), printable], description="Optional."
        ),
        "referrer_contact": StringField(
            "Referrer's contact (email, phone or address)",
            validators=[Optional(), Length(max=200), printable],
            description="Optional.",
        ),
    }


def referral_values(form: Any) -> dict[str, str]:
    """A bound form's referral values by field name."""
    return {name: getattr(form, name).data or "" for name in REFERRAL_NAMES}
