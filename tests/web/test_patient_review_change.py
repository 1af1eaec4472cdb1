"""Check your answers, on SQLite and PostgreSQL: one Change link per answer, and a change leads back to the review page.

A Change link opens the answer's step marked `from=review`; Continue there goes straight back to the review page,
unless the change opened questions on a later step: that step comes first, then the review page again.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.patient import (
    PLAN,
    REVIEW_URL,
    csrf_of,
    field_names,
    new_invitation,
    open_link,
    plan_data,
    stored_answers,
    walk_to_review,
)
from triage.domain.questionnaire.questions import Answer, Question, Questionnaire, default_questionnaire
from triage.web.patient.fields import link_label
from triage.web.patient.flow import Progress, effective_answers, visible_in
from triage.web.patient.pages import review_answer

_CHANGE = re.compile(r'<a href="/intake/([a-z0-9_]+)\?from=review#q-([a-z0-9_]+)">Change<span class="vh"> ([^<]*)</span></a>')
FROM_REVIEW = '<input type="hidden" name="from" value="review">'


def _changes(body: str) -> dict[str, tuple[str, str]]:
    """Question id -> (step id, the link's hidden words) of every Change link on the review page."""
    return {qid: (step_id, html.unescape(words)) for step_id, qid, words in _CHANGE.findall(body)}


def _change_url(step_id: str, question_id: str) -> str:
    return f"/intake/{step_id}?from=review"


def _post_change(client: FlaskClient, url: str, plan: Mapping[str, list[str]]) -> str:
    """Open a page from a Change link, post the plan's answers with the page's own `from` field; the 303's target."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    assert FROM_REVIEW in page.get_data(as_text=True)
    data = plan_data(field_names(page), plan, csrf_of(page)) | {"from": "review"}
    response = client.post(url.split("?")[0], data=data)
    assert response.status_code == 303, (url, response.status_code)
    return response.location


def _filler(question: Question) -> list[str]:
    """A valid answer to a question the plan does not answer."""
    if question.type == "scale":
        return [str(int(question.min or 0))]
    if question.type in ("single", "multi") and question.choices:
        return [next(c.value for c in question.choices if not c.exclusive)]
    if question.type in ("integer", "number"):
        return [str(int(question.min)) if question.min is not None else "1"]
    return ["Filled in"]


def _opening_change(questionnaire: Questionnaire, stored: Mapping[str, Answer]) -> tuple[Question, str, str] | None:
    """A tick the plan did not make that asks new questions on a later step only: (question, value, later step id)."""
    effective = effective_answers(questionnaire, stored)
    steps = [s.id for s in questionnaire.steps]
    for qid in [name for name in PLAN if name in questionnaire.by_id]:  # posted boxes like date_of_birth-day skipped
        question = questionnaire.by_id[qid]
        ticked = effective.get(qid)
        if (
            question.type != "multi"
            or not isinstance(ticked, list)
            or any(c.exclusive and c.value in ticked for c in question.choices)
        ):
            continue
        for choice in question.choices:
            if choice.value in ticked or choice.exclusive:
                continue
            changed = effective_answers(questionnaire, {**stored, qid: [*ticked, choice.value]})
            opened = [
                (s.id, q.id)
                for s in questionnaire.steps
                for q in visible_in(s, changed)
                if q.id not in effective and not q.is_shown(effective)
            ]
            later = {s for s, _q in opened}
            if len(later) == 1 and all(steps.index(s) > steps.index(question.step) for s in later):
                return question, choice.value, opened[0][0]
    return None


def test_review_has_its_own_change_link_for_every_answer(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client)
    body = client.get(REVIEW_URL).get_data(as_text=True)
    questionnaire = default_questionnaire()
    progress = Progress.of(questionnaire, stored_answers(app, intake_id), {})
    asked = {q.id: (s.id, q) for s in progress.active_steps() if not s.is_review for q in progress.visible(s)}
    changes = _changes(body)
    assert set(changes) == set(asked)
    for qid, (step_id, question) in asked.items():
        assert changes[qid] == (step_id, link_label(question)), qid  # the hidden words name the answer
        assert html.escape(review_answer(question, progress.answers.get(qid)), quote=True) in body, qid
    titles = [html.unescape(t) for t in re.findall(r'<section class="review-group"[^>]*>\s*<h2[^>]*>([^<]*)</h2>', body)]
    assert titles == list(dict.fromkeys(questionnaire.section_of(s)[1].title for s in progress.active_steps() if not s.is_review))


def test_change_from_the_review_page_goes_straight_back_to_it(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client)
    step_id, _words = _changes(client.get(REVIEW_URL).get_data(as_text=True))["main_concern"]
    changed = PLAN | {"main_concern": ["Changed on the review page"]}
    assert _post_change(client, _change_url(step_id, "main_concern"), changed) == REVIEW_URL
    assert stored_answers(app, intake_id)["main_concern"] == "Changed on the review page"
    assert "Changed on the review page" in client.get(REVIEW_URL).get_data(as_text=True)


def test_change_with_a_mistake_comes_back_to_its_page_still_on_the_way_to_review(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client)
    step_id, _words = _changes(client.get(REVIEW_URL).get_data(as_text=True))["full_name"]
    url = _change_url(step_id, "full_name")
    assert _post_change(client, url, PLAN | {"full_name": [""]}) == url
    page = client.get(url).get_data(as_text=True)
    assert "<title>Error: " in page and 'id="full_name-e"' in page and FROM_REVIEW in page
    assert client.get(REVIEW_URL).location.endswith(url.split("?")[0])  # review waits until the step is fixed
    assert _post_change(client, url, PLAN | {"full_name": ["Fixed Name"]}) == REVIEW_URL
    assert stored_answers(app, intake_id)["full_name"] == "Fixed Name"


def test_change_that_opens_questions_on_a_later_step_goes_there_first_then_back_to_review(
    app: Flask, client: FlaskClient
) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client)
    questionnaire = default_questionnaire()
    found = _opening_change(questionnaire, stored_answers(app, intake_id))
    assert found, "no answer in the plan opens questions on a later step"
    question, value, later = found
    step_id, _words = _changes(client.get(REVIEW_URL).get_data(as_text=True))[question.id]
    plan = PLAN | {question.id: [*PLAN[question.id], value]}
    later_url = _post_change(client, _change_url(step_id, question.id), plan)
    assert later_url == f"/intake/{later}?from=review"
    new = [q for q in questionnaire.step(later).questions if q.id not in PLAN]
    assert _post_change(client, later_url, plan | {q.id: _filler(q) for q in new}) == REVIEW_URL
    ticked = stored_answers(app, intake_id)[question.id]
    assert isinstance(ticked, list) and value in ticked
