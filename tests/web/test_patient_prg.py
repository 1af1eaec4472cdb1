"""Post/Redirect/Get on the patient pages, on SQLite and PostgreSQL: every POST is answered with a 303.

A step posted with mistakes, or with follow-up questions that just appeared (no JavaScript), is saved and
redirected to its own page, which shows what was typed, its messages and the notice; so Back and Forward in
the browser never ask to send a form again. Progress counts the questionnaire's fixed sections, and an intake
started on an older questionnaire version keeps its own questions.
"""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.patient import (
    PLAN,
    REVIEW_URL,
    START_URL,
    answer_versions,
    csrf_of,
    db_session,
    evaluations,
    field_names,
    intake_row,
    new_invitation,
    open_link,
    plan_data,
    post_page,
    resume_url,
    stored_answers,
    walk_to_review,
)
from triage.db import intakes as queries
from triage.domain.questionnaire.questions import Questionnaire, Step, default_questionnaire, questionnaire_for
from triage.web.patient.fields import link_label
from triage.web.patient.flow import effective_answers, visible_in
from triage.web.patient.forms import required_message
from triage.web.patient.views import NEW_FOLLOWUPS

OLD_VERSION = "2026.11-1"
_PROGRESS = re.compile(r'<p id="progress-label">Section (\d+) of (\d+): ([^<]*)</p><progress max="(\d+)" value="(\d+)"')


def _first_step(questionnaire: Questionnaire) -> Step:
    return questionnaire.steps[0]


def _progress_of(body: str) -> tuple[int, int, str]:
    found = _PROGRESS.search(body)
    assert found, "no section progress on the page"
    number, total, title, max_, value = found.groups()
    assert (max_, value) == (total, number)
    return int(number), int(total), html.unescape(title)


def _error_summary(body: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', body, re.S)
    assert found, "no error summary"
    return html.unescape(found.group(0))


def test_step_with_mistakes_redirects_to_its_page_which_shows_the_typed_input_and_the_messages(
    app: Flask, client: FlaskClient
) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    step = _first_step(default_questionnaire())
    url = resume_url(client)
    page = client.get(url)
    posted = {"full_name": ["Zoë Typed"], "height_cm": ["very tall"], "csrf_token": csrf_of(page), "action": "next"}

    response = client.post(url, data=posted)
    assert response.status_code == 303 and response.location == url
    assert stored_answers(app, intake_id)["full_name"] == "Zoë Typed"  # what was valid is saved at once
    assert intake_row(app, intake_id).pending_inputs["height_cm"][0] == "very tall"

    for _reload in range(2):  # the page after the redirect, and the same page reloaded: a GET each time
        again = client.get(response.location)
        assert again.status_code == 200
        body = again.get_data(as_text=True)
        assert "<title>Error: " in body and 'value="very tall"' in body and 'id="height_cm-e"' in body
        summary = _error_summary(body)
        for question in step.questions:
            if question.required and question.shown_when is None and question.id not in posted:
                assert f'id="{question.id}-e"' in body, question.id
                assert required_message(question) in body, question.id
                assert link_label(question) in summary, question.id
                assert not link_label(question).endswith(("?", ":", "."))


def test_new_followups_without_javascript_redirect_to_the_step_with_a_notice(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    questionnaire = default_questionnaire()
    step = _first_step(questionnaire)
    followups = {q.id for q in step.questions if q.shown_when is not None}
    url = resume_url(client)
    page = client.get(url)
    plan = {qid: raw for qid, raw in PLAN.items() if qid not in followups}

    response = client.post(url, data=plan_data(field_names(page), plan, csrf_of(page)))
    assert response.status_code == 303 and response.location == url
    opened = [q for q in visible_in(step, effective_answers(questionnaire, stored_answers(app, intake_id))) if q.id in followups]
    assert opened, "the plan opens no follow-up on the first step"
    body = client.get(url).get_data(as_text=True)
    for question in opened:
        assert not re.search(rf'id="q-{question.id}"[^>]*hidden', body), question.id
    if any(q.required for q in opened):
        assert "<title>Error: " in body
    else:
        assert NEW_FOLLOWUPS in body and "<title>Error: " not in body
    assert NEW_FOLLOWUPS not in client.get(url).get_data(as_text=True)  # a flashed notice is shown once


def test_review_with_a_missing_consent_redirects_to_the_review_page_with_its_message(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client)
    page = client.get(REVIEW_URL)
    response = client.post(REVIEW_URL, data={"csrf_token": csrf_of(page), "consent_true": "maybe"})
    assert response.status_code == 303 and response.location == REVIEW_URL
    assert intake_row(app, intake_id).status == "in_progress" and evaluations(app, intake_id) == 0
    assert intake_row(app, intake_id).pending_inputs["consent_true"] == ["maybe"]  # kept like any other raw input
    assert "consent_true" not in stored_answers(app, intake_id)

    again = client.get(REVIEW_URL)
    assert again.status_code == 200
    body = again.get_data(as_text=True)
    assert "<title>Error: " in body and 'id="consent_true-e"' in body
    assert link_label(default_questionnaire().by_id["consent_true"]) in _error_summary(body)

    sent = client.post(REVIEW_URL, data={"csrf_token": csrf_of(again), "consent_true": "yes"})
    assert sent.status_code == 303 and sent.location.endswith("/intake/done")


def test_back_to_the_start_on_the_first_step_saves_what_was_typed(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    url = resume_url(client)
    page = client.get(url)
    body = page.get_data(as_text=True)
    assert re.search(r'<button type="submit" name="action" value="back"[^>]*>Back to the start</button>', body)
    response = client.post(url, data={"csrf_token": csrf_of(page), "full_name": "Typed, then Back", "action": "back"})
    assert response.status_code == 303 and response.location == START_URL
    assert stored_answers(app, intake_id)["full_name"] == "Typed, then Back"
    assert "Continue where you left off" in client.get(START_URL).get_data(as_text=True)


def test_start_page_says_how_long_the_questions_take(app: Flask, client: FlaskClient) -> None:
    token, _ = new_invitation(app)
    open_link(client, token)
    minutes = default_questionnaire().estimated_minutes
    assert minutes is not None
    assert f"It takes about {minutes[0]} to {minutes[1]} minutes." in client.get(START_URL).get_data(as_text=True)


def test_section_count_stays_fixed_while_answers_open_followups(app: Flask) -> None:
    questionnaire = default_questionnaire()
    optional = [qid for qid in ("symptoms", "previous_tests") if not questionnaire.by_id[qid].required]
    labels: list[dict[str, tuple[int, int, str]]] = []
    for plan in ({k: v for k, v in PLAN.items() if k not in optional}, PLAN):
        token, _ = new_invitation(app)
        client = app.test_client()
        open_link(client, token)
        walk_to_review(client, plan)
        seen = {}
        for step in questionnaire.steps:
            page = client.get(REVIEW_URL if step.is_review else f"/intake/{step.id}")
            if page.status_code == 200:
                seen[step.id] = _progress_of(page.get_data(as_text=True))
        labels.append(seen)
    fewer, more = labels
    assert set(fewer) <= set(more)  # the answers of the second patient open steps, or questions, the first never sees
    for seen in labels:
        for step_id, (number, total, title) in seen.items():
            section_number, section = questionnaire.section_of(questionnaire.step(step_id))
            assert (number, total, title) == (section_number, len(questionnaire.sections), section.title)
    assert all(more[step_id] == shown for step_id, shown in fewer.items())


def test_intake_of_the_old_version_opens_and_walks_its_own_steps(app: Flask, client: FlaskClient) -> None:
    old = questionnaire_for(OLD_VERSION)
    assert old.version != default_questionnaire().version
    with db_session(app) as session:
        token, intake = queries.create_invitation(session, ref="OLD-1", questionnaire_version=OLD_VERSION, expires_days=30)
        intake_id = intake.id
    open_link(client, token)
    start = client.get(START_URL).get_data(as_text=True)
    if old.estimated_minutes is None:  # the old file never said how long it takes: the start page does not guess
        assert "It takes about" not in start and "It does not take long" in start
    first = _first_step(old)
    url = resume_url(client)
    assert url == f"/intake/{first.id}"
    page = client.get(url)
    body = page.get_data(as_text=True)
    assert _progress_of(body) == (1, len(old.sections), old.section_of(first)[1].title)
    for question in first.questions:
        assert f'id="q-{question.id}"' in body, question.id  # every question of the old step, follow-ups hidden
    typed = {
        "full_name": ["Old Version Patient"],
        "date_of_birth": ["1970-05-01"],
        "date_of_birth-day": ["1"],
        "date_of_birth-month": ["5"],
        "date_of_birth-year": ["1970"],
        "sex_at_birth": ["male"],
        "height_cm": ["180"],
        "weight_kg": ["80"],
    }
    response = client.post(url, data=plan_data(field_names(page), typed, csrf_of(page)))
    assert response.status_code == 303, _error_summary(client.get(url).get_data(as_text=True))
    assert response.location == f"/intake/{old.steps[1].id}"
    assert stored_answers(app, intake_id)["date_of_birth"] == "1970-05-01"
    assert set(answer_versions(app, intake_id).values()) == {OLD_VERSION}
    second = client.get(response.location)
    assert second.status_code == 200
    assert _progress_of(second.get_data(as_text=True)) == (2, len(old.sections), old.section_of(old.steps[1])[1].title)
    back = post_page(client, response.location, {}, action="back")
    assert back.status_code == 303 and back.location == url


def test_the_page_after_the_redirect_shows_the_messages_the_post_found(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    url = resume_url(client)
    page = client.get(url)
    posted = {"full_name": ["Zo\x00ë"], "csrf_token": csrf_of(page), "action": "next"}
    response = client.post(url, data=posted)
    assert response.status_code == 303 and response.location == url
    assert intake_row(app, intake_id).pending_inputs["full_name"] == ["Zoë"]  # kept without the character
    body = client.get(url).get_data(as_text=True)
    assert "contains a character that cannot be saved" in body and 'value="Zoë"' in body
