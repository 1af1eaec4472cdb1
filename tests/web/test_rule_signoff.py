"""Clinical sign-off of rules: the review queue and its filters, who may sign, the comment, and a change undoing it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.rules_editor import form_fields, post_from_page, text_of
from triage.db.evaluations import bundled_ruleset
from triage.db.models import AuditEvent, RuleSignoff
from triage.domain.engine.diff import rules_by_id
from triage.domain.governance.rule_index import is_general_knowledge

RULE = "aig_b12_test_abnormal"  # weight 2, cites the BSH guideline
PAGE = f"/rules/sign-off/{RULE}"
SIGNER = ("clinician", "rules_editor")
COMMENT = "Checked against BSH 2014 table 2: an abnormal B12 is the usual first clue."


def rule_count() -> tuple[int, int]:
    """How many bundled rules there are, and how many rest on general knowledge."""
    rules = [dict(r, source=str(r.get("source") or "")) for _f, r in rules_by_id(bundled_ruleset().documents).values()]
    return len(rules), sum(1 for r in rules if is_general_knowledge(r))


def audit_rows(app: Flask, action: str) -> list[AuditEvent]:
    """Audit rows of one action, oldest first."""
    with app.extensions["triage_db"].session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def sign(client: FlaskClient, comment: str = COMMENT, page: str = PAGE) -> Any:
    """Post the sign-off form as the page shows it, with a comment."""
    return post_from_page(client, page, page, {"comment": comment})


@pytest.fixture
def signer(app: Flask, staff_login: Callable[..., Any]) -> FlaskClient:
    """A clinician who is also a rules editor: the one who may sign rules off."""
    client = app.test_client()
    staff_login(client, roles=SIGNER, email="dr.signer@example.org")
    return client


def test_the_queue_lists_every_rule_awaiting_sign_off_and_filters_by_evidence_and_differential(
    app: Flask, signer: FlaskClient
) -> None:
    total, general = rule_count()
    page = text_of(signer.get("/rules/sign-off"))
    assert f"0 of {total} signed off" in page and f"{total} never signed off" in page
    assert f"{total} rules, page 1 of {-(-total // 25)}" in page and "Next page" in page
    assert f"{general} rules" in text_of(signer.get("/rules/sign-off?evidence=general&page=99"))
    assert f"{total - general} rules" in text_of(signer.get("/rules/sign-off?evidence=guideline"))
    celiac = [r for _f, r in rules_by_id(bundled_ruleset().documents).values() if r.get("differential") == "celiac_disease"]
    pages = -(-len(celiac) // 25)  # 25 to a page; the filter keeps its pages
    listed = "".join(
        signer.get(f"/rules/sign-off?differential=celiac_disease&page={n}").get_data(as_text=True) for n in range(1, pages + 1)
    )
    assert f"{len(celiac)} rules" in text_of(signer.get("/rules/sign-off?differential=celiac_disease"))
    assert all(f"/rules/sign-off/{r['id']}" in listed for r in celiac)
    bad = text_of(signer.get("/rules/sign-off?evidence=hearsay"))
    assert "“Evidence”: that is not one of the choices, so it was not used." in bad and f"{total} rules" in bad


def test_a_sign_off_needs_a_comment_records_who_when_and_the_hash_and_leaves_the_queue(app: Flask, signer: FlaskClient) -> None:
    total, _general = rule_count()
    short = sign(signer, "fine")
    assert short.status_code == 400
    assert "“Your sign-off comment”: write what you checked (at least 10 characters)." in text_of(short)
    assert ">fine</textarea>" in short.get_data(as_text=True)  # what was typed stays
    opened = dict(form_fields(signer.get(PAGE).data, PAGE)) | {"comment": COMMENT}
    done = sign(signer)
    assert done.status_code == 303 and done.location.endswith("/rules/sign-off")
    queue = html.unescape(text_of(signer.get("/rules/sign-off")))
    assert f"1 of {total} signed off" in queue and "is signed off as it stands" in queue
    assert f"/rules/sign-off/{RULE}" not in signer.get("/rules/sign-off").get_data(as_text=True)
    assert f"/rules/sign-off/{RULE}" in signer.get("/rules/sign-off?state=signed").get_data(as_text=True)
    with app.extensions["triage_db"].session() as session:
        [row] = session.scalars(select(RuleSignoff)).all()
        assert (row.rule_id, row.signed_by, row.comment) == (RULE, "dr.signer@example.org", COMMENT)
        assert len(row.sha256) == 64 and row.content["weight"] == 2 and "reviewed" not in row.content
    [event] = audit_rows(app, "rule.signoff")
    assert event.actor == "dr.signer@example.org" and RULE in event.detail and event.outcome == "ok"

    page = text_of(signer.get(PAGE))
    assert "Signed off by dr.signer@example.org" in page and "Sign off this rule as it stands" not in page
    rule_page = html.unescape(text_of(signer.get(f"/rules/rules/{RULE}")))
    assert "Clinical sign-off: Signed off by dr.signer@example.org" in rule_page and COMMENT in rule_page
    index = signer.get("/rules/?reviewed=yes").get_data(as_text=True)
    assert re.findall(r'<li class="rule-item" id="rule-([a-z0-9_]+)" data-rule (?!hidden)', index) == [RULE]
    assert f"{total - 1} awaiting" in text_of(signer.get("/rules/"))
    again = signer.post(PAGE, data=opened)  # the same page posted twice: this state is already signed off
    assert again.status_code == 303 and again.location.endswith(PAGE)
    assert "Not signed off: dr.signer@example.org already signed off this rule as it stands." in text_of(signer.get(PAGE))
    assert [e.outcome for e in audit_rows(app, "rule.signoff")] == ["ok", "refused"]


def test_changing_the_rule_brings_it_back_to_the_queue_with_what_changed(app: Flask, signer: FlaskClient) -> None:
    total, _general = rule_count()
    assert sign(signer).status_code == 303
    assert post_from_page(signer, "/rules/", "/rules/draft").status_code == 303
    history = text_of(signer.get("/rules/versions"))
    assert history.count(f"1 of {total} rules clinically signed off") == 2  # version 1 and the draft copied from it
    edit = f"/rules/draft/rules/{RULE}"
    assert post_from_page(signer, edit, edit, {"weight": "1"}, ("action", "save")).status_code == 303
    history = text_of(signer.get("/rules/versions"))
    assert f"1 of {total} rules clinically signed off" in history and f"0 of {total} rules" in history
    # The rules in use are still signed off; the draft's rule changed, so it waits again, with the change shown.
    assert f"/rules/sign-off/{RULE}" not in signer.get("/rules/sign-off").get_data(as_text=True)
    drafted = signer.get("/rules/sign-off?of=draft&state=changed").get_data(as_text=True)
    assert f"/rules/sign-off/{RULE}?of=draft" in drafted and "1 rule<" in drafted
    page = html.unescape(text_of(signer.get(f"{PAGE}?of=draft")))
    assert "Changed since its last sign-off by dr.signer@example.org" in page and "weight: 2 → 1" in page
    index = text_of(signer.get("/rules/"))
    assert f"{RULE} changed since its sign-off, awaiting review" in index
    assert sign(signer, "Weight 1 is right: B12 tests are often repeated.", f"{PAGE}?of=draft").status_code == 303
    with app.extensions["triage_db"].session() as session:
        assert [r.content["weight"] for r in session.scalars(select(RuleSignoff).order_by(RuleSignoff.id))] == [2, 1]


def test_a_page_read_before_a_change_is_not_signed_off(app: Flask, signer: FlaskClient) -> None:
    assert post_from_page(signer, "/rules/", "/rules/draft").status_code == 303
    before = signer.get(f"{PAGE}?of=draft")
    edit = f"/rules/draft/rules/{RULE}"
    assert post_from_page(signer, edit, edit, {"weight": "3"}, ("action", "save")).status_code == 303
    fields = dict(form_fields(before.data, f"{PAGE}?of=draft")) | {"comment": COMMENT}
    stale = signer.post(f"{PAGE}?of=draft", data=fields)
    assert stale.status_code == 409 and "The rule changed since you opened it" in text_of(stale)
    with app.extensions["triage_db"].session() as session:
        assert session.scalars(select(RuleSignoff)).all() == []


def test_only_a_clinician_who_is_also_a_rules_editor_may_sign(app: Flask, staff_login: Callable[..., Any]) -> None:
    editor = app.test_client()
    staff_login(editor, roles=("rules_editor",), email="ed.only@example.org")
    page = editor.get(PAGE)
    assert page.status_code == 200 and "Sign off this rule as it stands" not in text_of(page)
    assert "Signing off needs both the clinician and the rules editor roles" in text_of(editor.get("/rules/sign-off"))
    token = csrf_token(page.data)
    refused = editor.post(PAGE, data={"csrf_token": token, "comment": COMMENT, "sha256": "0" * 64})
    assert refused.status_code == 403
    assert [(e.actor, e.outcome) for e in audit_rows(app, "authz.denied")] == [("ed.only@example.org", "denied")]
    clinician = app.test_client()
    staff_login(clinician, roles=("clinician",))
    assert clinician.get("/rules/sign-off").status_code == 403  # the rules area stays closed to clinicians alone
    assert clinician.post(PAGE, data={"csrf_token": csrf_token(clinician.get("/staff/account").data)}).status_code == 403
    with app.extensions["triage_db"].session() as session:
        assert session.scalars(select(RuleSignoff)).all() == []
