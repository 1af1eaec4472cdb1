"""The admin's clinic details page (/admin/clinic): name, address, phone, letterhead, logo, page size and link expiry."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from triage.db import clinic_profile
from triage.db.clinic_profile import FIELDS, ClinicDetailsRefused, ClinicProfile, Logo
from triage.web.access import database, record_staff_event, role_required
from triage.web.clinic_details import clinic, forget_clinic
from triage.web.forms import ActionForm
from triage.web.routes import RouteTable
from triage.web.staff.forms import no_control_characters

routes = RouteTable()

TEXT_FIELDS = (
    "name",
    "address",
    "phone",
    "emergency_instruction",
    "letterhead",
    "privacy_notice",
    "page_size",
    "time_zone",
    "invite_expiry_days",
    "alert_email",
    "escalation_email",
)
# How long records are kept (triage.domain.retention): empty means the default.
RETENTION_FIELDS = ("retention_intake_years", "retention_letter_years", "retention_message_days")
# Fields where empty means "the environment's value or the default" rather than an empty value.
DEFAULTED_FIELDS = (*RETENTION_FIELDS, "reminder_days")


def _lines_allowed(_form: Any, field: Any) -> None:
    """Addresses and letterheads have several lines; every other control character is refused."""
    field.data = (field.data or "").replace("\r\n", "\n")
    if any((ord(c) < 32 and c != "\n") or ord(c) == 127 for c in field.data):
        raise ValidationError("Remove the control characters from this field.")


def _period(_form: Any, field: Any) -> None:
    """A retention period or the reminder days, checked as stored; the message names the field."""
    try:
        clinic_profile.clean_value(field.name, field.data or "")
    except ClinicDetailsRefused as problem:
        raise ValidationError(str(problem)) from None


def _period_field(label: str) -> StringField:
    return StringField(label, validators=[Optional(), _period], render_kw={"inputmode": "numeric"})


class ClinicDetailsForm(FlaskForm):
    """The clinic's details as the admin sets them (each stored in the app, over the environment's value)."""

    name = StringField(
        "Clinic name", validators=[DataRequired("Enter the clinic's name."), Length(max=200), no_control_characters]
    )
    address = TextAreaField("Postal address", validators=[Optional(), Length(max=600), _lines_allowed])
    phone = StringField("Phone number for patients", validators=[Optional(), Length(max=40), no_control_characters])
    emergency_instruction = StringField(
        "What the urgent-help page tells a patient to do",
        validators=[DataRequired("Enter what a patient should do in an emergency."), Length(max=200), no_control_characters],
    )
    letterhead = TextAreaField("Letterhead lines under the clinic name", validators=[Optional(), Length(max=600), _lines_allowed])
    privacy_notice = TextAreaField("Privacy notice for patients", validators=[Optional(), Length(max=4000), _lines_allowed])
    time_zone = StringField(
        "Time zone", validators=[DataRequired("Enter a time zone such as Europe/London."), Length(max=64), no_control_characters]
    )
    alert_email = StringField("Where alerts are emailed", validators=[Optional(), Length(max=254), no_control_characters])
    escalation_email = StringField(
        "Where unacknowledged emergencies escalate", validators=[Optional(), Length(max=254), no_control_characters]
    )
    page_size = SelectField("Letter page size", choices=[("A4", "A4"), ("Letter", "US Letter")], validate_choice=True)
    invite_expiry_days = IntegerField(
        "Days a patient link lasts",
        validators=[
            InputRequired("Enter the number of days."),
            NumberRange(min=1, max=365, message="Enter a whole number from 1 to 365."),
        ],
    )
    reminder_days = StringField("Reminders: days before the appointment", validators=[Optional(), Length(max=40), _period])
    retention_intake_years = _period_field("Keep intakes for (years)")
    retention_letter_years = _period_field("Keep letters for (years)")
    retention_message_days = _period_field("Keep sent messages for (days)")
    logo = FileField("Logo for letters (PNG or JPEG, at most 300 KB)")
    remove_logo = BooleanField("Remove the logo")

    def fill(self, profile: ClinicProfile) -> ClinicDetailsForm:
        """Show the details in force."""
        for name in TEXT_FIELDS:
            getattr(self, name).data = getattr(profile, name)
        for name in DEFAULTED_FIELDS:
            getattr(self, name).data = str(getattr(profile, name))
        return self


def _page(form: ClinicDetailsForm, status: int = 200) -> tuple[str, int]:
    profile = clinic()
    settings = {name: setting for name, (setting, _default) in FIELDS.items()}
    page = render_template("admin/clinic.html", form=form, profile=profile, settings=settings, reset_form=ActionForm())
    return page, status


@routes.route("/clinic", endpoint="clinic_details")
@role_required("admin")
def clinic_details() -> Any:
    """The clinic's details in force, each with where it comes from (set in the app, the environment, the default)."""
    return _page(ClinicDetailsForm(formdata=None).fill(clinic()))


def _uploaded_logo(form: ClinicDetailsForm) -> Logo | None:
    upload = form.logo.data
    if not isinstance(upload, FileStorage) or not upload.filename:
        return None
    return clinic_profile.checked_logo(upload.read(clinic_profile.LOGO_MAX_BYTES + 1))


@routes.route("/clinic", methods=["POST"], endpoint="clinic_details_save")
@role_required("admin")
def clinic_details_save() -> Any:
    """Store the details the admin entered (and the logo); an audit row names the fields changed."""
    form = ClinicDetailsForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    values: dict[str, str | None] = {name: str(getattr(form, name).data) for name in TEXT_FIELDS}
    values.update({name: (getattr(form, name).data or "").strip() or None for name in DEFAULTED_FIELDS})
    with database().session() as session:
        try:
            logo = _uploaded_logo(form)
            changed = clinic_profile.save_clinic_details(session, values, logo, remove_logo=bool(form.remove_logo.data))
        except ClinicDetailsRefused as problem:
            session.rollback()
            getattr(form, problem.field, form.name).errors = [str(problem)]
            return _page(form, 400)
        if changed:
            record_staff_event(session, "clinic.details", detail=f"changed {', '.join(changed)}")
    forget_clinic()
    flash("Clinic details saved." if changed else "Nothing changed.", "info")
    return redirect(url_for("admin.clinic_details"))


@routes.route("/clinic/reset", methods=["POST"], endpoint="clinic_details_reset")
@role_required("admin")
def clinic_details_reset() -> Any:
    """Forget every detail set in the app (and the logo): the environment's values and the defaults apply again."""
    form = ActionForm()
    if not form.validate_on_submit():
        flash("The form had expired; nothing was changed. Please try again.", "error")
        return redirect(url_for("admin.clinic_details"))
    with database().session() as session:
        changed = clinic_profile.save_clinic_details(session, dict.fromkeys(TEXT_FIELDS + DEFAULTED_FIELDS), remove_logo=True)
        if changed:
            record_staff_event(session, "clinic.details", detail=f"reset {', '.join(changed)}")
    flash("The environment's values apply again." if changed else "Nothing was set in the app.", "info")
    return redirect(url_for("admin.clinic_details"))
