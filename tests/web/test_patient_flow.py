"""The patient's path over HTTP on SQLite and PostgreSQL: link, every step, review, one submission."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.patient import (
    DONE_URL,
    PLAN,
    REVIEW_URL,
    START_URL,
    answer_versions,
    audit_rows,
    csrf_of,
    db_session,
    evaluations,
    expected_answers,
    field_names,
    intake_row,
    new_invitation,
    open_link,
    plan_data,
    post_page,
    resume_url,
    stored_answers,
    submit,
    walk_to_review,
)
from triage.db import intakes as queries
from triage.db.models import Evaluation, Intake
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.patient.pages import review_answer

_DATE_BOXES = ("date_of_birth-day", "date_of_birth-month", "date_of_birth-year")


def test_full_walk_stores_every_answer_and_submits_once(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    assert open_link(client, token).location.endswith("/intake")
    visited = walk_to_review(client)
    questionnaire = default_questionnaire()
    assert [u.rsplit("/", 1)[-1] for u in visited] == [s.id for s in questionnaire.steps if not s.is_review]
    review = client.get(REVIEW_URL)
    assert review.status_code == 200
    sections = len(questionnaire.sections)
    assert f"Section {sections} of {sections}: {questionnaire.sections[-1].title}" in review.get_data(as_text=True)

    response = submit(client)
    assert response.status_code == 303 and response.location.endswith(DONE_URL)

    expected = expected_answers() | {"consent_true": True}
    assert stored_answers(app, intake_id) == expected
    versions = answer_versions(app, intake_id)
    assert set(versions) == set(expected) and set(versions.values()) == {questionnaire.version}
    intake = intake_row(app, intake_id)
    assert intake.status == "submitted" and intake.submitted_at is not None
    assert intake.answers_sha256 == queries.answers_sha256(stored_answers(app, intake_id))
    assert intake.pending_inputs == {}
    assert evaluations(app, intake_id) == 1
    submitted = audit_rows(app, "intake.submit")
    assert len(submitted) == 1 and submitted[0].intake_id == intake_id and submitted[0].role == "patient"

    done = client.get(DONE_URL)
    assert done.status_code == 200 and "Your clinic has your answers" in done.get_data(as_text=True)


def test_done_page_and_everything_after_submission_is_read_only(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client)
    page = client.get(REVIEW_URL)
    assert submit(client).status_code == 303
    body = client.get(DONE_URL).get_data(as_text=True)
    for word in ("differential", "urgency", "red flag", "coeliac disease"):
        assert word not in body.lower()
    assert client.get("/intake/about_you").location.endswith(DONE_URL)
    assert client.get(REVIEW_URL).location.endswith(DONE_URL)
    locked = client.post("/intake/about_you", data={"csrf_token": csrf_of(page), "full_name": "Someone Else"})
    assert locked.status_code == 409
    assert stored_answers(app, intake_id)["full_name"] == PLAN["full_name"][0]
    # The same link now shows the read-only page.
    assert open_link(client, token).location.endswith(DONE_URL)
    with db_session(app) as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        with pytest.raises(queries.IntakeLocked):
            queries.save_step(session, intake, {"full_name": "Changed"}, {})


def test_sequential_double_submit_gives_one_submission(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client)
    page = client.get(REVIEW_URL)
    data = {"csrf_token": csrf_of(page), "consent_true": "yes"}
    first = client.post(REVIEW_URL, data=data)
    second = client.post(REVIEW_URL, data=data)
    assert first.status_code == second.status_code == 303
    assert first.location == second.location and first.location.endswith(DONE_URL)
    assert evaluations(app, intake_id) == 1
    assert len(audit_rows(app, "intake.submit")) == 1


def test_review_shows_every_answer_with_change_links(app: Flask, client: FlaskClient) -> None:
    token, _ = new_invitation(app)
    open_link(client, token)
    walk_to_review(client)
    body = client.get(REVIEW_URL).get_data(as_text=True)
    questionnaire = default_questionnaire()
    for qid, value in expected_answers().items():
        question = questionnaire.by_id[qid]
        shown = review_answer(question, value)
        assert shown.replace("'", "&#39;") in body, qid
    changes = set(re.findall(r'<a href="/intake/([a-z_]+)\?from=review#q-([a-z0-9_]+)">Change<span class="vh">', body))
    asked = expected_answers()  # each answer has its own link to its step's question
    assert {(step, qid) for step, qid in changes if qid in asked} == {(questionnaire.by_id[q].step, q) for q in asked}
    assert 'type="checkbox" id="f-consent_true"' in body


def test_resume_after_closing_the_browser(app: Flask, client: FlaskClient) -> None:
    token, _ = new_invitation(app)
    open_link(client, token)
    walk_to_review(client, stop_before="symptom_details")
    fresh = app.test_client()  # a new browser: no cookies
    open_link(fresh, token)
    start = fresh.get("/intake").get_data(as_text=True)
    assert "Continue where you left off" in start
    assert resume_url(fresh) == "/intake/symptom_details"
    earlier = fresh.get("/intake/about_you").get_data(as_text=True)
    assert 'value="165"' in earlier and 'value="female" id="f-sex_at_birth" checked' in earlier
    assert "Zoë Ünïcode 🙂 عائشة" in earlier
    assert PLAN["main_concern"][0] in earlier


def test_back_saves_and_keeps_answers(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client, stop_before="symptoms")
    back = post_page(client, "/intake/symptoms", {"symptoms": ["bloating"]}, action="back")
    assert back.status_code == 303 and back.location.endswith("/intake/about_you")
    assert stored_answers(app, intake_id)["symptoms"] == ["bloating"]
    assert 'value="bloating" checked' in client.get("/intake/symptoms").get_data(as_text=True)
    too_long = post_page(client, "/intake/about_you", PLAN | {"main_concern": ["x" * 5000]}, action="back")
    assert too_long.status_code == 303 and too_long.location.endswith(START_URL)
    again = client.get("/intake/about_you").get_data(as_text=True)
    assert "x" * 5000 in again and "at most 2000 characters" in again  # kept as pending, with its message
    assert resume_url(client) == "/intake/about_you"


def test_followups_appear_without_javascript(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    plan = {k: PLAN[k] for k in ("full_name", *_DATE_BOXES, "sex_at_birth")}
    page = client.get("/intake/about_you")
    fresh = page.get_data(as_text=True)
    assert re.search(r'id="q-menopause_status"[^>]*hidden', fresh)  # not asked yet: hidden, and disabled so not sent
    assert 'value="still_periods" id="f-menopause_status" disabled' in fresh
    posted = client.post("/intake/about_you", data=plan_data(field_names(page), plan, csrf_of(page)))
    assert posted.status_code == 303 and posted.location == "/intake/about_you"  # saved, then the same step again
    first = client.get(posted.location)
    assert first.status_code == 200
    body = first.get_data(as_text=True)
    assert "We have added a few questions" in body
    for qid in ("menopause_status",):
        assert f'id="q-{qid}"' in body and f'id="q-{qid}" data-q' in body
        assert not re.search(rf'id="q-{qid}"[^>]*hidden', body), qid
    assert 'id="f-menopause_status" disabled' not in body
    assert stored_answers(app, intake_id)["sex_at_birth"] == "female"
    chosen = plan | {"menopause_status": ["postmenopause"]}  # heavy_periods stays hidden: not asked after menopause
    second = client.post("/intake/about_you", data=plan_data(field_names(first), chosen, csrf_of(first)))
    assert second.status_code == 303 and second.location.endswith("/intake/symptoms")
    assert stored_answers(app, intake_id)["menopause_status"] == "postmenopause"


def test_javascript_marker_moves_on_when_followups_were_shown_in_place(app: Flask, client: FlaskClient) -> None:
    token, _ = new_invitation(app)
    open_link(client, token)
    page = client.get("/intake/about_you")
    assert b"/static/js/followups.js" in page.data
    data = {k: PLAN[k] for k in ("full_name", *_DATE_BOXES, "sex_at_birth")} | {"_js": "1", "csrf_token": csrf_of(page)}
    assert client.post("/intake/about_you", data=data).status_code == 303


def test_required_alarm_questions_must_be_answered(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client, stop_before="alarm_symptoms")
    partial = {"warning_signs": ["not_sure"]}  # the required "not sure about" and known_anaemia are left out
    posted = post_page(client, "/intake/alarm_symptoms", partial)
    assert posted.status_code == 303 and posted.location == "/intake/alarm_symptoms"
    response = client.get(posted.location)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<title>Error: " in body
    for qid in ("warning_signs_unsure", "known_anaemia"):
        assert f'<a href="#f-{qid}">' in body
        assert f'id="{qid}-e"' in body
    assert 'role="alert"' in body and 'aria-invalid="true"' in body
    assert 'name="warning_signs" value="not_sure" checked' in body  # the tick is kept
    assert stored_answers(app, intake_id)["warning_signs"] == ["not_sure"]  # the rest was saved
    assert client.get("/intake/diet").location.endswith("/intake/alarm_symptoms")
    assert resume_url(client) == "/intake/alarm_symptoms"


def test_unreachable_step_is_refused_with_a_redirect(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    page = client.get("/intake/about_you")
    response = client.post("/intake/history", data={"csrf_token": csrf_of(page), "smoking": "never"})
    assert response.status_code == 303 and response.location.endswith("/intake/about_you")
    assert stored_answers(app, intake_id) == {}
    assert "Please finish this part first" in client.get(response.location).get_data(as_text=True)
    assert client.get(REVIEW_URL).location.endswith("/intake/about_you")
    assert client.get("/intake/no_such_step").status_code == 404


def test_steps_without_questions_are_skipped_and_progress_is_shown(app: Flask, client: FlaskClient) -> None:
    token, _ = new_invitation(app)
    open_link(client, token)
    plan = {k: v for k, v in PLAN.items() if k not in ("symptoms", "previous_tests")}
    visited = walk_to_review(client, plan)
    steps = [u.rsplit("/", 1)[-1] for u in visited]
    assert "symptom_details" not in steps and "test_details" not in steps
    first = client.get("/intake/about_you").get_data(as_text=True)
    sections = len(default_questionnaire().sections)  # a fixed count: skipped steps do not change it
    assert f"Section 1 of {sections}:" in first and f'<progress max="{sections}" value="1"' in first
    assert client.get("/intake/test_details").location.endswith(REVIEW_URL)


def test_page_weight_with_every_symptom_ticked(app: Flask, client: FlaskClient) -> None:
    token, _ = new_invitation(app)
    open_link(client, token)
    every = [c.value for c in default_questionnaire().by_id["symptoms"].choices]
    plan = PLAN | {
        "symptoms": every,
        "previous_tests": [c.value for c in default_questionnaire().by_id["previous_tests"].choices],
    }
    walk_to_review(client, plan)
    for step in default_questionnaire().steps:
        url = REVIEW_URL if step.is_review else f"/intake/{step.id}"
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.data) < 60 * 1024, (url, len(response.data))
    details = client.get("/intake/symptom_details").get_data(as_text=True)
    for question in default_questionnaire().step("symptom_details").questions:
        assert f'id="q-{question.id}"' in details, question.id  # every symptom's question is on the page


def test_evaluation_failure_leaves_the_intake_in_progress(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import triage.db.evaluations

    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client)
    before = stored_answers(app, intake_id)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("rules engine down: Zoë Ünïcode")

    monkeypatch.setattr(triage.db.evaluations, "evaluate_for_storage", broken)
    response = submit(client)
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "Nothing has been lost" in body and "Traceback" not in body and "rules engine" not in body
    assert intake_row(app, intake_id).status == "in_progress"
    assert stored_answers(app, intake_id) == before | {"consent_true": True}
    assert evaluations(app, intake_id) == 0 and audit_rows(app, "intake.submit") == []
    monkeypatch.undo()
    assert submit(client).status_code == 303
    assert evaluations(app, intake_id) == 1


def test_audit_failure_rolls_back_the_submission(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from triage.db import audit

    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(audit, "record", broken)
    assert submit(client).status_code == 503
    intake = intake_row(app, intake_id)
    assert intake.status == "in_progress" and intake.answers_sha256 is None
    assert evaluations(app, intake_id) == 0
    with db_session(app) as session:
        assert session.query(Evaluation).count() == 0
