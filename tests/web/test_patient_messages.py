"""Invitations and reminders reach the patient: by email (a real SMTP server) and by text message (a local GOV.UK Notify).

The worker composes each message as it sends it, with a newly minted link; a message whose invitation was revoked
or submitted, or a reminder after an opt-out or a past appointment, is cancelled; in the quiet hours it waits for
the morning. Every test runs on SQLite and PostgreSQL; the clock is the `now` passed to the worker.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from tests.helpers.notify import SERVICE_ID, TEMPLATE_ID, NotifyServer
from tests.helpers.outbox import worker_for
from tests.helpers.patient_messages import (
    DATE_OF_BIRTH,
    LINK,
    OPT_OUT,
    PATIENT_NAME,
    every_stored_text,
    invite,
    message,
    tomorrow_at,
    update_invitation,
)
from tests.helpers.smtp import SmtpServer
from triage.db.intakes import invitation_for_token
from triage.db.invitation_links import invitation_for_purpose

LONDON = ZoneInfo("Europe/London")
NOON = tomorrow_at(12)
EMAIL = "margaret@example.org"
MOBILE = "+447700900123"
CLINIC = {"CLINIC_NAME": "Northfield Gut Clinic", "CLINIC_PHONE": "020 7946 0000", "CLINIC_TIME_ZONE": "Europe/London"}


@pytest.fixture
def notify() -> Iterator[NotifyServer]:
    """GOV.UK Notify's SMS API on 127.0.0.1, stopped after the test."""
    server = NotifyServer().start()
    yield server
    server.stop()


@pytest.fixture
def messaging_app(make_app: Callable[..., Flask], smtp_server: SmtpServer, notify: NotifyServer) -> Flask:
    """An app whose email goes to the test's SMTP server and whose text messages go to the local Notify."""
    return make_app(**smtp_server.settings(), **notify.settings(), **CLINIC, MAIL_FROM="clinic@northfield.example")


def _resolves_to(app: Flask, token: str, invitation_id: int, purpose: str = "link") -> bool:
    with app.extensions["triage_db"].session() as session:
        found = invitation_for_token(session, token) if purpose == "link" else invitation_for_purpose(session, token, purpose)
        return found is not None and found.id == invitation_id


def test_an_invitation_email_carries_a_working_link_and_no_health_data(
    messaging_app: Flask, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="triage")
    caplog.set_level(logging.DEBUG, logger="notifications_python_client")
    invitation_id, [message_id] = invite(messaging_app, email=EMAIL, appointment_at=NOON + dt.timedelta(days=7, hours=-1.5))
    report = worker_for(messaging_app).run_round(now=NOON)
    assert (report.sent, report.failed, report.cancelled, report.held) == (1, 0, 0, 0)
    [received] = smtp_server.messages()
    body = received.body()
    assert received.rcpt_tos == (EMAIL,)
    assert received.email["Subject"] == "Your questionnaire from Northfield Gut Clinic"
    assert received.email["List-Unsubscribe"] is None  # an invitation is not a reminder
    appointment = (NOON + dt.timedelta(days=7, hours=-1.5)).astimezone(LONDON)
    assert f"appointment on {appointment:%A}, {appointment.day} {appointment:%B %Y}, {appointment:%H:%M}." in body
    assert "Northfield Gut Clinic" in body and "020 7946 0000" in body
    # No health data, and nothing that names the patient: a forwarded email gives nothing away.
    assert PATIENT_NAME not in body and "Margaret" not in body and str(DATE_OF_BIRTH.year) not in body
    assert "MSG-1" not in body and "questionnaire" in body.lower()
    [token] = LINK.findall(body)
    assert _resolves_to(messaging_app, token, invitation_id)
    assert messaging_app.test_client().get(f"/i/{token}").status_code == 303  # the link opens the questionnaire
    stored = message(messaging_app, message_id)
    assert (stored.status, stored.attempts) == ("sent", 1)
    assert "[link]" in stored.body and "Northfield Gut Clinic" in stored.subject
    # The raw token is in the sent email only: in no column of any table, in no log line.
    assert token not in every_stored_text(messaging_app)
    assert token not in caplog.text


def test_a_reminder_email_offers_one_click_opt_out(messaging_app: Flask, smtp_server: SmtpServer) -> None:
    invitation_id, [message_id] = invite(messaging_app, email=EMAIL, kind="reminder")
    assert worker_for(messaging_app).run_round(now=NOON).sent == 1
    [received] = smtp_server.messages()
    assert received.email["Subject"] == "Reminder: your questionnaire from Northfield Gut Clinic"
    [opt_out] = OPT_OUT.findall(received.body())
    # (A long header is folded after its colon, as RFC 5322 allows: the value read back starts with the fold's space.)
    assert received.email["List-Unsubscribe"].strip() == f"<http://localhost/stop/{opt_out}>"
    assert received.email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _resolves_to(messaging_app, opt_out, invitation_id, "opt_out")
    assert not _resolves_to(messaging_app, opt_out, invitation_id)  # the opt-out token opens no questionnaire
    [link] = LINK.findall(received.body())
    stored_text = every_stored_text(messaging_app)
    assert link not in stored_text and opt_out not in stored_text
    assert "[opt-out link]" in message(messaging_app, message_id).body


def test_a_text_message_goes_to_notify_signed_with_the_api_key(messaging_app: Flask, notify: NotifyServer) -> None:
    invitation_id, [message_id] = invite(messaging_app, mobile=MOBILE)
    assert worker_for(messaging_app).run_round(now=NOON).sent == 1
    [request] = notify.received()
    assert request.path == "/v2/notifications/sms"
    assert request.claims["iss"] == SERVICE_ID  # the JWT was verified with the key's secret (HS256)
    assert request.body["phone_number"] == MOBILE and request.body["template_id"] == TEMPLATE_ID
    assert request.body["reference"] == f"outbox-{message_id}"
    text = request.body["personalisation"]["body"]
    assert text.startswith("Northfield Gut Clinic: please fill in your questionnaire before your appointment on ")
    assert PATIENT_NAME not in text
    [token] = LINK.findall(text)
    assert _resolves_to(messaging_app, token, invitation_id)
    assert token not in every_stored_text(messaging_app)
    assert message(messaging_app, message_id).status == "sent"


def test_notify_refusals_fail_for_good_and_outages_are_retried(messaging_app: Flask, notify: NotifyServer) -> None:
    worker = worker_for(messaging_app)
    notify.fail_with(400, "ValidationError", "phone_number Not a UK mobile number")
    _, [refused] = invite(messaging_app, mobile=MOBILE, ref="MSG-400")
    assert worker.run_round(now=NOON).failed == 1
    stored = message(messaging_app, refused)
    assert stored.status == "failed" and stored.attempts == 1
    assert stored.last_error == "GOV.UK Notify said 400 ValidationError: phone_number Not a UK mobile number"

    notify.fail_with(500, "Exception", "Internal server error")
    _, [busy] = invite(messaging_app, mobile=MOBILE, ref="MSG-500")
    assert worker.run_round(now=NOON).retried == 1
    stored = message(messaging_app, busy)
    assert (stored.status, stored.attempts) == ("queued", 1)
    assert stored.last_error == "GOV.UK Notify said 500 Exception: Internal server error"

    notify.answer_normally()
    notify.stop()
    later = NOON + dt.timedelta(minutes=5)
    assert worker.run_round(now=later).retried == 1
    assert "GOV.UK Notify unreachable" in message(messaging_app, busy).last_error
    notify.start()
    assert worker.run_round(now=later + dt.timedelta(hours=1)).sent == 1
    assert len(notify.received()) == 1 and message(messaging_app, busy).status == "sent"


@pytest.mark.parametrize(
    ("kind", "change", "reason"),
    [
        ("invitation", {"revoked_at": NOON - dt.timedelta(hours=1)}, "the invitation was revoked"),
        ("reminder", {"status": "submitted"}, "the questionnaire was already submitted"),
        ("reminder", {"reminders_opted_out_at": NOON}, "the patient opted out of reminders"),
        ("reminder", {"appointment_at": NOON - dt.timedelta(hours=2)}, "the appointment has passed"),
    ],
)
def test_a_message_that_should_no_longer_go_is_cancelled_not_sent(
    messaging_app: Flask, smtp_server: SmtpServer, notify: NotifyServer, kind: str, change: dict[str, Any], reason: str
) -> None:
    invitation_id, ids = invite(messaging_app, email=EMAIL, mobile=MOBILE, kind=kind)
    update_invitation(messaging_app, invitation_id, **change)
    report = worker_for(messaging_app).run_round(now=NOON)
    assert (report.sent, report.cancelled) == (0, 2)
    assert smtp_server.messages() == [] and notify.received() == []
    for message_id in ids:
        stored = message(messaging_app, message_id)
        assert (stored.status, stored.last_error, stored.attempts) == ("cancelled", reason, 0)
    assert worker_for(messaging_app).run_round(now=NOON + dt.timedelta(days=1)).cancelled == 0


def test_a_patient_reading_spanish_gets_the_default_texts_in_spanish(
    messaging_app: Flask, smtp_server: SmtpServer, notify: NotifyServer
) -> None:
    invite(messaging_app, email=EMAIL, mobile=MOBILE, language="es")
    assert worker_for(messaging_app).run_round(now=NOON).sent == 2
    [received] = smtp_server.messages()
    assert received.email["Subject"] == "Su cuestionario de Northfield Gut Clinic"
    assert "le pide que rellene un breve cuestionario antes de su cita del " in received.body()
    assert " de diciembre de " in received.body() or " de 20" in received.body()  # the date written in Spanish
    [sms] = notify.received()
    assert sms.body["personalisation"]["body"].startswith("Northfield Gut Clinic: rellene su cuestionario")


def test_an_opt_out_still_lets_an_invitation_go(messaging_app: Flask, smtp_server: SmtpServer) -> None:
    invitation_id, _ids = invite(messaging_app, email=EMAIL)
    update_invitation(messaging_app, invitation_id, reminders_opted_out_at=NOON)
    assert worker_for(messaging_app).run_round(now=NOON).sent == 1


def test_in_the_quiet_hours_a_message_waits_until_eight_in_the_morning(messaging_app: Flask, smtp_server: SmtpServer) -> None:
    _, [message_id] = invite(messaging_app, email=EMAIL)
    evening = tomorrow_at(22, 30, LONDON)
    worker = worker_for(messaging_app)
    report = worker.run_round(now=evening)
    assert (report.sent, report.held) == (0, 1)
    held = message(messaging_app, message_id)
    morning = dt.datetime.combine(evening.astimezone(LONDON).date() + dt.timedelta(days=1), dt.time(8), tzinfo=LONDON)
    assert (held.status, held.attempts) == ("queued", 0)  # no try counted
    assert held.due_at.replace(tzinfo=dt.UTC) == morning.astimezone(dt.UTC)
    assert held.last_error.startswith("held for the quiet hours until ")
    assert worker.run_round(now=morning - dt.timedelta(minutes=1)).sent == 0
    assert worker.run_round(now=morning).sent == 1
    assert len(smtp_server.messages()) == 1


def test_the_delivery_page_shows_a_cancelled_message_with_its_reason(
    messaging_app: Flask, staff_login: Callable[..., Any]
) -> None:
    invitation_id, _ids = invite(messaging_app, email=EMAIL)
    update_invitation(messaging_app, invitation_id, revoked_at=NOON)
    worker_for(messaging_app).run_round(now=NOON)
    client = messaging_app.test_client()
    staff_login(client, ("admin",))
    page = client.get("/admin/deliveries").get_data(as_text=True)
    assert "cancelled: cancelled: the invitation was revoked" in page or "the invitation was revoked" in page
    assert "1 cancelled" in page
