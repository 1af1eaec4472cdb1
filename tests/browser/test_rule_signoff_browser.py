"""A clinician who is also a rules editor signs rules off in Chromium, on a laptop (1366 px) and a phone (390 px).

She opens the clinical sign-off queue, narrows it to rules resting on general knowledge, reads one rule and signs it
off with a comment; the rule leaves the queue and its page says who signed it and when. The feedback counts by reason
and the confirmation before a test case is removed are read on both screens. Every page is screenshotted and checked
with axe-core (no sideways scrolling, no serious or critical violations).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from tests.helpers.axe import check_page
from tests.helpers.browser import LAPTOP, PHONE, sign_in
from tests.helpers.staff import create_staff
from triage.db import intakes as queries
from triage.db.evaluations import current_ruleset, evaluate_for_storage
from triage.db.models import DifferentialFeedback, Evaluation
from triage.domain.questionnaire.questions import default_questionnaire

COMMENT = "Checked against my own practice and the BSG guideline: the rule fits adults referred with these symptoms."


def seed_feedback(server: Any, user_id: int) -> None:
    """Two evaluated intakes, with a clinician's agreement and a coded disagreement on coeliac disease."""
    with server.session() as session:
        for n, (agrees, code) in enumerate(((True, None), (False, "not_relevant"))):
            _token, intake = queries.create_invitation(
                session, ref=f"FB-{n}", questionnaire_version=default_questionnaire().version, expires_days=30
            )
            queries.save_step(session, intake, {"eats_gluten": True, "known_anaemia": "iron_deficiency"}, {})
            on = dt.datetime.now(dt.UTC).date()
            queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, on, current_ruleset(session)))
            evaluation = session.scalars(select(Evaluation).where(Evaluation.intake_id == intake.id)).one()
            session.add(
                DifferentialFeedback(
                    intake_id=intake.id,
                    evaluation_id=evaluation.id,
                    differential_id="celiac_disease",
                    user_id=user_id,
                    agrees=agrees,
                    reason="",
                    reason_code=code,
                )
            )


def test_a_clinician_signs_a_rule_off_from_the_queue_on_a_laptop_and_a_phone(new_context: Any, live_server: Any) -> None:
    signer = create_staff(live_server.app, ("clinician", "rules_editor"), email="dr.signer@example.org")
    seed_feedback(live_server, signer.id)
    page = new_context(viewport=LAPTOP).new_page()
    sign_in(page, signer, "signoff", start="/rules/sign-off")
    assert page.locator("h1").inner_text() == "Clinical sign-off of rules"
    check_page(page, "signoff-1366-01-queue", keep=True)
    page.get_by_label("Evidence").select_option("general")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "evidence=general" in page.url
    assert page.locator(".signoff-queue .tag", has_text="general knowledge").count() == page.locator(".signoff-queue li").count()
    check_page(page, "signoff-1366-02-general-knowledge", keep=True)
    first = page.locator(".signoff-queue .rule-title a").first
    title = first.inner_text()
    with page.expect_navigation():
        first.click()
    assert page.locator("h1").inner_text() == title
    check_page(page, "signoff-1366-03-rule", keep=True)
    page.get_by_label("Your sign-off comment").fill(COMMENT)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign off this rule as it stands").click()
    assert "is signed off as it stands" in page.locator(".notice").first.inner_text()
    assert page.locator(".signoff-queue .rule-title a", has_text=title).count() == 0
    check_page(page, "signoff-1366-04-after", keep=True)
    page.goto("/rules/?reviewed=yes")
    assert page.locator("[data-rule]:not([hidden]) .tag-signed").count() == 1
    check_page(page, "signoff-1366-04b-index-signed", keep=True)
    with page.expect_navigation():
        page.locator("[data-rule]:not([hidden]) .rule-title a").click()
    assert "Clinical sign-off: Signed off by dr.signer@example.org" in page.locator(".sentence-panel").inner_text()
    check_page(page, "signoff-1366-04c-rule-page", keep=True)

    page.goto("/rules/feedback")
    assert "1" in page.locator("#fb-celiac_disease").inner_text()
    check_page(page, "signoff-1366-05-feedback", keep=True)
    page.goto("/rules/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start a draft to change the rules").click()
    page.goto("/rules/draft/tests")
    remove = page.get_by_role("link", name="Remove case").first
    with page.expect_navigation():
        remove.click()
    assert page.locator("h1").inner_text().startswith("Remove test case")
    check_page(page, "signoff-1366-06-remove-case", keep=True)
    with page.expect_navigation():
        page.get_by_role("link", name="No, keep it").click()
    assert page.url.endswith("/rules/draft/tests")

    phone = new_context(viewport=PHONE).new_page()
    sign_in(phone, signer, "signoff-phone", start="/rules/sign-off")
    check_page(phone, "signoff-390-01-queue", keep=True)
    with phone.expect_navigation():
        phone.locator(".signoff-queue .rule-title a").first.click()
    check_page(phone, "signoff-390-02-rule", keep=True)
    phone.goto("/rules/sign-off?state=signed")
    assert phone.locator(".signoff-queue .rule-title a", has_text=title).count() == 1
    check_page(phone, "signoff-390-03-signed", keep=True)
    phone.goto("/rules/feedback")
    check_page(phone, "signoff-390-04-feedback", keep=True)
    phone.goto("/rules/draft/tests")
    with phone.expect_navigation():
        phone.get_by_role("link", name="Remove case").first.click()
    check_page(phone, "signoff-390-05-remove-case", keep=True)
