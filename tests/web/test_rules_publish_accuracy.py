"""Publishing with accuracy: the draft's figures beside the published version's, and a lost red flag held for an admin."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from tests.helpers.rules_editor import post_from_page, text_of, versions
from triage.cli.main import cli
from triage.db.evaluations import run_stored_tests
from triage.db.models import AuditEvent, RulesetVersion
from triage.domain.engine.evaluate import load_ruleset_from_documents
from triage.web.rules.drafts import current_draft, store, without_rule

EDITOR = ("rules_editor",)
ADMIN = ("rules_editor", "admin")
FLAG = "rf_rectal_bleeding_over_50"
LIBRARY = f"""\
cases:
  - id: lib_bleeding_only
    source: {{title: "Rectal bleeding as the only complaint", published: "A teaching collection, 2021", kind: teaching_case}}
    summary: Blood in the stool is the only answer given; the age is unknown.
    diagnosis: Not known at presentation
    on: "2026-11-01"
    answers:
      warning_signs: [blood_in_stool]
    expect:
      red_flags: [{FLAG}]
  - id: lib_heartburn
    source: {{title: "A man with heartburn", published: "A journal, 2020", kind: case_report}}
    summary: A 40-year-old man with heartburn.
    diagnosis: Reflux
    on: "2026-11-01"
    answers:
      date_of_birth: "1986-02-03"
      sex_at_birth: male
      symptoms: [heartburn]
    expect:
      no_red_flags: true
"""
REASON = "The flag moves to a new grouped rule next week; the clinical lead agreed on 1 December."


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A two-case library: one case that needs the rectal-bleeding red flag, one that needs none."""
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "cases.yaml").write_text(LIBRARY, encoding="utf-8")
    return folder


@pytest.fixture
def gated_app(make_app: Callable[..., Flask], library: Path) -> Flask:
    """The app measuring drafts on the small library."""
    return make_app(CASE_LIBRARY=str(library))


def signed_in(app: Flask, staff_login: Callable[..., Any], roles: tuple[str, ...]) -> Any:
    """A client signed in with these roles."""
    client = app.test_client()
    client.account = staff_login(client, roles=roles)  # type: ignore[attr-defined]
    return client


def open_draft_without_four_eyes(app: Flask, staff_login: Callable[..., Any]) -> Any:
    """An admin switches four-eyes off (so only the gate holds a draft) and a draft is opened; returns the admin."""
    admin = signed_in(app, staff_login, ADMIN)
    assert post_from_page(admin, "/rules/settings", "/rules/settings", {"four_eyes": []}).status_code == 303
    assert post_from_page(admin, "/rules/", "/rules/draft").status_code == 303
    return admin


def lose_the_flag(app: Flask) -> None:
    """Retire the red flag from the draft, with the rule tests that then fail (so the rule tests stay green)."""
    with app.extensions["triage_db"].session() as session:
        draft = current_draft(session)
        assert draft is not None
        documents, _unused = without_rule(draft.documents, FLAG)
        tests = {name: {"cases": [c for c in doc["cases"] if FLAG not in json.dumps(c)]} for name, doc in draft.tests.items()}
        failing = {f["case"] for f in run_stored_tests(load_ruleset_from_documents(documents), tests)["failures"]}
        kept = {n: {"cases": [c for c in d["cases"] if c["id"] not in failing]} for n, d in tests.items()}
        row = store(session, draft.info.id, draft.info.lock, documents, {n: d for n, d in kept.items() if d["cases"]}, "t")
        assert row.test_report["total"] == row.test_report["passed"] > 0


def change_the_title(client: Any) -> None:
    """A harmless change: the ruleset's title."""
    settings = "/rules/draft/settings"
    assert post_from_page(client, settings, settings, {"title": "Default rules, retitled"}).status_code == 303


def audit(app: Flask, action: str) -> list[tuple[str, str, str]]:
    """(actor, outcome, detail) of every audit row of one action."""
    with app.extensions["triage_db"].session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [(r.actor, r.outcome, r.detail) for r in rows]


def test_the_publish_page_shows_the_drafts_figures_beside_the_published_versions(
    gated_app: Flask, staff_login: Callable[..., Any]
) -> None:
    admin = open_draft_without_four_eyes(gated_app, staff_login)
    change_the_title(admin)
    assert "Accuracy on the case library, and publishing" in text_of(admin.get("/rules/"))
    page = text_of(admin.get("/rules/draft/publish"))
    assert "2 cited cases" in page and "The draft's figures beside version 1's" in page
    assert "Red-flag sensitivity 100 % (1/1) 100 % (1/1) 100 %" in page
    assert "Violations 0 0 must be 0" in page
    assert "raises every red flag that version 1 raised" in page and "holds this draft back" not in page
    assert "Publish as the next version" in page and "Reason for publishing anyway" not in page
    clinician = signed_in(gated_app, staff_login, ("clinician",))
    assert clinician.get("/rules/draft/publish").status_code == 403


def test_a_draft_that_keeps_its_red_flags_is_published_with_its_figures(
    gated_app: Flask, staff_login: Callable[..., Any], library: Path
) -> None:
    editor = signed_in(gated_app, staff_login, EDITOR)
    admin = open_draft_without_four_eyes(gated_app, staff_login)
    change_the_title(editor)
    page = "/rules/draft/publish"
    published = post_from_page(editor, page, page, {"summary": "Retitled"})
    assert published.status_code == 303 and published.location.endswith("/rules/")
    newest = versions(gated_app)[-1]
    assert (newest.number, newest.status) == (2, "published") and newest.accuracy is not None
    assert newest.accuracy["ruleset"]["hash"] == newest.sha256 and newest.accuracy["library"]["cases"] == 2
    listing = text_of(admin.get("/rules/versions"))
    assert "Accuracy on the case library" in listing and "2 100 % (1/1)" in listing
    assert audit(gated_app, "ruleset.publish_override") == []
    result = CliRunner().invoke(cli, ["rules", "versions", "--json"], obj=ScriptInfo(create_app=lambda: gated_app))
    listed = {v["number"]: v["accuracy"] for v in json.loads(result.output)}
    assert listed[2]["measures"]["red_flag_sensitivity"] == {
        "numerator": 1,
        "denominator": 1,
        "percent": 100.0,
        "target_percent": 100.0,
        "met": True,
    }
    assert listed[2]["violations"] == 0 and listed[2]["library_cases"] == 2
    as_text = CliRunner().invoke(cli, ["rules", "versions"], obj=ScriptInfo(create_app=lambda: gated_app)).output
    assert "accuracy: red-flag sensitivity 100 % (1/1), first no case asks," in as_text and "violations 0" in as_text


def test_an_editor_cannot_publish_a_draft_that_loses_a_red_flag(gated_app: Flask, staff_login: Callable[..., Any]) -> None:
    editor = signed_in(gated_app, staff_login, EDITOR)
    open_draft_without_four_eyes(gated_app, staff_login)
    lose_the_flag(gated_app)
    page = text_of(editor.get("/rules/draft/publish"))
    assert "The accuracy check holds this draft back" in page
    assert "red-flag sensitivity falls from 100 % (version 1) to 0 % (the draft)" in page
    assert "misses red flags that version 1 raised in 1 library case: lib_bleeding_only" in page
    assert "Only an administrator can publish it anyway" in page and "Reason for publishing anyway" not in page
    # Publishing from the rules page is held too, and comes back to the publish page with the reason.
    refused = post_from_page(editor, "/rules/", "/rules/draft/publish", {"summary": "Retire a red flag"})
    assert refused.status_code == 303 and refused.location.endswith("/rules/draft/publish")
    assert "Not published: red-flag sensitivity falls" in text_of(editor.get(refused.location))
    # A reason an editor writes into a crafted post is refused, not taken as an override.
    crafted = post_from_page(editor, "/rules/", "/rules/draft/publish", {"summary": "Retire", "override_reason": REASON})
    assert crafted.status_code == 303
    assert "only an administrator can publish" in text_of(editor.get("/rules/draft/publish"))
    assert [v.status for v in versions(gated_app)] == ["published", "draft"]
    outcomes = [outcome for _actor, outcome, _detail in audit(gated_app, "ruleset.publish")]
    assert outcomes == ["refused", "refused"] and audit(gated_app, "ruleset.publish_override") == []


def test_an_admin_publishes_it_only_with_a_written_reason_and_the_override_is_audited(
    gated_app: Flask, staff_login: Callable[..., Any]
) -> None:
    admin = open_draft_without_four_eyes(gated_app, staff_login)
    lose_the_flag(gated_app)
    page = "/rules/draft/publish"
    shown = text_of(admin.get(page))
    assert "As an administrator you may publish it anyway" in shown and "Reason for publishing anyway" in shown
    without = post_from_page(admin, page, page, {"summary": "Retire a red flag"})
    assert without.status_code == 303 and without.location.endswith(page)
    assert "publish it anyway with a written reason below" in text_of(admin.get(page))
    short = post_from_page(admin, page, page, {"summary": "Retire a red flag", "override_reason": "ok"})
    assert short.status_code == 303 and "at least 10 characters" in text_of(admin.get(page))
    assert [v.status for v in versions(gated_app)] == ["published", "draft"]
    done = post_from_page(admin, page, page, {"summary": "Retire a red flag", "override_reason": REASON})
    assert done.status_code == 303 and "Version 2 is published" in text_of(admin.get("/rules/"))
    newest = versions(gated_app)[-1]
    assert newest.status == "published" and newest.accuracy is not None
    sensitivity = next(m for m in newest.accuracy["measures"] if m["key"] == "red_flag_sensitivity")
    assert (sensitivity["numerator"], sensitivity["denominator"]) == (0, 1)
    [(actor, outcome, detail)] = audit(gated_app, "ruleset.publish_override")
    assert actor == admin.account.email and outcome == "ok"
    assert REASON in detail and "lib_bleeding_only" in detail and detail.startswith("version 2:")
    assert [o for _a, o, _d in audit(gated_app, "ruleset.publish")] == ["refused", "ok"]
    assert "2 0 % (0/1) below target" in text_of(admin.get("/rules/versions"))


def test_publishing_needs_the_csrf_token(gated_app: Flask, staff_login: Callable[..., Any]) -> None:
    admin = open_draft_without_four_eyes(gated_app, staff_login)
    change_the_title(admin)
    with gated_app.extensions["triage_db"].session() as session:
        lock = session.scalars(select(RulesetVersion.lock_version).where(RulesetVersion.status == "draft")).one()
    forged = admin.post("/rules/draft/publish", data={"summary": "Forged", "lock": str(lock)})
    assert forged.status_code == 400
    assert [v.status for v in versions(gated_app)] == ["published", "draft"]


def test_an_unreadable_case_library_holds_the_draft_and_names_the_file_and_line(
    gated_app: Flask, staff_login: Callable[..., Any], library: Path
) -> None:
    admin = open_draft_without_four_eyes(gated_app, staff_login)
    change_the_title(admin)
    (library / "broken.yaml").write_text("cases:\n  - id: lib_x\n    summary: [unclosed\n", encoding="utf-8")
    page = text_of(admin.get("/rules/draft/publish"))
    assert "the case library cannot be read" in page and "broken.yaml, line" in page
    refused = post_from_page(admin, "/rules/", "/rules/draft/publish", {"summary": "Retitled"})
    assert refused.status_code == 303 and [v.status for v in versions(gated_app)] == ["published", "draft"]
