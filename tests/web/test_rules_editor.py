"""The rules editor over HTTP with CSRF on, on SQLite and PostgreSQL: the whole cycle, optimistic locking, approval rules."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.impact_jobs import impact_page
from tests.helpers.patient import new_invitation, open_link, submit, walk_to_review
from tests.helpers.rules_editor import (
    count_in,
    form_fields,
    newest_evaluation,
    open_review_parts,
    post_from_page,
    review_and_approve,
    rule_cases,
    seed_from_cases,
    send_for_review,
    text_of,
    versions,
)
from triage.db.evaluations import bundled_ruleset
from triage.db.models import AuditEvent
from triage.domain.engine.evaluate import evaluate, load_ruleset_from_documents
from triage.domain.engine.impact import changes_between

RULE = "cd_iron_deficiency"
EDIT = f"/rules/draft/rules/{RULE}"
GROUPED = "/rules/draft/rules/cd_dermatitis_herpetiformis"  # 'any' of two conditions, the first a choice
GLUTEN = f"“{bundled_ruleset().facts['eats_gluten'].label}”"


def with_weight(rule_id: str, weight: int, label: str | None = None) -> Any:
    """The default ruleset with one rule's weight (and its version text) changed, as the engine loads it: the test's oracle."""
    documents = bundled_ruleset().documents
    documents["ruleset.yaml"]["version"] = label or documents["ruleset.yaml"]["version"]
    for name, document in documents.items():
        for rule in document.get("rules", []) if name != "ruleset.yaml" else []:
            if rule["id"] == rule_id:
                rule["weight"] = weight
    return load_ruleset_from_documents(documents)


def audit_actions(app: Flask) -> list[tuple[str, str, str]]:
    """(action, actor, outcome) of every audit row."""
    with app.extensions["triage_db"].session() as session:
        return [(a.action, a.actor, a.outcome) for a in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def draft_post(client: FlaskClient, action: str, **extra: str) -> Any:
    """Post an action on the draft with the rules page's CSRF token and lock (as if its button were shown)."""
    fields = dict(form_fields(client.get("/rules/").data, "/rules/draft/discard"))
    return client.post(action, data={**fields, **extra})


def test_a_whole_cycle_over_http(app: Flask, staff_login: Callable[..., Any]) -> None:
    author, second = app.test_client(), app.test_client()
    staff_login(author, roles=("rules_editor",))
    reviewer = staff_login(second, roles=("rules_editor",))
    seeded = seed_from_cases(app, rule_cases())
    old_intake = next(iter(seeded))
    old_before = newest_evaluation(app, old_intake)
    [first] = versions(app)
    assert (first.number, first.status, first.sha256) == (1, "published", bundled_ruleset().sha256)
    assert old_before.ruleset_version_id == first.id

    assert post_from_page(author, "/rules/", "/rules/draft").status_code == 303
    # The author weighs iron deficiency against coeliac disease: rule tests fail, in plain words.
    saved = post_from_page(author, EDIT, EDIT, {"weight": "-10"}, ("action", "save"))
    assert saved.status_code == 303 and saved.location.endswith(EDIT)
    page = text_of(author.get(EDIT))
    assert "THEN Coeliac disease -10" in page
    failing = re.search(r"(\d+) of (\d+) test cases pass; (\d+) fail", page)
    assert failing and int(failing.group(3)) >= 1
    assert "expected celiac_disease to rank first alone, but the ranking was" in page
    assert b"Review this draft" not in second.get("/rules/").data  # red tests: nothing to send for review

    # ...and fixes it: a smaller weight for, and every test passes again.
    assert post_from_page(author, EDIT, EDIT, {"weight": "1"}, ("action", "save")).status_code == 303
    page = text_of(author.get(EDIT))
    passing = re.search(r"(\d+) of (\d+) test cases pass\.", page)
    assert passing and passing.group(1) == passing.group(2) and "THEN Coeliac disease +1" in page

    # Impact on the seeded intakes: the published version against the draft, each intake evaluated with both on the
    # day it was submitted (today, in UTC), as the impact view does.
    draft, today = with_weight(RULE, 1), dt.datetime.now(dt.UTC).date()
    changed = sum(
        1
        for case in seeded.values()
        if changes_between(evaluate(bundled_ruleset(), case.answers, on=today), evaluate(draft, case.answers, on=today))
    )
    assert changed > 0
    impact = text_of(impact_page(author))  # counted by the background job
    assert count_in(impact, "Intakes compared") == len(seeded)
    assert count_in(impact, "Results that would change") == changed
    assert count_in(impact, "Suspicion level changed") >= 1

    # Four eyes: the author may not approve their own change, and nothing is published unapproved.
    assert send_for_review(author).status_code == 303
    open_review_parts(author)
    assert draft_post(author, "/rules/draft/approve", comment="Looks right to me").status_code == 303
    assert draft_post(author, "/rules/draft/publish", summary="too early").status_code == 303
    assert [v.status for v in versions(app)] == ["published", "draft"]
    assert b"Review this draft" in second.get("/rules/").data
    assert review_and_approve(second).status_code == 303
    published = post_from_page(
        author, "/rules/", "/rules/draft/publish", {"summary": "Iron deficiency counts +1, not +2, for coeliac disease"}
    )
    assert published.status_code == 303
    new_version = versions(app)[-1]
    assert (new_version.number, new_version.status, new_version.approved_by) == (2, "published", reviewer.email)
    assert new_version.sha256 == with_weight(RULE, 1, new_version.label).sha256 != first.sha256

    # A newly submitted intake (the real patient flow) is evaluated by version 2...
    patient = app.test_client()
    token, new_intake = new_invitation(app, ref="NEW-1")
    open_link(patient, token)
    walk_to_review(patient)
    assert submit(patient).status_code == 303
    fresh = newest_evaluation(app, new_intake)
    assert (fresh.ruleset_version_id, fresh.ruleset_sha256, fresh.ruleset_version) == (
        new_version.id,
        new_version.sha256,
        new_version.label,
    )
    # ...while an older intake keeps its stored result and version.
    old_after = newest_evaluation(app, old_intake)
    assert (old_after.id, old_after.result, old_after.ruleset_version_id) == (old_before.id, old_before.result, first.id)

    actions = audit_actions(app)
    for action in (
        "ruleset.import",
        "ruleset.draft_create",
        "ruleset.rule_save",
        "ruleset.impact",
        "ruleset.approve",
        "ruleset.publish",
    ):
        assert any(a == action and outcome == "ok" for a, _, outcome in actions), action
    assert ("ruleset.approve", staff_email(author, app), "refused") in actions
    assert sum(1 for a, _, outcome in actions if a == "ruleset.publish" and outcome == "refused") == 1


def staff_email(client: FlaskClient, app: Flask) -> str:
    """The email of the account a client is signed in as (from the page's staff navigation)."""
    match = re.search(r'<span class="who">([^<]+)</span>', client.get("/rules/").get_data(as_text=True))
    assert match
    return match.group(1)


def test_two_editors_saving_the_same_draft_the_second_gets_409_and_nothing_is_overwritten(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    first, second = app.test_client(), app.test_client()
    staff_login(first, roles=("rules_editor",))
    staff_login(second, roles=("rules_editor",))
    assert post_from_page(first, "/rules/", "/rules/draft").status_code == 303
    page_one, page_two = first.get(EDIT), second.get(EDIT)  # both editors open the same rule at version n
    assert post_from_page(first, page_one, EDIT, {"weight": "3"}, ("action", "save")).status_code == 303
    refused = post_from_page(second, page_two, EDIT, {"weight": "7", "title": "Overwritten?"}, ("action", "save"))
    assert refused.status_code == 409
    assert "Someone else saved first" in refused.get_data(as_text=True) and "was not saved" in refused.get_data(as_text=True)
    now = text_of(first.get(EDIT))
    assert "THEN Coeliac disease +3" in now and "Overwritten?" not in now
    # A page opened after the first save saves normally.
    assert post_from_page(second, EDIT, EDIT, {"weight": "4"}, ("action", "save")).status_code == 303
    assert "THEN Coeliac disease +4" in text_of(first.get(EDIT))


def test_validation_errors_appear_next_to_the_field_and_nothing_is_saved(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, roles=("rules_editor",))
    post_from_page(client, "/rules/", "/rules/draft")
    before = versions(app)[-1]
    response = post_from_page(
        client, GROUPED, GROUPED, {"weight": "heavy", "reviewed": "yesterday", "c-r.0-value": "iron_def"}, ("action", "save")
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'id="f-weight-error"><span class="vh">Error: </span>&#39;weight&#39; must be a whole number', html)
    assert 'aria-describedby="f-weight-hint f-weight-error" aria-invalid="true"' in html
    assert re.search(r'id="f-reviewed-error">.*YYYY-MM-DD', html)
    assert re.search(r'id="f-c-r-0-value-error">.*does not offer the choice', html)
    after = versions(app)[-1]
    assert (after.lock_version, after.sha256) == (before.lock_version, before.sha256)


def test_condition_rows_are_added_and_removed_without_javascript(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, roles=("rules_editor",))
    post_from_page(client, "/rules/", "/rules/draft")
    added = post_from_page(client, GROUPED, GROUPED, press=("action", "add-compare:r"))
    assert added.status_code == 200
    assert 'name="node" value="r.2"' in added.get_data(as_text=True)
    chosen = post_from_page(client, added, GROUPED, {"c-r.2-question": "eats_gluten", "c-r.2-op": "equals"}, ("action", "update"))
    html = chosen.get_data(as_text=True)
    assert '<option value="true"' in html  # the value chooser now offers the fact's answers
    grouped = post_from_page(client, chosen, GROUPED, {"c-r-kind": "all", "c-r.2-value": "true"}, ("action", "update"))
    assert f"AND {GLUTEN} is yes THEN" in text_of(grouped)
    removed = post_from_page(client, grouped, GROUPED, press=("action", "remove:r.1"))
    assert 'value="r.2"' not in removed.get_data(as_text=True) and GLUTEN in text_of(removed)
    saved = post_from_page(client, removed, GROUPED, press=("action", "save"))
    assert saved.status_code == 303
    assert f"AND {GLUTEN} is yes THEN Coeliac disease +5" in text_of(client.get(GROUPED))
