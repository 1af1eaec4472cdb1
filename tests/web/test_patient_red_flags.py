"""Red flags over HTTP: the red-flag pass on every step save, the interrupt page, alerts and their email, the done page.

Runs on SQLite and PostgreSQL. A patient who answers that she vomited blood meets the interrupt page at once
(plain words, no condition named), her answers are kept, she continues; the clinic's alert and its email exist
before she sends; the email carries no health data; the done page adds the safety net for urgent flags only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.patient import (
    DONE_URL,
    PLAN,
    audit_rows,
    csrf_of,
    db_session,
    expected_answers,
    intake_row,
    new_invitation,
    open_link,
    post_page,
    stored_answers,
    submit,
    walk_to_review,
)
from triage.db import intakes as queries
from triage.db.models import Alert, Intake, OutboxMessage, PatientInterrupt
from triage.domain.engine.evaluate import load_ruleset
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.patient.flow import PROGRESS_KEY

URGENT_URL = "/intake/urgent"
ALARM_URL = "/intake/alarm_symptoms"
INSTRUCTION = "Call 112 or go to the emergency department now."
PHONE = "0123 456 7890"
SHOWN_PHONE = PHONE.replace(" ", "\u00a0")  # kept on one line
ALERT_EMAIL = "alerts@clinic.test"
_QUESTIONS = default_questionnaire().by_id
# A patient with no red flag at all: under 55, pain low on the left, no warning sign ticked. Only the boxes v2 asks.
CALM = {k: v for k, v in PLAN.items() if k.partition("-")[0] in _QUESTIONS} | {
    "date_of_birth-year": ["1994"],
    "pain_location": ["lower_left"],
    "warning_signs": ["none"],
}
VOMITED_BLOOD = CALM | {"warning_signs": ["vomited_blood"]}  # rf_haematemesis: emergency
AND_BLACK_STOOLS = CALM | {"warning_signs": ["vomited_blood", "black_stools"]}  # rf_melaena too: a further emergency flag
SWALLOWING = CALM | {  # rf_dysphagia: urgent, raised on the symptoms step
    "symptoms": [*CALM["symptoms"], "swallowing"],
    "swallowing_months": ["2"],
}
RED_FLAG_RULES = [rule for rule in load_ruleset().rules if rule.kind == "red_flag"]


@pytest.fixture
def alerting_app(make_app: Callable[..., Flask]) -> Flask:
    """The app with an alert address, a clinic phone number and a local emergency instruction."""
    return make_app(ALERT_EMAIL=ALERT_EMAIL, CLINIC_PHONE=PHONE, EMERGENCY_INSTRUCTION=INSTRUCTION)


def rows(app: Flask, model: type[Any], intake_id: int) -> list[Any]:
    """The rows of a model for one intake, oldest first (detached)."""
    with db_session(app) as session:
        return list(session.scalars(select(model).where(model.intake_id == intake_id).order_by(model.id)))


def start_patient(app: Flask, ref: str = "RF-1") -> tuple[FlaskClient, int]:
    """A patient who opened her link."""
    token, intake_id = new_invitation(app, ref)
    client = app.test_client()
    open_link(client, token)
    return client, intake_id


def continue_from_interrupt(client: FlaskClient) -> Any:
    """Press "I understand - continue my answers" on the interrupt page."""
    page = client.get(URGENT_URL)
    assert page.status_code == 200
    return client.post(URGENT_URL, data={"csrf_token": csrf_of(page)})


def visible_text(html: str) -> str:
    """The page's words (tags removed), in lower case."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).lower()


def test_an_emergency_answer_interrupts_at_once_and_alerts_the_clinic(alerting_app: Flask) -> None:
    app = alerting_app
    client, intake_id = start_patient(app)
    walk_to_review(client, VOMITED_BLOOD, stop_before="alarm_symptoms")
    response = post_page(client, ALARM_URL, VOMITED_BLOOD)
    assert response.status_code == 303 and response.location == URGENT_URL

    page = client.get(URGENT_URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for words in ("These answers may mean you need urgent medical help today.", "Your answers so far are saved."):
        assert words in html
    assert INSTRUCTION in html and SHOWN_PHONE in html and 'href="tel:01234567890"' in html
    assert "I understand - continue my answers" in html and 'action="/intake/urgent"' in html
    text = visible_text(html)
    for rule in RED_FLAG_RULES:  # safety-netting, not triage output: no condition and no rule named
        assert rule.id not in html and rule.title.lower() not in text
    for medical in ("blood", "vomit", "bleed", "haemat", "diagnos", "condition"):
        assert medical not in text

    answers = stored_answers(app, intake_id)
    assert answers["warning_signs"] == ["vomited_blood"] and answers["full_name"] == CALM["full_name"][0]
    assert intake_row(app, intake_id).status == "in_progress"
    (alert,) = rows(app, Alert, intake_id)
    assert (alert.urgency, alert.rule_ids, alert.raised_while, alert.acknowledged_at) == (
        "emergency",
        ["rf_haematemesis"],
        "in_progress",
        None,
    )
    (mail,) = rows(app, OutboxMessage, intake_id)
    assert (mail.kind, mail.recipient, mail.dedupe_key, mail.status) == ("alert", ALERT_EMAIL, f"alert:{alert.id}", "queued")
    assert "urgent attention" in mail.subject and "Emergency" in mail.subject
    assert f"http://localhost/clinic/intakes/{intake_id}" in mail.body
    assert_no_health_data(mail.subject + "\n" + mail.body, VOMITED_BLOOD)
    (interrupt,) = rows(app, PatientInterrupt, intake_id)
    assert (interrupt.urgency, interrupt.rule_ids, interrupt.step_id) == ("emergency", ["rf_haematemesis"], "alarm_symptoms")
    (shown,) = audit_rows(app, "patient.interrupt")
    assert shown.intake_id == intake_id and "rf_haematemesis" in shown.detail and "yes" not in shown.detail
    assert [r.intake_id for r in audit_rows(app, "alert.raise")] == [intake_id]

    # No further question before the patient has read the page, even by typing the next step's address.
    assert client.get("/intake/diet").location == URGENT_URL
    assert client.get("/intake/review").location == URGENT_URL
    after = continue_from_interrupt(client)
    assert after.status_code == 303 and after.location == "/intake/diet"
    assert [r.intake_id for r in audit_rows(app, "patient.interrupt_ack")] == [intake_id]
    assert client.get(URGENT_URL).location == "/intake/diet"  # nothing waits any more
    assert stored_answers(app, intake_id) == answers

    # The same flag again: no second interrupt, no second alert or email.
    assert post_page(client, ALARM_URL, VOMITED_BLOOD).location == "/intake/diet"
    assert len(rows(app, PatientInterrupt, intake_id)) == 1
    # A further emergency flag: the page again; the same alert row gains the rule, no second email.
    assert post_page(client, ALARM_URL, AND_BLACK_STOOLS).location == URGENT_URL
    assert [i.rule_ids for i in rows(app, PatientInterrupt, intake_id)] == [
        ["rf_haematemesis"],
        ["rf_haematemesis", "rf_melaena"],
    ]
    assert [(a.urgency, a.rule_ids) for a in rows(app, Alert, intake_id)] == [("emergency", ["rf_haematemesis", "rf_melaena"])]
    assert len(rows(app, OutboxMessage, intake_id)) == 1
    assert continue_from_interrupt(client).location == "/intake/diet"

    walk_to_review(client, AND_BLACK_STOOLS)
    assert submit(client, AND_BLACK_STOOLS).location == DONE_URL
    assert [(a.urgency, a.rule_ids, a.raised_while) for a in rows(app, Alert, intake_id)] == [
        ("emergency", ["rf_haematemesis", "rf_melaena"], "in_progress")
    ]
    assert len(rows(app, OutboxMessage, intake_id)) == 1
    done = client.get(DONE_URL).get_data(as_text=True)
    assert "You do not need to do anything else" not in done
    assert "If your symptoms get worse" in done and INSTRUCTION in done and SHOWN_PHONE in done


def assert_no_health_data(text: str, plan: dict[str, list[str]]) -> None:
    """Neither the patient's name, birth date, answers nor any rule title or id appears in the text."""
    lowered = text.lower()
    for qid, values in plan.items():
        for value in values:
            if len(value) >= 3 and not value.isdigit():
                assert value.lower() not in lowered, (qid, value)
    for rule in RED_FLAG_RULES:
        assert rule.title.lower() not in lowered and rule.id not in lowered


def test_an_emergency_answer_with_a_mistake_interrupts_first_then_returns_to_the_step(alerting_app: Flask) -> None:
    client, intake_id = start_patient(alerting_app)
    walk_to_review(client, VOMITED_BLOOD, stop_before="alarm_symptoms")
    mistaken = {k: v for k, v in VOMITED_BLOOD.items() if k != "known_anaemia"}  # a required question left unanswered
    assert post_page(client, ALARM_URL, mistaken).location == URGENT_URL
    assert stored_answers(alerting_app, intake_id)["warning_signs"] == ["vomited_blood"]
    assert continue_from_interrupt(client).location == ALARM_URL
    page = client.get(ALARM_URL)  # the step again, with its message and what was ticked
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="error-summary"' in html and 'id="known_anaemia-e"' in html
    assert 'name="warning_signs" value="vomited_blood" checked' in html


def test_going_back_with_an_emergency_answer_continues_to_the_earlier_step(alerting_app: Flask) -> None:
    client, _intake_id = start_patient(alerting_app)
    walk_to_review(client, VOMITED_BLOOD, stop_before="alarm_symptoms")
    assert post_page(client, ALARM_URL, VOMITED_BLOOD, action="back").location == URGENT_URL
    assert continue_from_interrupt(client).location == "/intake/bowel_habits"


def test_an_urgent_flag_alerts_without_interrupting_and_the_done_page_has_the_safety_net(make_app: Callable[..., Flask]) -> None:
    app = make_app(CLINIC_PHONE=PHONE)  # no alert address: the alert shows in the app only
    client, intake_id = start_patient(app)
    walk_to_review(client, SWALLOWING, stop_before="symptom_details")
    (alert,) = rows(app, Alert, intake_id)
    assert (alert.urgency, alert.rule_ids, alert.raised_while) == ("urgent", ["rf_dysphagia"], "in_progress")
    assert rows(app, OutboxMessage, intake_id) == []
    walk_to_review(client, SWALLOWING)  # never sent to the interrupt page: urgent is not an emergency
    assert rows(app, PatientInterrupt, intake_id) == []
    assert submit(client, SWALLOWING).location == DONE_URL
    done = client.get(DONE_URL).get_data(as_text=True)
    assert "You do not need to do anything else" not in done
    assert "If your symptoms get worse" in done and "Call 999 or go to A&amp;E now." in done and SHOWN_PHONE in done


def test_no_red_flag_means_no_alert_and_the_plain_done_page(alerting_app: Flask) -> None:
    client, intake_id = start_patient(alerting_app)
    walk_to_review(client, CALM)
    assert submit(client, CALM).location == DONE_URL
    assert rows(alerting_app, Alert, intake_id) == [] and rows(alerting_app, OutboxMessage, intake_id) == []
    assert rows(alerting_app, PatientInterrupt, intake_id) == []
    done = client.get(DONE_URL).get_data(as_text=True)
    assert "You do not need to do anything else" in done and "If your symptoms get worse" not in done
    assert client.get(URGENT_URL).location == DONE_URL


def test_the_submission_raises_the_full_evaluations_flags(alerting_app: Flask) -> None:
    # Answers stored without the step pages (as an import would): only the submission's evaluation can flag them.
    app = alerting_app
    token, intake_id = new_invitation(app, "RF-SUBMIT")
    questionnaire = default_questionnaire()
    typed = expected_answers(SWALLOWING)
    with db_session(app) as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        steps = [s.id for s in questionnaire.steps if not s.is_review]
        queries.save_step(session, intake, typed, {PROGRESS_KEY: steps})
    client = app.test_client()
    open_link(client, token)
    assert rows(app, Alert, intake_id) == []
    assert submit(client, SWALLOWING).location == DONE_URL
    (alert,) = rows(app, Alert, intake_id)
    assert (alert.urgency, alert.rule_ids, alert.raised_while) == ("urgent", ["rf_dysphagia"], "submitted")
    (mail,) = rows(app, OutboxMessage, intake_id)
    assert mail.dedupe_key == f"alert:{alert.id}" and "Urgent" in mail.subject
    assert_no_health_data(mail.subject + "\n" + mail.body, SWALLOWING)


def test_the_interrupt_page_needs_a_patient_session_and_a_csrf_token(alerting_app: Flask) -> None:
    stranger = alerting_app.test_client()
    assert stranger.get(URGENT_URL).status_code == 404
    client, intake_id = start_patient(alerting_app)
    walk_to_review(client, VOMITED_BLOOD, stop_before="alarm_symptoms")
    post_page(client, ALARM_URL, VOMITED_BLOOD)
    assert client.post(URGENT_URL, data={}).status_code == 400
    assert client.get("/intake/diet").location == URGENT_URL  # still waiting: nothing was recorded
    assert audit_rows(alerting_app, "patient.interrupt_ack") == []
    assert intake_row(alerting_app, intake_id).status == "in_progress"
