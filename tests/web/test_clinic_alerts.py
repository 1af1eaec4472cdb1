"""The clinic's alerts over HTTP: the Needs-attention queue, acknowledgement by clinicians only, escalation, the header count."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.alerts import T0, alert_row, audit_of, make_alert, make_intake, outbox_rows, settings_of
from tests.helpers.apps import csrf_token
from tests.helpers.patient import PLAN, csrf_of, new_invitation, open_link, post_page, submit, walk_to_review
from tests.helpers.staff import StaffLogin
from triage.db.alert_queue import alerts_for_intake, escalate_due
from triage.domain.questionnaire.questions import default_questionnaire

SignIn = Callable[..., StaffLogin]
ATTENTION = "/clinic/attention"
# A patient with no red flag but the one she reports: vomiting blood (rf_haematemesis, emergency) on the alarm step.
VOMITED_BLOOD = {k: v for k, v in PLAN.items() if k.partition("-")[0] in default_questionnaire().by_id} | {
    "date_of_birth-year": ["1994"],
    "pain_location": ["lower_left"],
    "warning_signs": ["vomited_blood"],
}


def ack_url(alert_id: int) -> str:
    """Where an alert's acknowledge form posts."""
    return f"/clinic/alerts/{alert_id}/acknowledge"


def acknowledge(client: FlaskClient, alert_id: int, action: str, note: str = "", back: str = "queue") -> TestResponse:
    """Post the acknowledge form with the CSRF token of the queue page."""
    token = csrf_token(client.get(ATTENTION).data)
    return client.post(ack_url(alert_id), data={"csrf_token": token, "action": action, "note": note, "back": back})


def text(response: TestResponse) -> str:
    """A page's text with tags removed and whitespace folded, for phrase checks."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_clinician_acknowledges_an_alert(app: Flask, client: FlaskClient, staff_login: SignIn) -> None:
    account = staff_login(client, ("clinician",))
    intake_id = make_intake(app, "REF-ACK")
    alert_id = make_alert(app, intake_id, "emergency")
    make_alert(app, make_intake(app, "REF-OTHER"), "urgent")
    page = client.get(ATTENTION)
    assert page.status_code == 200
    assert "Waiting for acknowledgement (2)" in text(page)
    assert "2 alerts (1 emergency)" in text(page)

    response = acknowledge(client, alert_id, "called_patient", "Spoke to her; going to A&E.")
    assert response.status_code == 303
    assert response.location == f"{ATTENTION}#alert-{alert_id}"

    stored = alert_row(app, alert_id)
    assert stored.acknowledged_at is not None and stored.acknowledged_by == account.id
    assert (stored.action, stored.note) == ("called_patient", "Spoke to her; going to A&E.")
    email = account.email
    assert audit_of(app, "alert.acknowledge") == [
        (email, "clinician", intake_id, "ok", f"alert {alert_id} emergency action=called_patient")
    ]
    page = client.get(ATTENTION)
    words = text(page)
    assert "acknowledged." in words  # the flashed confirmation
    assert "Waiting for acknowledgement (1)" in words
    assert f"Acknowledged by {email}" in words and "Called the patient" in words
    assert "1 alert" in words and "(1 emergency)" not in words  # no longer counted


def test_a_second_acknowledgement_does_not_replace_the_first(app: Flask, client: FlaskClient, staff_login: SignIn) -> None:
    staff_login(client, ("clinician",))
    alert_id = make_alert(app, make_intake(app, "REF-TWICE"))
    acknowledge(client, alert_id, "booked_urgent_appointment")
    response = acknowledge(client, alert_id, "not_needed", "Duplicate.")
    assert response.status_code == 303
    assert alert_row(app, alert_id).action == "booked_urgent_appointment"
    assert "acknowledged this alert already" in text(client.get(ATTENTION))
    assert [row[3] for row in audit_of(app, "alert.acknowledge")] == ["ok", "refused"]


@pytest.mark.parametrize("roles", [("rules_editor",), ("admin",), ("rules_editor", "admin")])
def test_only_clinicians_acknowledge(app: Flask, client: FlaskClient, staff_login: SignIn, roles: tuple[str, ...]) -> None:
    staff_login(client, roles)
    alert_id = make_alert(app, make_intake(app, "REF-ROLE"))
    assert client.get(ATTENTION).status_code == 403
    token = csrf_token(client.get("/staff/account").data)
    response = client.post(ack_url(alert_id), data={"csrf_token": token, "action": "called_patient", "note": ""})
    assert response.status_code == 403
    assert alert_row(app, alert_id).acknowledged_at is None
    assert audit_of(app, "alert.acknowledge") == []
    # They still see the count in the header, as plain text: the queue is not theirs to open.
    account_page = client.get("/staff/account").get_data(as_text=True)
    assert "1 alert (1 emergency)" in account_page and f'href="{ATTENTION}"' not in account_page


@pytest.mark.parametrize(
    ("action", "note", "message"),
    [
        ("", "", "Action taken: choose the action you took."),
        ("phoned_a_friend", "", "Action taken: choose one of the listed actions."),
        ("not_needed", "  ", "Note: write the reason (required when the action is “Not needed”)."),
        ("other", "", "Note: write the note (required when the action is “Other”)."),
        ("other", "x" * 2001, "Note: keep it to at most 2000 characters."),
    ],
)
def test_bad_acknowledgements_name_the_field(
    app: Flask, client: FlaskClient, staff_login: SignIn, action: str, note: str, message: str
) -> None:
    staff_login(client, ("clinician",))
    alert_id = make_alert(app, make_intake(app, "REF-BAD"))
    response = acknowledge(client, alert_id, action, note)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{"action" if message.startswith("Action") else "note"}-{alert_id}-error"' in page
    assert alert_row(app, alert_id).acknowledged_at is None


def test_a_bad_acknowledgement_from_the_intake_page_comes_back_as_a_message(
    app: Flask, client: FlaskClient, staff_login: SignIn
) -> None:
    staff_login(client, ("clinician",))
    intake_id = make_intake(app, "REF-FROM-INTAKE")
    alert_id = make_alert(app, intake_id)
    response = acknowledge(client, alert_id, "not_needed", "", back="intake")
    assert response.status_code == 303
    assert response.location == f"/clinic/intakes/{intake_id}#alerts"
    assert "Note: write the reason" in client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert acknowledge(client, alert_id, "other", "Left a voicemail.", back="intake").location.endswith("#alerts")
    assert alert_row(app, alert_id).note == "Left a voicemail."


def test_acknowledging_a_missing_alert_is_404(client: FlaskClient, staff_login: SignIn) -> None:
    staff_login(client, ("clinician",))
    assert acknowledge(client, 424242, "called_patient").status_code == 404
    assert acknowledge(client, 424242, "").status_code == 404


def test_the_queue_shows_intakes_not_yet_sent_and_stalled_ones(app: Flask, client: FlaskClient, staff_login: SignIn) -> None:
    staff_login(client, ("clinician",))
    now = dt.datetime.now(dt.UTC)
    active = make_intake(app, "REF-ACTIVE", "in_progress", updated_at=now - dt.timedelta(minutes=20))
    stalled = make_intake(app, "REF-STALLED", "in_progress", updated_at=now - dt.timedelta(hours=3))
    sent = make_intake(app, "REF-SENT", "submitted")
    make_alert(app, sent, "urgent", raised_at=now - dt.timedelta(hours=5))
    make_alert(app, stalled, "emergency", raised_at=now - dt.timedelta(hours=4))
    make_alert(app, active, "emergency", raised_at=now - dt.timedelta(minutes=30), rule_ids=("RF-HAEMATEMESIS", "RF-DYSPHAGIA"))
    page = client.get(ATTENTION).get_data(as_text=True)
    cards = {ref: page[page.index(f"Intake {ref}") :][:1500] for ref in ("REF-ACTIVE", "REF-STALLED", "REF-SENT")}
    # Emergencies first, the longest waiting first among them; then urgent.
    assert page.index("Intake REF-STALLED") < page.index("Intake REF-ACTIVE") < page.index("Intake REF-SENT")
    assert "not yet sent by the patient" in cards["REF-ACTIVE"] and "stalled" not in cards["REF-ACTIVE"].split("</dl>")[0]
    assert "RF-HAEMATEMESIS" in cards["REF-ACTIVE"] and "RF-DYSPHAGIA" in cards["REF-ACTIVE"]
    stalled_card = cards["REF-STALLED"].split("</dl>")[0]
    assert "not yet sent by the patient" in stalled_card and "<strong>stalled</strong>: no activity since" in stalled_card
    assert "sent by the patient" in cards["REF-SENT"] and "not yet sent" not in cards["REF-SENT"].split("</dl>")[0]
    assert audit_of(app, "alert.queue")[-1][4] == "open=3 acknowledged_shown=0"


def test_the_header_counts_unacknowledged_alerts_on_staff_pages(app: Flask, client: FlaskClient, staff_login: SignIn) -> None:
    staff_login(client, ("clinician",))
    assert "0 alerts" in text(client.get("/staff/account"))
    make_alert(app, make_intake(app, "REF-H1"), "emergency")
    make_alert(app, make_intake(app, "REF-H2"), "urgent")
    make_alert(app, make_intake(app, "REF-H3"), "urgent", acknowledged_after=dt.timedelta(minutes=3))
    for path in ("/staff/account", "/clinic/", ATTENTION):
        html = client.get(path).get_data(as_text=True)
        assert f'<div class="alert-count"><a href="{ATTENTION}"><strong>2 alerts (1 emergency)</strong></a></div>' in html, path
    # Also on the rules editor's and the admin's pages (as text: the queue is the clinicians').
    other = app.test_client()
    staff_login(other, ("rules_editor", "admin"))
    for path in ("/rules/", "/admin/users", "/admin/alerts-report"):
        assert '<div class="alert-count"><strong>2 alerts (1 emergency)</strong></div>' in other.get(path).get_data(
            as_text=True
        ), path


def test_an_emergency_alert_escalates_once_after_the_configured_time(make_app: Callable[..., Flask]) -> None:
    app = make_app(ESCALATION_MINUTES=15, ALERT_EMAIL="clinic@example.org", ESCALATION_EMAIL="lead@example.org")
    settings = settings_of(app)
    intake_id = make_intake(app, "REF-SECRET-ESC", "in_progress")
    emergency = make_alert(app, intake_id, "emergency", raised_at=T0, rule_ids=("RF-HAEMATEMESIS",))
    make_alert(app, intake_id, "urgent", raised_at=T0)  # urgent alerts never escalate
    make_alert(app, make_intake(app, "REF-DONE"), "emergency", raised_at=T0, acknowledged_after=dt.timedelta(minutes=5))
    db = app.extensions["triage_db"]
    for moment in (T0 + dt.timedelta(minutes=14, seconds=59), T0 + dt.timedelta(minutes=15)):
        with db.session() as session:
            assert escalate_due(session, moment, settings) == 0
    assert alert_row(app, emergency).escalated_at is None and outbox_rows(app, "escalation") == []

    later = T0 + dt.timedelta(minutes=15, seconds=1)
    with db.session() as session:
        assert escalate_due(session, later, settings) == 1
    with db.session() as session:
        assert escalate_due(session, later + dt.timedelta(hours=1), settings) == 0  # exactly once

    stored = alert_row(app, emergency)
    assert stored.escalated_at is not None and stored.escalated_at.replace(tzinfo=dt.UTC) == later
    [message] = outbox_rows(app, "escalation")
    assert (message.recipient, message.dedupe_key, message.intake_id, message.status) == (
        "lead@example.org",
        f"escalation:{emergency}",
        intake_id,
        "queued",
    )
    assert message.subject == "Escalated: an intake needs urgent attention"
    assert message.body == (
        "An intake needs urgent attention.\nIts alert has not been acknowledged within 15 minutes.\n"
        f"Intake: {intake_id}\n\nSign in to see it: http://localhost/clinic/intakes/{intake_id}\n"
    )
    for health_data in ("REF-SECRET-ESC", "RF-HAEMATEMESIS", "blood", "emergency"):
        assert health_data not in message.subject + message.body + str(message.details)
    assert audit_of(app, "alert.escalate") == [
        ("worker", "system", intake_id, "ok", f"alert {emergency} unacknowledged after 15 minutes; email queued")
    ]


def test_escalation_falls_back_to_the_alert_address_and_shows_in_the_queue(
    make_app: Callable[..., Flask], staff_login: SignIn
) -> None:
    app = make_app(ESCALATION_MINUTES=5, ALERT_EMAIL="clinic@example.org")
    alert_id = make_alert(app, make_intake(app, "REF-FALLBACK"), "emergency", raised_at=T0)
    with app.extensions["triage_db"].session() as session:
        assert escalate_due(session, T0 + dt.timedelta(minutes=6), settings_of(app)) == 1
    assert [m.recipient for m in outbox_rows(app, "escalation")] == ["clinic@example.org"]
    client = app.test_client()
    staff_login(client, ("clinician",))
    assert "escalated 2024-03-05 10:06 UTC" in text(client.get(ATTENTION))
    acknowledge(client, alert_id, "advised_emergency_care")
    assert alert_row(app, alert_id).action == "advised_emergency_care"  # an escalated alert is still acknowledged


def test_escalation_without_any_address_is_marked_but_sends_nothing(make_app: Callable[..., Flask]) -> None:
    app = make_app(ESCALATION_MINUTES=5)
    alert_id = make_alert(app, make_intake(app, "REF-NOMAIL"), "emergency", raised_at=T0)
    with app.extensions["triage_db"].session() as session:
        assert escalate_due(session, T0 + dt.timedelta(minutes=6), settings_of(app)) == 1
    assert alert_row(app, alert_id).escalated_at is not None
    assert outbox_rows(app, "escalation") == []
    assert audit_of(app, "alert.escalate")[0][4].endswith("no escalation address set")


def test_a_flag_raised_while_the_patient_answers_is_in_the_queue_before_she_sends(
    app: Flask, client: FlaskClient, staff_login: SignIn
) -> None:
    staff_login(client, ("clinician",))
    token, intake_id = new_invitation(app, "REF-LIVE")
    patient = app.test_client()
    open_link(patient, token)
    walk_to_review(patient, VOMITED_BLOOD, stop_before="alarm_symptoms")
    assert post_page(patient, "/intake/alarm_symptoms", VOMITED_BLOOD).location == "/intake/urgent"

    card = text(client.get(ATTENTION)).split("Recently acknowledged")[0]
    assert "Intake REF-LIVE" in card and "not yet sent by the patient" in card and "rf_haematemesis" in card
    assert "1 alert (1 emergency)" in card

    page = patient.get("/intake/urgent")
    patient.post("/intake/urgent", data={"csrf_token": csrf_of(page)})
    walk_to_review(patient, VOMITED_BLOOD)
    assert submit(patient, VOMITED_BLOOD).status_code == 303
    card = text(client.get(ATTENTION)).split("Recently acknowledged")[0]
    assert "Intake REF-LIVE" in card and "sent by the patient" in card and "not yet sent" not in card
    with app.extensions["triage_db"].session() as session:
        [view] = alerts_for_intake(session, intake_id)
    assert (view.urgency, view.rule_ids, view.raised_while, view.sent) == ("emergency", ("rf_haematemesis",), "in_progress", True)
    alert_id = view.id
    assert acknowledge(client, alert_id, "advised_emergency_care", "Told her to go to A&E.").status_code == 303
    assert "0 alerts" in text(client.get("/staff/account"))


def test_the_intake_alert_panel_shows_acknowledgements_and_the_form(app: Flask, client: FlaskClient, staff_login: SignIn) -> None:
    account = staff_login(client, ("clinician",))
    intake_id = make_intake(app, "REF-PANEL", "in_progress")
    open_id = make_alert(app, intake_id, "urgent", rule_ids=("RF-DYSPHAGIA",))
    done_id = make_alert(app, intake_id, "emergency")
    acknowledge(client, done_id, "not_needed", "Answered by mistake; confirmed by phone.", back="intake")
    with app.test_request_context("/clinic/intakes/1"), app.extensions["triage_db"].session() as session:
        alerts = alerts_for_intake(session, intake_id)
        # What the intake page does: one include line, with `alerts` from alerts_for_intake in its context.
        html = render_template_string('{% include "clinic/_alerts.html" %}', alerts=alerts)
    assert [a.id for a in alerts] == [done_id, open_id]  # emergency first
    panel = re.sub(r"\s+", " ", html)
    assert '<section id="alerts"' in panel and "not yet sent by the patient" in panel
    assert f"Acknowledged</strong> by {account.email}" in panel and 'Not needed. <span dir="auto">Answered by mistake' in panel
    assert (
        f'action="/clinic/alerts/{open_id}/acknowledge"' in panel
        and f'action="/clinic/alerts/{done_id}/acknowledge"' not in panel
    )
    assert '<input type="hidden" name="back" value="intake">' in panel and 'name="csrf_token"' in panel
    with app.test_request_context("/clinic/intakes/1"):
        empty = render_template_string('{% include "clinic/_alerts.html" %}', alerts=[])
    assert "No emergency or urgent alert was raised for this intake." in empty
