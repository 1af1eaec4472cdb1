"""Removing a rule test case takes a confirmation (a page of its own, no script needed), and the diff keeps showing it."""

from __future__ import annotations

import html
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.rules_editor import form_fields, post_from_page, text_of
from triage.db import rulesets
from triage.db.models import AuditEvent


def draft_cases(app: Flask) -> dict[str, dict[str, Any]]:
    """The open draft's test cases by id."""
    with app.extensions["triage_db"].session() as session:
        draft = rulesets.open_draft(session)
        assert draft is not None
        return {c["id"]: c for document in (draft.tests or {}).values() for c in document.get("cases", [])}


def removals(app: Flask) -> list[str]:
    """The details of the case-removal audit rows."""
    with app.extensions["triage_db"].session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == "ruleset.case_remove"))
        return [r.detail for r in rows]


def test_the_tests_page_links_to_a_confirmation_that_says_what_the_case_guards(app: Flask, editor: FlaskClient) -> None:
    case_id, case = next(iter(draft_cases(app).items()))
    remove = f"/rules/draft/cases/{case_id}/remove"
    listing = editor.get("/rules/draft/tests").get_data(as_text=True)
    assert f'href="{remove}"' in listing and not form_fields(listing.encode(), remove)  # a link: one click removes nothing
    page = editor.get(remove)
    shown = html.unescape(text_of(page))
    assert page.status_code == 200 and f"Remove test case {case_id}?" in shown
    assert case["description"].split()[0] in shown and "It checks that:" in shown and "Rules it exercises" in shown
    assert ": none →" not in shown  # each expectation reads as what it expects, not as a change from nothing
    assert f"Yes, remove test case {case_id}" in shown and "No, keep it" in shown
    assert case_id in draft_cases(app) and removals(app) == []  # opening the page changes nothing


def test_an_unconfirmed_post_only_asks_and_a_confirmed_one_removes_and_the_diff_shows_it(app: Flask, editor: FlaskClient) -> None:
    case_id, case = next(iter(draft_cases(app).items()))
    remove = f"/rules/draft/cases/{case_id}/remove"
    fields = [(k, v) for k, v in form_fields(editor.get(remove).data, remove) if k != "confirm"]
    asked = editor.post(remove, data=dict(fields))
    assert asked.status_code == 303 and asked.location.endswith(remove)  # Post/Redirect/Get to the question
    assert case_id in draft_cases(app) and removals(app) == []
    removed = post_from_page(editor, remove, remove)
    assert removed.status_code == 303 and removed.location.endswith("/rules/draft/tests")
    assert case_id not in draft_cases(app) and removals(app) == [f"test case {case_id}"]
    diff = html.unescape(text_of(editor.get("/rules/compare?old=1&new=draft")))
    assert "Test cases: 0 added, 1 removed, 0 changed" in diff
    assert f"Test case {case_id} was removed (it no longer guards the rules): {case['description']}" in diff
    assert editor.get(remove).status_code == 404  # gone: nothing left to confirm
