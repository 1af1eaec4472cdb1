"""Creating one invitation with every detail, from the worklist form and from `triage invite`, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from triage.cli.main import cli
from triage.db.clinic_profile import save_clinic_details
from triage.db.models import AuditEvent, Intake, Invitation, OutboxMessage

ZONE = "Europe/London"
TOMORROW = (dt.datetime.now(ZoneInfo(ZONE)) + dt.timedelta(days=1)).date()


def in_london(app: Flask) -> None:
    """Set the clinic's time zone to London."""
    with app.extensions["triage_db"].session() as session:
        save_clinic_details(session, {"time_zone": ZONE})


def post_invitation(client: Any, **data: str) -> Any:
    """Post the worklist's invitation form with the page's CSRF token."""
    token = csrf_token(client.get("/clinic/").data)
    return client.post("/clinic/invitations", data={"csrf_token": token, **data})


def stored(app: Flask, ref: str) -> tuple[Intake, Invitation, list[tuple[str, str, str, dict[str, Any]]]]:
    """The intake, its invitation, and its queued messages as (kind, channel, recipient, details)."""
    with app.extensions["triage_db"].session() as session:
        intake = session.scalar(select(Intake).where(Intake.ref == ref))
        assert intake is not None and intake.invitation is not None
        invitation = intake.invitation
        messages = [
            (m.kind, m.channel, m.recipient, m.details)
            for m in session.scalars(select(OutboxMessage).where(OutboxMessage.intake_id == intake.id).order_by(OutboxMessage.id))
        ]
        session.expunge_all()
        return intake, invitation, messages


def test_the_form_stores_every_detail_and_queues_the_email_and_the_text(app: Flask, staff_login: Callable[..., Any]) -> None:
    in_london(app)
    client = app.test_client()
    account = staff_login(client)
    page = client.get("/clinic/").get_data(as_text=True)
    for label in ("Patient&#39;s name", "Date of birth", "Mobile number", "Appointment time", "Questionnaire language"):
        assert label in page
    assert 'href="/clinic/invitations/upload"' in page
    reply = post_invitation(
        client,
        ref="FULL-1",
        patient_name="Alex  Example",
        dob_day="27",
        dob_month="3",
        dob_year="1980",
        email="alex@example.org",
        mobile="07400 123456",
        appointment=TOMORROW.isoformat(),
        appointment_time="09:30",
        language="pl",
        nhs_number="943 476 5919",
        mrn="M-1",
        referrer_name="Dr Grey",
        referrer_practice="Elm Surgery",
    )
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200, html
    link = re.search(r'value="(http://localhost/i/[A-Za-z0-9_-]{40,})"', html)
    assert link is not None and "by email and by text message" in html
    intake, invitation, messages = stored(app, "FULL-1")
    local = dt.datetime.combine(TOMORROW, dt.time(9, 30), tzinfo=ZoneInfo(ZONE))
    assert invitation.patient_name == "Alex Example" and invitation.date_of_birth == dt.date(1980, 3, 27)
    assert invitation.email == "alex@example.org" and invitation.mobile == "+447400123456"
    assert invitation.appointment_at is not None
    assert invitation.appointment_at.replace(tzinfo=dt.UTC) == local.astimezone(dt.UTC)
    assert intake.appointment_date == TOMORROW and intake.language == "pl"
    assert (intake.nhs_number, intake.mrn, intake.referrer_name, intake.referrer_practice) == (
        "9434765919",
        "M-1",
        "Dr Grey",
        "Elm Surgery",
    )
    assert [m[:3] for m in messages] == [("invitation", "email", "alex@example.org"), ("invitation", "sms", "+447400123456")]
    assert all(m[3]["invitation_id"] == invitation.id and m[3]["occasion"] == "created" for m in messages)
    token = link.group(1).rsplit("/", 1)[1]
    with app.extensions["triage_db"].session() as session:
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "invitation.create")).all()
        assert [(a.actor, a.intake_id) for a in audit] == [(account.email, intake.id)]
        assert token not in audit[0].detail and "Alex" not in audit[0].detail and "channels=email,sms" in audit[0].detail


def test_without_email_or_mobile_nothing_is_queued_and_the_link_is_to_copy(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    reply = post_invitation(client, ref="COPY-1")
    assert reply.status_code == 200 and "Send this private link to the patient now" in reply.get_data(as_text=True)
    assert stored(app, "COPY-1")[2] == []


def test_a_bad_mobile_is_refused_naming_the_field_and_nothing_is_made(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    reply = post_invitation(
        client, ref="BAD-1", mobile="0123", email="nope", dob_day="31", dob_month="2", dob_year="1980", language="xx"
    )
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert 'id="mobile-error">Mobile number: this is not a valid phone number' in html
    assert 'id="email-error">Email: ' in html and 'id="dob-error">Date of birth: ' in html
    assert 'id="language-error">Language: ' in html
    assert 'value="0123"' in html  # what was typed is kept
    with app.extensions["triage_db"].session() as session:
        assert session.scalar(select(Intake).where(Intake.ref == "BAD-1")) is None
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_time_without_a_date_and_a_past_appointment_are_refused(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    html = post_invitation(client, ref="T-1", appointment_time="10:00").get_data(as_text=True)
    assert "Appointment: enter the date as well as the time." in html
    html = post_invitation(client, ref="T-1", appointment="2020-01-01").get_data(as_text=True)
    assert "Appointment: the date has passed." in html


def run(app: Flask, *args: str) -> Result:
    """Invoke the CLI against this app."""
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_triage_invite_takes_the_same_fields_and_queues_the_messages(app: Flask) -> None:
    in_london(app)
    result = run(
        app,
        "invite",
        "--ref",
        "CLI-1",
        "--name",
        "Sam Example",
        "--dob",
        "1990-01-02",
        "--email",
        "sam@example.org",
        "--mobile",
        "+44 7400 123456",
        "--appointment",
        f"{TOMORROW.isoformat()} 14:00",
        "--language",
        "es",
        "--nhs-number",
        "9434765919",
        "--mrn",
        "M-2",
        "--referrer-name",
        "Dr Blue",
        "--referrer-practice",
        "Oak Practice",
    )
    assert result.exit_code == 0, result.output
    assert "queued by email and sms" in result.output and result.output.strip().splitlines()[-1].startswith("http://localhost/i/")
    intake, invitation, messages = stored(app, "CLI-1")
    local = dt.datetime.combine(TOMORROW, dt.time(14, 0), tzinfo=ZoneInfo(ZONE))
    assert invitation.patient_name == "Sam Example" and invitation.date_of_birth == dt.date(1990, 1, 2)
    assert invitation.appointment_at is not None and invitation.appointment_at.replace(tzinfo=dt.UTC) == local.astimezone(dt.UTC)
    assert intake.language == "es" and intake.referrer_practice == "Oak Practice" and intake.mrn == "M-2"
    assert [(m[1], m[2]) for m in messages] == [("email", "sam@example.org"), ("sms", "+447400123456")]
    with app.extensions["triage_db"].session() as session:
        assert session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "invitation.create")) == "cli"


def test_triage_invite_refuses_a_bad_value_naming_the_option(app: Flask) -> None:
    for option, value in (("--mobile", "0123"), ("--dob", "02/30/1990"), ("--language", "xx"), ("--appointment", "soon")):
        result = run(app, "invite", "--ref", "CLI-2", option, value)
        assert result.exit_code == 2 and option in result.output and "Traceback" not in result.output, result.output
    with app.extensions["triage_db"].session() as session:
        assert session.scalars(select(Intake)).all() == []
