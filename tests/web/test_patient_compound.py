"""A follow-up shown for a combination of answers, on the patient's pages: heavy_periods (2026.12-4) is asked of a
woman who still has periods once she says she was told of anaemia, on the warning-signs page. Without JavaScript
the server opens it (Post/Redirect/Get); with JavaScript the page carries only the tests left to the page; a hidden
follow-up is neither required nor stored."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, render_template_string
from flask.testing import FlaskClient

from tests.helpers.patient import (
    PLAN,
    csrf_of,
    field_names,
    new_invitation,
    open_link,
    plan_data,
    stored_answers,
    walk_to_review,
)
from tests.helpers.widgets import elements
from triage.domain.questionnaire.questions import parse_questionnaire
from triage.web.patient.fields import field_views
from triage.web.patient.followups import Condition, PageTest, page_questions, same_page_conditions

ALARM_URL = "/intake/alarm_symptoms"
WARNING = {"warning_signs": ["none"], "known_anaemia": ["iron_deficiency"], "iron_tablets_no_help": ["no"]}


def _wrapper(body: str, qid: str) -> str:
    """The opening tag of a question's wrapper on a page."""
    found = re.search(rf'<div class="q[^"]*" id="q-{qid}"[^>]*>', body)
    assert found, qid
    return found.group(0)


def _to_alarm_page(app: Flask, client: FlaskClient, plan: dict[str, list[str]]) -> tuple[int, str]:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client, plan, stop_before="alarm_symptoms")
    page = client.get(ALARM_URL)
    assert page.status_code == 200
    return intake_id, page.get_data(as_text=True)


def _post(client: FlaskClient, answers: dict[str, list[str]], js: bool = False) -> Any:
    page = client.get(ALARM_URL)
    data = plan_data(field_names(page) | set(answers), PLAN | answers, csrf_of(page))
    if js:
        data["_js"] = "1"
    return client.post(ALARM_URL, data=data)


def test_without_javascript_the_server_opens_the_follow_up_once_the_second_answer_holds(app: Flask, client: FlaskClient) -> None:
    intake_id, body = _to_alarm_page(app, client, PLAN)
    # The periods answer (an earlier page) holds, so the page tests only the anaemia answer, in place.
    tag = _wrapper(body, "heavy_periods")
    assert 'data-q="known_anaemia" data-op="one_of" data-v="iron_deficiency other"' in tag and " hidden" in tag
    posted = _post(client, {k: v for k, v in WARNING.items() if k != "iron_tablets_no_help"})
    assert posted.status_code == 303 and posted.location == ALARM_URL  # newly opened questions: the same page again
    again = client.get(posted.location).get_data(as_text=True)
    assert "We have added a few questions" in again and " hidden" not in _wrapper(again, "heavy_periods")
    done = _post(client, WARNING | {"heavy_periods": ["yes"]})
    assert done.status_code == 303 and done.location != ALARM_URL
    stored = stored_answers(app, intake_id)
    assert (stored["known_anaemia"], stored["heavy_periods"]) == ("iron_deficiency", "yes")


def test_with_javascript_the_follow_up_opened_in_place_is_saved_at_once(app: Flask, client: FlaskClient) -> None:
    intake_id, _body = _to_alarm_page(app, client, PLAN)
    done = _post(client, WARNING | {"heavy_periods": ["no"]}, js=True)
    assert done.status_code == 303 and done.location != ALARM_URL
    assert stored_answers(app, intake_id)["heavy_periods"] == "no"


def test_a_follow_up_its_combination_hides_is_neither_required_nor_stored(app: Flask, client: FlaskClient) -> None:
    intake_id, _body = _to_alarm_page(app, client, PLAN)
    # No anaemia: an answer sent for the hidden question anyway (a stale box, a forged post) is dropped.
    done = _post(client, {"warning_signs": ["none"], "known_anaemia": ["no"], "heavy_periods": ["yes"]})
    assert done.status_code == 303 and done.location != ALARM_URL
    assert "heavy_periods" not in stored_answers(app, intake_id)


def test_when_an_earlier_page_already_rules_the_follow_up_out_the_page_does_not_carry_it(app: Flask, client: FlaskClient) -> None:
    after = {k: v for k, v in PLAN.items() if k != "heavy_periods"} | {"menopause_status": ["postmenopause"]}
    _intake, body = _to_alarm_page(app, client, after)
    assert 'id="q-heavy_periods"' not in body
    assert 'data-q="known_anaemia" data-op="equals" data-v="iron_deficiency"' in _wrapper(body, "iron_tablets_no_help")
    man = {k: v for k, v in after.items() if k != "menopause_status"} | {"sex_at_birth": ["male"]}
    other = app.test_client()
    _intake, body = _to_alarm_page(app, other, man)
    assert 'id="q-heavy_periods"' not in body


SAME_PAGE = parse_questionnaire(
    {
        "version": "same-page-test-1",
        "steps": [
            {
                "id": "first",
                "title": "First",
                "questions": [
                    {"id": "smoker", "type": "single", "label": "Smoke?", "choices": [{"value": "yes", "label": "Yes"}]},
                ],
            },
            {
                "id": "second",
                "title": "Second",
                "questions": [
                    {"id": "cups", "type": "integer", "label": "Cups?"},
                    {"id": "note", "type": "text", "label": "Note?"},
                    {
                        "id": "both_here",
                        "type": "text",
                        "label": "Both here?",
                        "shown_when": {"all": [{"question": "cups", "equals": 2}, {"question": "note", "answered": True}]},
                    },
                    {
                        "id": "either",
                        "type": "text",
                        "label": "Either?",
                        "shown_when": {"any": [{"question": "smoker", "equals": "yes"}, {"question": "cups", "one_of": [3, 4]}]},
                    },
                ],
            },
        ],
    },
    "same-page-test",
)


def test_a_combination_of_same_page_answers_is_drawn_as_its_list_of_tests(app: Flask) -> None:
    step = SAME_PAGE.step("second")
    conditions = same_page_conditions(SAME_PAGE, step, {})
    assert conditions["both_here"] == Condition("all", (PageTest("cups", "equals", "2"), PageTest("note", "answered", "True")))
    assert conditions["either"] == Condition("any", (PageTest("cups", "one_of", "3 4"),))
    visible = [q for q in step.questions if q.is_shown({})]
    rendered, hidden = page_questions(SAME_PAGE, step, visible, {})
    assert [q.id for q in rendered] == ["cups", "note", "both_here", "either"] and hidden == {"both_here", "either"}
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "_macros.html" import field %}{% for f in fields %}{{ field(f) }}{% endfor %}',
            fields=field_views(rendered, {}, {}, hidden, conditions),
        )
    wrappers = {a["id"]: a for a in elements(html).all("div") if a.get("id", "").startswith("q-")}
    assert wrappers["q-both_here"]["data-when"] == "all"
    assert json.loads(wrappers["q-both_here"]["data-tests"]) == [["cups", "equals", "2"], ["note", "answered", "True"]]
    assert "data-q" not in wrappers["q-both_here"] and "hidden" in wrappers["q-both_here"]
    assert (wrappers["q-either"]["data-q"], wrappers["q-either"]["data-v"]) == ("cups", "3 4")


def test_an_earlier_answer_that_settles_an_any_shows_the_follow_up_without_a_condition() -> None:
    step = SAME_PAGE.step("second")
    answers = {"smoker": "yes"}
    assert "either" not in same_page_conditions(SAME_PAGE, step, answers)
    visible = [q for q in step.questions if q.is_shown(answers)]
    rendered, hidden = page_questions(SAME_PAGE, step, visible, answers)
    assert "either" in [q.id for q in rendered] and "either" not in hidden
