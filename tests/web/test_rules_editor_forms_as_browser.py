"""Every rules-editor form posted exactly as a browser posts it, once per submit button, and what each press stored.

A browser sends the form's fields in document order plus the one button pressed, at its place; a field that shares
its name with the buttons is then posted twice. These tests build that post from the rendered page for each button.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.html_forms import BrowserForm, Control, form_posting_to, forms_of
from tests.helpers.rules_editor import submit_intake
from triage.db import rulesets
from triage.db.evaluations import bundled_ruleset
from triage.web.rules.drafts import find_rule

EDITOR = ("rules_editor",)
RULES = bundled_ruleset().rules
# A flag no differential is held back by: retiring one that is named in a `held_back_by` is refused, rightly.
HOLDING = {flag for d in bundled_ruleset().differentials for flag in d.held_back_by}
RED_FLAG = next(r.id for r in RULES if r.kind == "red_flag" and r.id not in HOLDING)
ONE_OF_EACH_KIND = [
    next(r.id for r in RULES if r.kind == kind) for kind in ("differential", "red_flag", "investigation", "caveat")
]


@pytest.fixture
def editor(app: Flask, staff_login: Callable[..., Any]) -> FlaskClient:
    """A signed-in rules editor (and admin, for the four-eyes setting) with a draft open."""
    client = app.test_client()
    staff_login(client, roles=(*EDITOR, "admin"))
    started = press(client, "/rules/", "/rules/draft", only_button())
    assert started.status_code == 303
    return client


def only_button() -> Callable[[BrowserForm], Control]:
    """Press the form's one submit button."""

    def pick(form: BrowserForm) -> Control:
        [button] = form.buttons()
        return button

    return pick


def press(
    client: FlaskClient,
    page: str,
    action: str,
    pick: Callable[[BrowserForm], Control],
    changes: Mapping[str, str | list[str]] | None = None,
) -> Any:
    """Open the page, find the form posting to `action`, and post it as a browser does when the picked button is pressed."""
    shown = client.get(page)
    assert shown.status_code == 200, page
    form = form_posting_to(shown.data, action)
    return client.post(action, data=form.post_data(pick(form), changes))


def stored_rule(app: Flask, rule_id: str) -> dict[str, Any]:
    """The rule as the open draft stores it."""
    with app.extensions["triage_db"].session() as session:
        draft = rulesets.open_draft(session)
        assert draft is not None
        found = find_rule(draft.documents, rule_id)
        assert found is not None, rule_id
        return found[1]


def rule_form(client: FlaskClient, rule_id: str) -> BrowserForm:
    """The rule's edit form as the page shows it."""
    url = f"/rules/draft/rules/{rule_id}"
    return form_posting_to(client.get(url).data, url)


def shown_value(form: BrowserForm, name: str) -> str:
    """The value a field shows (the test fails when the form lacks it)."""
    values = [c.value for c in form.fields() if c.name == name]
    assert values, f"the form has no field {name}"
    return values[0]


def test_no_field_of_a_rule_form_shares_a_name_with_its_buttons(app: Flask, editor: FlaskClient) -> None:
    for rule_id in [*ONE_OF_EACH_KIND, None]:
        url = f"/rules/draft/rules/{rule_id}" if rule_id else "/rules/draft/rules/new"
        form = form_posting_to(editor.get(url).data, url)
        buttons = {b.name for b in form.buttons() if b.name}
        assert buttons == {"action"}
        assert not buttons & {f.name for f in form.fields()}, rule_id


def test_every_button_of_a_red_flag_keeps_its_clinical_action(app: Flask, editor: FlaskClient) -> None:
    url = f"/rules/draft/rules/{RED_FLAG}"
    assert shown_value(rule_form(editor, RED_FLAG), "flag_action") == stored_rule(app, RED_FLAG)["action"]
    count = len(rule_form(editor, RED_FLAG).buttons())
    assert count >= 4  # update and save, at the top and the bottom, plus the row buttons
    for index in range(count):
        form = rule_form(editor, RED_FLAG)
        button = form.buttons()[index]
        text = f"Warrants same-day review (press {index}: {button.label})."
        before = stored_rule(app, RED_FLAG)
        posted = editor.post(url, data=form.post_data(button, {"flag_action": text}))
        if button.value == "save":
            assert posted.status_code == 303, (button.label, posted.get_data(as_text=True)[:2000])
            assert stored_rule(app, RED_FLAG)["action"] == text, button.label
        else:
            assert posted.status_code == 200, button.label
            again = form_posting_to(posted.data, url)
            assert shown_value(again, "flag_action") == text, button.label
            assert stored_rule(app, RED_FLAG) == before, button.label


@pytest.mark.parametrize("rule_id", ONE_OF_EACH_KIND)
def test_top_and_bottom_save_store_what_the_form_shows(app: Flask, editor: FlaskClient, rule_id: str) -> None:
    url = f"/rules/draft/rules/{rule_id}"
    saves = [i for i, b in enumerate(rule_form(editor, rule_id).buttons()) if b.value == "save"]
    assert len(saves) == 2  # one above the fields, one below the conditions
    for place, index in zip(("top", "bottom"), saves, strict=True):
        form = rule_form(editor, rule_id)
        title = f"Saved with the {place} button"
        posted = editor.post(url, data=form.post_data(form.buttons()[index], {"title": title}))
        assert posted.status_code == 303, posted.get_data(as_text=True)[:2000]
        stored = stored_rule(app, rule_id)
        assert stored["title"] == title
        # Every other field is stored exactly as the page showed it.
        original = find_rule(bundled_ruleset().documents, rule_id)
        assert original is not None
        assert {k: v for k, v in stored.items() if k not in ("title", "reviewed")} == {
            k: v for k, v in original[1].items() if k not in ("title", "reviewed")
        }


@pytest.mark.parametrize("place", [0, 1])
def test_a_new_red_flag_is_added_with_either_save_button(app: Flask, editor: FlaskClient, place: int) -> None:
    new = "/rules/draft/rules/new"
    chosen = press(editor, new, new, lambda f: next(b for b in f.buttons() if b.value == "update"), {"kind": "red_flag"})
    form = form_posting_to(chosen.data, new)
    button = [b for b in form.buttons() if b.value == "save"][place]
    rule_id = f"rf_browser_test_{place}"
    fields = {
        "id": rule_id,
        "title": "Test alarm",
        "explanation": "A test red flag.",
        "urgency": "urgent",
        "flag_action": "Warrants an urgent test review.",
        "source": "Test source (2026)",
        "author": "Tester",
        "c-r-question": "eats_gluten",
        "c-r-op": "equals",
        "c-r-value": "true",
    }
    posted = editor.post(new, data=form.post_data(button, fields))
    assert posted.status_code == 303, posted.get_data(as_text=True)[:2000]
    stored = stored_rule(app, rule_id)
    assert (stored["kind"], stored["urgency"], stored["action"]) == ("red_flag", "urgent", "Warrants an urgent test review.")


def test_every_other_editor_form_does_what_its_button_says(app: Flask, editor: FlaskClient) -> None:
    header = [
        ("/rules/draft/differentials/celiac_disease", {"high": "12"}),
        ("/rules/draft/parameters/upper_gi_cancer_age", {"value": "56"}),
        ("/rules/draft/settings", {"title": "Edited in a browser"}),
    ]
    for url, change in header:
        assert press(editor, url, url, only_button(), change).status_code == 303, url
    with app.extensions["triage_db"].session() as session:
        draft = rulesets.open_draft(session)
        assert draft is not None
        documents = draft.documents["ruleset.yaml"]
    celiac = next(d for d in documents["differentials"] if d["id"] == "celiac_disease")
    assert celiac["thresholds"]["high"] == 12
    assert documents["parameters"]["upper_gi_cancer_age"]["value"] == 56
    assert documents["title"] == "Edited in a browser"

    intake = submit_intake(app, "R-browser", {"eats_gluten": True}, dt.date.today())
    case_page = f"/rules/draft/cases/new?intake={intake}"
    case_form = form_posting_to(editor.get(case_page).data, f"/rules/draft/cases/new?intake={intake}")
    case_id = shown_value(case_form, "id")
    added = editor.post(case_form.action, data=case_form.post_data(case_form.buttons()[0]))
    assert added.status_code == 303, added.get_data(as_text=True)[:2000]
    with app.extensions["triage_db"].session() as session:
        draft = rulesets.open_draft(session)
        assert draft is not None and case_id in str(draft.tests)
    remove = f"/rules/draft/cases/{case_id}/remove"  # the tests page links to this confirmation page
    removed = press(editor, remove, remove, only_button())
    assert removed.status_code == 303

    retire = f"/rules/draft/rules/{RED_FLAG}/retire"
    assert press(editor, f"/rules/draft/rules/{RED_FLAG}", retire, only_button()).status_code == 303
    with app.extensions["triage_db"].session() as session:
        draft = rulesets.open_draft(session)
        assert draft is not None and find_rule(draft.documents, RED_FLAG) is None

    assert press(editor, "/rules/settings", "/rules/settings", only_button()).status_code == 303
    index = editor.get("/rules/").data
    posting = {f.action for f in forms_of(index) if f.method == "post"}
    assert "/rules/draft/discard" in posting
    confirm = press(editor, "/rules/", "/rules/draft/discard", only_button())
    assert confirm.status_code == 200 and b"Yes, discard the draft" in confirm.data  # a confirmation step first
    form = form_posting_to(confirm.data, "/rules/draft/discard")
    assert editor.post("/rules/draft/discard", data=form.post_data(form.buttons()[0], None)).status_code == 303
    with app.extensions["triage_db"].session() as session:
        assert rulesets.open_draft(session) is None


NUMBER_RULE = "numbers in a ruleset lie between -1,000,000 and 1,000,000"
HUGE_NUMBERS = [
    ("/rules/draft/rules/cd_weight_loss", {"c-r.1-value": "9" * 5000, "c-r.1-param": ""}, NUMBER_RULE),
    ("/rules/draft/rules/cd_weight_loss", {"c-r.1-value": "1e400", "c-r.1-param": ""}, NUMBER_RULE),
    ("/rules/draft/rules/cd_weight_loss", {"c-r.1-value": "9" * 400 + ".5", "c-r.1-param": ""}, NUMBER_RULE),
    ("/rules/draft/rules/cd_weight_loss", {"c-r.1-value": "Infinity", "c-r.1-param": ""}, NUMBER_RULE),
    ("/rules/draft/rules/cd_weight_loss", {"c-r.1-value": "2000000", "c-r.1-param": ""}, NUMBER_RULE),
    ("/rules/draft/parameters/upper_gi_cancer_age", {"value": "9" * 4000}, NUMBER_RULE),
    ("/rules/draft/parameters/upper_gi_cancer_age", {"value": "1e400"}, NUMBER_RULE),
    ("/rules/draft/parameters/upper_gi_cancer_age", {"value": "Infinity"}, NUMBER_RULE),
    ("/rules/draft/differentials/celiac_disease", {"high": "9" * 5000}, "'high' must be a whole number"),
]


@pytest.mark.parametrize(
    ("url", "change", "message"),
    HUGE_NUMBERS,
    ids=[f"{u.rsplit('/', 1)[-1]}-{next(iter(c.values()))[:8]}" for u, c, _ in HUGE_NUMBERS],
)
def test_huge_and_infinite_numbers_get_a_form_error_not_a_500(
    app: Flask, editor: FlaskClient, url: str, change: dict[str, str], message: str
) -> None:
    with app.extensions["triage_db"].session() as session:
        draft = rulesets.open_draft(session)
        assert draft is not None
        before = draft.documents
    form = form_posting_to(editor.get(url).data, url)
    save = next((b for b in form.buttons() if b.value == "save"), form.buttons()[0])
    posted = editor.post(url, data=form.post_data(save, dict(change)))
    assert posted.status_code == 400
    page = posted.get_data(as_text=True)
    assert "Error: " in page and message in page.replace("&#39;", "'")
    with app.extensions["triage_db"].session() as session:
        draft = rulesets.open_draft(session)
        assert draft is not None and draft.documents == before
