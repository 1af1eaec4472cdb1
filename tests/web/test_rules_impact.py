"""The impact page over HTTP, on SQLite and PostgreSQL: the draft against the version now published, both evaluated again,
over everything a clinician reads, whatever version made each intake's stored result."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.helpers.impact_jobs import impact_page
from tests.helpers.rules_editor import newest_evaluation, post_from_page, rule_cases, seed_from_cases, text_of
from tests.unit.test_impact import retire_rules
from triage.db import ruleset_store, rulesets
from triage.db.evaluations import bundled_ruleset
from triage.db.models import AuditEvent
from triage.domain.engine.evaluate import Ruleset, load_ruleset_from_documents

EDITOR = ("rules_editor",)
Change = Callable[[dict[str, Any]], None]


def publish(app: Flask, change: Change, label: str) -> Ruleset:
    """Store the newest published version with a change as the next published version."""
    with app.extensions["triage_db"].session() as session:
        base = rulesets.latest_published(session)
        assert base is not None
        documents = copy.deepcopy(base.documents)
        change(documents)
        documents["ruleset.yaml"]["version"] = label
        ruleset = load_ruleset_from_documents(documents)
        ruleset_store.add_published(
            session,
            documents=documents,
            tests=dict(base.tests or {}),
            sha256=ruleset.sha256,
            label=ruleset.version,
            report=dict(base.test_report or {}),
            actor="test",
            summary="Published by the test",
        )
        return ruleset


def edit_draft(app: Flask, change: Change) -> Ruleset:
    """Save the open draft with a change to its documents."""
    with app.extensions["triage_db"].session() as session:
        row = rulesets.open_draft(session)
        assert row is not None
        documents = copy.deepcopy(row.documents)
        change(documents)
        ruleset = load_ruleset_from_documents(documents)
        rulesets.save_draft(
            session,
            row.id,
            row.lock_version,
            documents=documents,
            tests=dict(row.tests or {}),
            sha256=ruleset.sha256,
            label=ruleset.version,
            report=dict(row.test_report or {}),
            actor="test",
        )
        return ruleset


def caveat_shown(app: Flask, intakes: dict[int, Any]) -> tuple[str, set[int]]:
    """The caveat most stored summaries show, and the intakes showing it."""
    shown: dict[str, set[int]] = {}
    for intake_id in intakes:
        for caveat in newest_evaluation(app, intake_id).result.get("caveats", []):
            shown.setdefault(caveat["id"], set()).add(intake_id)
    caveat = max(shown, key=lambda c: len(shown[c]))
    return caveat, shown[caveat]


def audit_actions(app: Flask) -> list[tuple[str, str]]:
    """(action, detail) of every audit row."""
    with app.extensions["triage_db"].session() as session:
        return [(a.action, a.detail or "") for a in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def count(page: str, key: str) -> int:
    """A count on the impact page, by its element id."""
    match = re.search(rf'id="count-{key}">(\d+)<', page)
    assert match, key
    return int(match.group(1))


@pytest.fixture
def seeded(app: Flask) -> dict[int, Any]:
    """Past intakes whose stored results come from version 1 (the default rules)."""
    return seed_from_cases(app, rule_cases()[:30])


def start_draft(app: Flask, staff_login: Callable[..., Any]) -> Any:
    """A signed-in rules editor with a draft open (copied from the newest published version)."""
    client = app.test_client()
    staff_login(client, roles=EDITOR)
    assert post_from_page(client, "/rules/", "/rules/draft").status_code == 303
    return client


def test_removing_a_caveat_that_summaries_show_is_reported_per_patient(
    app: Flask, seeded: dict[int, Any], staff_login: Callable[..., Any]
) -> None:
    caveat, showing = caveat_shown(app, seeded)
    editor = start_draft(app, staff_login)
    edit_draft(app, lambda d: retire_rules(d, [caveat]))
    shown = impact_page(editor)
    html, page = shown.get_data(as_text=True), text_of(shown)
    assert count(html, "considered") == len(seeded) and count(html, "caveats-changed") == len(showing)
    assert count(html, "changed") >= len(showing)
    words = bundled_ruleset().rule(caveat).title  # version 1, now published
    noun = "patient" if len(showing) == 1 else "patients"
    assert f"{len(showing)} {noun} would lose the caveat “{words}”" in page
    assert "No past patient would read anything different" not in page
    listed = {int(i) for i in re.findall(r'href="/rules/draft/impact/(\d+)"', html)}
    assert showing <= listed
    case = text_of(editor.get(f"/rules/draft/impact/{min(showing)}"))
    assert f"Would lose the caveat “{words}”" in case and "With the draft" in case and "Now published (ruleset" in case
    actions = audit_actions(app)
    assert any(a == "ruleset.impact" for a, _ in actions) and any(a == "intake.view" for a, _ in actions)
    # The audit rows carry counts and versions, never a patient's answers or results.
    assert all(words not in detail for _, detail in actions)


def test_the_draft_is_compared_with_the_version_now_published_not_with_each_stored_result(
    app: Flask, seeded: dict[int, Any], staff_login: Callable[..., Any]
) -> None:
    caveat, showing = caveat_shown(app, seeded)
    stored_version = newest_evaluation(app, min(showing)).ruleset_version
    # Version 2 drops the caveat; the draft (opened from version 2) brings it back. Every stored result still
    # shows it (version 1 made them), so against the stored results nothing would change.
    with app.extensions["triage_db"].session() as session:
        base = rulesets.latest_published(session)
        assert base is not None
        original = copy.deepcopy(base.documents)
    published = publish(app, lambda d: retire_rules(d, [caveat]), "2026.impact-2")
    editor = start_draft(app, staff_login)

    def restore(documents: dict[str, Any]) -> None:
        label = documents["ruleset.yaml"]["version"]
        documents.clear()
        documents.update(copy.deepcopy(original))
        documents["ruleset.yaml"]["version"] = label

    draft = edit_draft(app, restore)
    shown = impact_page(editor)
    html, page = shown.get_data(as_text=True), text_of(shown)
    words = draft.rule(caveat).title
    noun = "patient" if len(showing) == 1 else "patients"
    assert f"{len(showing)} {noun} would gain the caveat “{words}”" in page
    assert count(html, "caveats-changed") == len(showing)
    assert f"the version now published ({published.version})" in page
    case = text_of(editor.get(f"/rules/draft/impact/{min(showing)}"))
    assert f"Stored result (ruleset {stored_version})" in case and f"Now published (ruleset {published.version})" in case
    assert f"Would gain the caveat “{words}”" in case
    # Beside the version now published, the caveat is marked as the draft's change.
    assert re.search(rf"{re.escape(words)} changed by the draft", case)


def test_a_draft_that_changes_nothing_says_so_in_plain_words(
    app: Flask, seeded: dict[int, Any], staff_login: Callable[..., Any]
) -> None:
    editor = start_draft(app, staff_login)
    html = impact_page(editor, "/rules/draft/impact?last=7").get_data(as_text=True)
    assert count(html, "considered") == 7 and count(html, "changed") == 0
    assert "No past patient would read anything different" in text_of(impact_page(editor))
    assert editor.get("/rules/draft/impact/999999").status_code == 404
