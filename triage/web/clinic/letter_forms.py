"""WTForms for the letter page (CSRF through Flask-WTF): the letter's texts and struck differentials, the referral."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, SubmitField, TextAreaField, widgets
from wtforms.validators import Length, Optional

from triage.db.letters import TEXT_MAX
from triage.domain.report.letter import FIELD_LABELS, FIELDS
from triage.web.clinic.forms import printable_text
from triage.web.clinic.referral_fields import referral_fields, referral_values


def _text(name: str) -> TextAreaField:
    return TextAreaField(
        FIELD_LABELS[name],
        validators=[Optional(), Length(max=TEXT_MAX, message=f"Keep this to at most {TEXT_MAX} characters."), printable_text],
        description="One item a line." if name != "bottom_line" else "One paragraph.",
    )


class LetterForm(FlaskForm):
    """The letter's texts as the clinician edits them, the differentials struck out, and Save or Sign and finalise."""

    bottom_line = _text("bottom_line")
    impression = _text("impression")
    plan = _text("plan")
    gp_actions = _text("gp_actions")
    patient_actions = _text("patient_actions")
    struck = SelectMultipleField(
        "Strike out of the letter",
        choices=[],
        validate_choice=True,
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
        description="A struck differential leaves the impression; the appendix still records it.",
    )
    save = SubmitField("Save draft")
    sign = SubmitField("Sign and finalise")

    def offer(self, differentials: Sequence[tuple[str, str]]) -> LetterForm:
        """Offer these (id, name) differentials to strike; returns the form."""
        self.struck.choices = list(differentials)
        return self

    @classmethod
    def filled(cls, texts: Mapping[str, str], struck: Sequence[str]) -> LetterForm:
        """A blank form (not read from the request) holding the letter as it now reads."""
        return cls(formdata=None, data={**{f: texts.get(f, "") for f in FIELDS}, "struck": list(struck)})

    def texts(self) -> dict[str, str]:
        """The submitted texts, line endings made plain and each line trimmed."""
        return {f: _clean(getattr(self, f).data or "") for f in FIELDS}


def _clean(text: str) -> str:
    return "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n")).strip()


_REFERRAL = referral_fields(printable_text)


class ReferralForm(FlaskForm):
    """The referral's details, editable by clinic staff after the invitation."""

    nhs_number = _REFERRAL["nhs_number"]
    mrn = _REFERRAL["mrn"]
    referrer_name = _REFERRAL["referrer_name"]
    referrer_practice = _REFERRAL["referrer_practice"]
    referrer_contact = _REFERRAL["referrer_contact"]

    def values(self) -> dict[str, str]:
        """The submitted values by field name."""
        return referral_values(self)
