"""The draft as a change request over HTTP with CSRF on, on SQLite and PostgreSQL.

The author changes a weight and deletes a test case, sends the draft for review with a rationale; the reviewer is
emailed (real SMTP) and sees it in the header; the diff shows the values and the removed test case; approval needs a
comment and the diff, impact and tests opened (the server checks); the history shows author, reviewer, comment,
publisher. Only the author or an admin discards, after confirmation; a discarded draft and an earlier version restore.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.outbox import worker_for
from tests.helpers.rules_editor import (
    COMMENT,
    RATIONALE,
    form_fields,
    open_review_parts,
    post_from_page,
    send_for_review,
    text_of,
    versions,
)
from tests.helpers.smtp import SmtpServer
from triage.db import ruleset_restore
from triage.db.evaluations import bundled_ruleset
from triage.db.models import AuditEvent, RulesetReviewOpen
from triage.db.rulesets import RulesetRefused

EDITOR = ("rules_editor",)
EDIT = "/rules/draft/rules/cd_iron_deficiency"
APPROVE = "/rules/draft/approve"


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    """An app whose mail goes to the test's SMTP server."""
    return make_app(**smtp_server.settings(), MAIL_FROM="gut-triage@clinic.example")


def signed_in(app: Flask, staff_login: Callable[..., Any], roles: tuple[str, ...] = EDITOR, email: str | None = None) -> Any:
    """A client signed in with these roles (its account on `.account`)."""
    client = app.test_client()
    client.account = staff_login(client, roles=roles, email=email)  # type: ignore[attr-defined]
    return client


def first_case(app: Flask) -> tuple[str, str]:
    """The id and description of the draft's first test case."""
    [*_, draft] = versions(app)
    file = sorted(draft.tests)[0]
    case = draft.tests[file]["cases"][0]
    return case["id"], case["description"]


def actions(app: Flask, action: str) -> list[tuple[str, str]]:
    """(actor, outcome) of the audit rows of one action."""
    with app.extensions["triage_db"].session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [(r.actor, r.outcome) for r in rows]


def test_review_as_a_change_request(mail_app: Flask, smtp_server: SmtpServer, staff_login: Callable[..., Any]) -> None:
    app = mail_app
    author = signed_in(app, staff_login, email="ana.rules@example.org")
    reviewer = signed_in(app, staff_login, email="ben.rules@example.org")
    clinician = signed_in(app, staff_login, roles=("clinician",))
    assert post_from_page(author, "/rules/", "/rules/draft").status_code == 303
    assert post_from_page(author, EDIT, EDIT, {"weight": "1"}, ("action", "save")).status_code == 303
    case_id, description = first_case(app)
    remove = f"/rules/draft/cases/{case_id}/remove"
    assert f'href="{remove}"' in author.get("/rules/draft/tests").get_data(as_text=True)  # a link to the confirmation
    removed = post_from_page(author, remove, remove)
    assert removed.status_code == 303

    # The diff shows values and the removed test case, so a deleted blocking test cannot pass unseen.
    diff = html.unescape(text_of(author.get("/rules/compare?old=1&new=draft")))
    assert "weight: 2 → 1" in diff and "0 rules added, 0 removed, 1 changed" in diff
    assert "Test cases: 0 added, 1 removed, 0 changed" in diff
    assert f"Test case {case_id} was removed (it no longer guards the rules): {description}" in diff

    # Asking for review needs a rationale; a short one is refused naming the field and keeping what was typed.
    short = post_from_page(author, "/rules/draft/review-request", "/rules/draft/review-request", {"rationale": "weaker"})
    assert short.status_code == 400
    page = text_of(short)
    assert "Write why the rules change (at least 10 characters)" in page and "weaker" in page
    assert "Why the rules change" in page
    assert b"waits for your review" not in reviewer.get("/rules/").data
    sent = send_for_review(author)
    assert sent.status_code == 303 and sent.location.endswith("/rules/")
    assert "1 rules editors were emailed" in text_of(author.get("/rules/"))
    assert worker_for(app).run_round().sent == 1
    [mail] = smtp_server.messages()
    assert mail.rcpt_tos == ("ben.rules@example.org",) and "waits for your review" in mail.email["Subject"]
    assert "/rules/draft/approve" in mail.body() and "ana.rules@example.org" in mail.body()
    home = text_of(reviewer.get("/rules/"))
    assert "Rules draft" in home and "waits for your review" in home and RATIONALE in home
    assert b"waits for your review" not in author.get("/rules/").data  # the author does not review their own draft

    # Roles and CSRF on the approval.
    assert clinician.get(APPROVE).status_code == 403
    fields = dict(form_fields(reviewer.get(APPROVE).data, APPROVE))
    assert reviewer.post(APPROVE, data={k: v for k, v in fields.items() if k != "csrf_token"}).status_code == 400

    # No comment, then nothing opened: refused, in words naming the field and what is missing.
    empty = post_from_page(reviewer, APPROVE, APPROVE, {"comment": ""})
    assert empty.status_code == 400 and "Write your review comment (at least 3 characters)" in text_of(empty)
    unopened = post_from_page(reviewer, APPROVE, APPROVE, {"comment": COMMENT})
    page = text_of(unopened)
    assert unopened.status_code == 400 and COMMENT in page
    assert "Open what the draft changes, the impact on past patients, the rule tests before approving" in page
    open_review_parts(reviewer, ("diff", "impact"))
    partly = post_from_page(reviewer, APPROVE, APPROVE, {"comment": COMMENT})
    assert partly.status_code == 400 and "Open the rule tests before approving" in text_of(partly)
    open_review_parts(reviewer, ("tests",))
    approved = post_from_page(reviewer, APPROVE, APPROVE, {"comment": COMMENT})
    assert approved.status_code == 303 and "You approved the draft" in text_of(reviewer.get("/rules/"))
    with app.extensions["triage_db"].session() as session:
        seen = {(o.reviewer, o.part) for o in session.scalars(select(RulesetReviewOpen))}
    assert {("ben.rules@example.org", p) for p in ("diff", "impact", "tests")} <= seen

    published = post_from_page(author, "/rules/", "/rules/draft/publish", {"summary": "Iron deficiency counts +1."})
    assert published.status_code == 303
    history = text_of(author.get("/rules/versions"))
    assert f"ana.rules@example.org, {versions(app)[-1].created_at.date().isoformat()}" in history
    assert f"“{RATIONALE}”" in history and "ben.rules@example.org" in history and f"“{COMMENT}”" in history
    assert "by ana.rules@example.org" in history
    newest = versions(app)[-1]
    assert (newest.approved_by, newest.approval_comment, newest.review_rationale) == (
        reviewer.account.email,
        COMMENT,
        RATIONALE,
    )


def test_a_change_after_the_reviewer_opened_the_parts_needs_them_opened_again(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    author, reviewer = signed_in(app, staff_login), signed_in(app, staff_login)
    assert post_from_page(author, "/rules/", "/rules/draft").status_code == 303
    assert post_from_page(author, EDIT, EDIT, {"weight": "1"}, ("action", "save")).status_code == 303
    assert post_from_page(reviewer, APPROVE, APPROVE, {"comment": COMMENT}).status_code == 303  # not sent: refused
    assert actions(app, "ruleset.approve") == [(reviewer.account.email, "refused")]
    assert send_for_review(author).status_code == 303
    open_review_parts(reviewer)
    assert post_from_page(author, EDIT, EDIT, {"title": "Iron-deficiency anaemia, unexplained"}, ("action", "save"))
    again = post_from_page(reviewer, APPROVE, APPROVE, {"comment": COMMENT})
    assert again.status_code == 400 and "Open what the draft changes" in text_of(again)


def test_only_the_author_or_an_admin_discards_after_confirming_and_it_can_be_restored(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    author, other = signed_in(app, staff_login), signed_in(app, staff_login)
    assert post_from_page(author, "/rules/", "/rules/draft").status_code == 303
    assert b"Discard the draft" not in other.get("/rules/").data
    posted = dict(form_fields(author.get("/rules/").data, "/rules/draft/discard"))
    token = csrf_token(other.get("/rules/").data)
    refused = other.post("/rules/draft/discard", data={**posted, "csrf_token": token, "confirm": "yes"})
    assert refused.status_code == 303
    refusal = f"only the draft's author ({author.account.email}) or an administrator can discard it"
    assert refusal in html.unescape(text_of(other.get("/rules/")))
    assert [v.status for v in versions(app)] == ["published", "draft"]

    confirm = post_from_page(author, "/rules/", "/rules/draft/discard")
    assert confirm.status_code == 200 and "Discard draft" in text_of(confirm)
    assert "restored from the versions page for 30 days" in text_of(confirm)
    assert [v.status for v in versions(app)] == ["published", "draft"]  # nothing happens without the confirmation
    done = post_from_page(author, confirm, "/rules/draft/discard")
    assert done.status_code == 303 and [v.status for v in versions(app)] == ["published", "discarded"]
    assert actions(app, "ruleset.draft_discard") == [(other.account.email, "refused"), (author.account.email, "ok")]

    [*_, discarded] = versions(app)
    history = text_of(other.get("/rules/versions"))
    assert f"discarded by {author.account.email}" in history
    restore = f"/rules/discarded/{discarded.id}/restore"
    assert post_from_page(other, "/rules/versions", restore).status_code == 303
    assert [v.status for v in versions(app)] == ["published", "draft"]
    assert "is open again" in text_of(other.get("/rules/"))

    admin = signed_in(app, staff_login, roles=("rules_editor", "admin"))
    confirm = post_from_page(admin, "/rules/", "/rules/draft/discard")
    assert post_from_page(admin, confirm, "/rules/draft/discard").status_code == 303
    assert versions(app)[-1].discarded_by == admin.account.email
    with app.extensions["triage_db"].session() as session:
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
        assert ruleset_restore.discarded_drafts(session, later) == []
        with pytest.raises(RulesetRefused, match="for 30 days only"):
            ruleset_restore.restore_discarded(session, discarded.id, "someone@example.org", later)


def test_an_earlier_version_comes_back_as_a_new_draft_through_tests_and_review(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    author = signed_in(app, staff_login)
    admin = signed_in(app, staff_login, roles=("admin",))
    assert post_from_page(admin, "/rules/settings", "/rules/settings", {"four_eyes": []}).status_code == 303
    assert post_from_page(author, "/rules/", "/rules/draft").status_code == 303
    assert post_from_page(author, EDIT, EDIT, {"weight": "1"}, ("action", "save")).status_code == 303
    assert post_from_page(author, "/rules/", "/rules/draft/publish", {"summary": "Weight 1"}).status_code == 303
    first, second = versions(app)
    assert b"Restore version 1 as a new draft" in author.get("/rules/versions").data
    assert b"Restore version 2 as a new draft" not in author.get("/rules/versions").data  # it is in use
    assert post_from_page(author, "/rules/versions", "/rules/versions/1/restore").status_code == 303
    *_, draft = versions(app)
    assert (draft.status, draft.restored_from_id, draft.based_on_id) == ("draft", first.id, second.id)
    assert draft.tests == first.tests and draft.test_report["passed"] == draft.test_report["total"] > 0
    body = {k: v for k, v in draft.documents.items() if k != "ruleset.yaml"}
    assert body == {k: v for k, v in first.documents.items() if k != "ruleset.yaml"}
    assert draft.label not in (first.label, second.label)
    assert "restoring version 1" in text_of(author.get("/rules/"))
    assert "weight: 1 → 2" in text_of(author.get("/rules/compare?old=2&new=draft"))
    assert b"Restore version 1 as a new draft" not in author.get("/rules/versions").data  # a draft is open


def test_a_test_cases_expectations_are_edited_and_the_change_shows_in_the_diff(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    author = signed_in(app, staff_login)
    assert post_from_page(author, "/rules/", "/rules/draft").status_code == 303
    case_id, _description = first_case(app)
    [*_, draft] = versions(app)
    file = sorted(draft.tests)[0]
    before = draft.tests[file]["cases"][0]
    page = f"/rules/draft/cases/{case_id}"
    assert f'href="{page}"' in author.get("/rules/draft/tests").get_data(as_text=True)
    names = {d.id: d.name for d in bundled_ruleset().differentials}
    old_first = before["expect"]["first"]
    new_first = next(d for d in names if d != old_first)
    unknown = post_from_page(author, page, page, {"first": "no_such_condition"})
    assert unknown.status_code == 400 and "no_such_condition" in html.unescape(text_of(unknown))
    saved = post_from_page(author, page, page, {"first": new_first, "description": "Edited expectations"})
    assert saved.status_code == 303 and saved.location.endswith("/rules/draft/tests")
    assert f"Test case {case_id} saved. Rule tests:" in text_of(author.get("/rules/draft/tests"))
    [*_, draft] = versions(app)
    after = draft.tests[file]["cases"][0]
    assert (after["id"], after["answers"], after["on"]) == (before["id"], before["answers"], before["on"])
    assert after["expect"]["first"] == new_first and after["description"] == "Edited expectations"
    assert {k: v for k, v in after["expect"].items() if k != "first"} == {
        k: v for k, v in before["expect"].items() if k != "first"
    }  # the other expectations stay
    diff = html.unescape(text_of(author.get("/rules/compare?old=1&new=draft")))
    assert f"Test case {case_id} was changed" in diff
    assert f"expects first: {names[old_first]} → {names[new_first]}" in diff
    assert signed_in(app, staff_login, roles=("clinician",)).get(page).status_code == 403
