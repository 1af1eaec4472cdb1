"""The admin's patient message texts (/admin/messages): the invitation and reminder emails and text messages, previewed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import ValidationError

from triage.db import message_templates
from triage.db.clinic_profile import ClinicProfile
from triage.db.clock import utcnow
from triage.domain.invitations.message_text import (
    BY_NAME,
    FIELDS,
    NO_PHONE,
    SMS_LIMIT,
    TemplateRefused,
    check_template,
    render,
    sms_segments,
)
from triage.jobs.patient_messages import format_appointment
from triage.web.access import database, record_staff_event, role_required
from triage.web.clinic_details import clinic
from triage.web.forms import ActionForm
from triage.web.routes import RouteTable

routes = RouteTable()
SAMPLE_TOKEN = "SAMPLE-" + "x" * 36  # as long as a real token (43 characters), so lengths are true
MESSAGES = (
    ("Invitation email", ("invitation_email_subject", "invitation_email_body")),
    ("Reminder email", ("reminder_email_subject", "reminder_email_body")),
    ("Invitation text message", ("invitation_sms",)),
    ("Reminder text message", ("reminder_sms",)),
)


def _no_control_characters(_form: Any, field: Field) -> None:
    """Line breaks are allowed in a message's text; every other control character is refused."""
    field.data = (field.data or "").replace("\r\n", "\n")
    if any((ord(c) < 32 and c != "\n") or ord(c) == 127 for c in field.data):
        raise ValidationError("Remove the control characters from this field.")


def _text(name: str) -> Field:
    field = BY_NAME[name]
    if field.part == "subject":
        return StringField(field.label, validators=[_no_control_characters])
    rows = 14 if field.channel == "email" else 4
    return TextAreaField(field.label, validators=[_no_control_characters], render_kw={"rows": rows})


class MessageTemplatesForm(FlaskForm):
    """Every patient message text, edited together."""

    invitation_email_subject = _text("invitation_email_subject")
    invitation_email_body = _text("invitation_email_body")
    reminder_email_subject = _text("reminder_email_subject")
    reminder_email_body = _text("reminder_email_body")
    invitation_sms = _text("invitation_sms")
    reminder_sms = _text("reminder_sms")

    def values(self) -> dict[str, str]:
        """The texts as entered, by template name."""
        return {f.name: str(getattr(self, f.name).data or "") for f in FIELDS}


@dataclass(frozen=True)
class Preview:
    """One message as a patient would receive it, with sample data; a text message's length and parts."""

    title: str
    subject: str
    body: str
    sms: bool
    characters: int
    segments: int
    usable: bool = True


def sample_values(profile: ClinicProfile) -> dict[str, str]:
    """The sample data previews are filled in with: the clinic's own details, an appointment next week, sample links."""
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    appointment = dt.datetime.combine(utcnow().date() + dt.timedelta(days=7), dt.time(10, 30), tzinfo=ZoneInfo(profile.time_zone))
    return {
        "clinic_name": profile.name,
        "appointment": format_appointment(appointment, ZoneInfo(profile.time_zone), "en"),
        "link": f"{base}/i/{SAMPLE_TOKEN}",
        "clinic_phone": profile.phone or NO_PHONE,
        "opt_out_link": f"{base}/stop/{SAMPLE_TOKEN}",
    }


def previews(texts: dict[str, str], profile: ClinicProfile) -> list[Preview]:
    """Each message filled in with the sample data (a text that cannot be used previews as it is)."""
    values = sample_values(profile)

    def filled(name: str) -> str | None:
        try:
            return render(check_template(BY_NAME[name], texts[name]), values)
        except (TemplateRefused, ValueError, KeyError):
            return None

    shown = []
    for title, names in MESSAGES:
        body, subject = filled(names[-1]), filled(names[0]) if len(names) == 2 else ""
        if body is None or subject is None:  # a text that cannot be used has no preview until it is put right
            shown.append(Preview(title, "", "", False, 0, 0, usable=False))
            continue
        sms = BY_NAME[names[-1]].channel == "sms"
        shown.append(Preview(title, subject, body, sms, len(body), sms_segments(body) if sms else 0))
    return shown


def _page(form: MessageTemplatesForm, texts: dict[str, str], customised: frozenset[str], status: int = 200) -> Any:
    profile = clinic()
    page = render_template(
        "admin/messages.html",
        form=form,
        groups=[(title, [getattr(form, n) for n in names]) for title, names in MESSAGES],
        previews=previews(texts, profile),
        customised=customised,
        sms_limit=SMS_LIMIT,
        reset_form=ActionForm(),
    )
    return page, status


@routes.route("/messages", endpoint="message_templates")
@role_required("admin")
def message_templates_page() -> Any:
    """The texts in force, each with a preview filled in with sample data."""
    with database().session() as session:
        stored = message_templates.load_templates(session)
    form = MessageTemplatesForm(formdata=None, data=dict(stored.texts))
    return _page(form, dict(stored.texts), stored.customised)


def _refusals(form: MessageTemplatesForm) -> bool:
    """Check every text, putting each problem on its field; True when any was refused."""
    refused = False
    for name, text in form.values().items():
        try:
            check_template(BY_NAME[name], text)
        except TemplateRefused as problem:
            getattr(form, name).errors = [str(problem)]
            refused = True
    return refused


@routes.route("/messages", methods=["POST"], endpoint="message_templates_save")
@role_required("admin")
def message_templates_save() -> Any:
    """Preview the texts entered (nothing is stored), or store them: an audit row names the texts changed."""
    form = MessageTemplatesForm()
    with database().session() as session:
        customised = message_templates.load_templates(session).customised
    if not form.validate_on_submit():
        return _page(form, form.values(), customised, 400)
    if _refusals(form):
        return _page(form, form.values(), customised, 400)
    if request.form.get("action") == "preview":
        return _page(form, form.values(), customised)
    with database().session() as session:
        changed = message_templates.save_templates(session, form.values())
        if changed:
            record_staff_event(session, "messages.templates", detail=f"changed {', '.join(changed)}")
    flash("Message texts saved." if changed else "Nothing changed.", "info")
    return redirect(url_for("admin.message_templates"))


@routes.route("/messages/reset", methods=["POST"], endpoint="message_templates_reset")
@role_required("admin")
def message_templates_reset() -> Any:
    """Every text back to its default (the shipped wording, translated for patients who read another language)."""
    form = ActionForm()
    if not form.validate_on_submit():
        flash("The form had expired; nothing was changed. Please try again.", "error")
        return redirect(url_for("admin.message_templates"))
    with database().session() as session:
        changed = message_templates.save_templates(session, dict.fromkeys(BY_NAME))
        if changed:
            record_staff_event(session, "messages.templates", detail=f"reset {', '.join(changed)}")
    flash("The default texts apply again." if changed else "Every text was the default already.", "info")
    return redirect(url_for("admin.message_templates"))
