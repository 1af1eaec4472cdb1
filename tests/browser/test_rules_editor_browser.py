"""Two rules editors on laptops (1366x900) in Chromium: change a rule, see the tests and the impact, approve, publish.

The author opens a draft, weighs iron deficiency against coeliac disease (the rule tests fail, in plain words),
fixes the weight (the tests pass), reads the impact on past patients and opens one changed case side by side.
She cannot approve her own change; a second editor approves it; she publishes it as version 2. Every page is
screenshotted and checked with axe-core.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from tests.helpers.axe import check_page
from tests.helpers.browser import LAPTOP, sign_in
from tests.helpers.staff import create_staff
from triage.db import intakes as queries
from triage.db.evaluations import bundled_ruleset, current_ruleset, evaluate_for_storage
from triage.db.models import RulesetVersion
from triage.domain.engine.cases import RuleCase, load_rule_tests
from triage.domain.engine.evaluate import evaluate, load_ruleset_from_documents
from triage.domain.engine.impact import changes_between
from triage.domain.questionnaire.questions import default_questionnaire
from triage.paths import resource_dir

RULE = "cd_iron_deficiency"
SUMMARY = "Iron deficiency counts +1, not +2, for coeliac disease."


def seed_past_intakes(server: Any) -> list[RuleCase]:
    """One submitted, evaluated intake per case of the default ruleset's own tests: varied past patients."""
    cases = load_rule_tests(resource_dir("rules") / "tests", bundled_ruleset())
    with server.session() as session:
        for case in cases:
            _token, intake = queries.create_invitation(
                session, ref=f"R-{case.id[:50]}", questionnaire_version=default_questionnaire().version, expires_days=30
            )
            queries.save_step(session, intake, dict(case.answers), {})
            queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, case.on, current_ruleset(session)))
    return cases


def expected_changes(cases: list[RuleCase], weight: int) -> int:
    """How many of these intakes' results the one-rule change alters, from a full evaluation of each (the oracle).

    The impact view evaluates each intake with both versions on the day it was submitted (today, in UTC)."""
    documents = bundled_ruleset().documents
    for name, document in documents.items():
        for rule in document.get("rules", []) if name != "ruleset.yaml" else []:
            if rule["id"] == RULE:
                rule["weight"] = weight
    draft, current = load_ruleset_from_documents(documents), bundled_ruleset()
    today = dt.datetime.now(dt.UTC).date()
    return sum(1 for c in cases if changes_between(evaluate(current, c.answers, on=today), evaluate(draft, c.answers, on=today)))


def save_weight(page: Any, weight: str) -> None:
    page.get_by_label("Weight", exact=True).fill(weight)
    with page.expect_navigation():
        page.get_by_role("button", name="Save the rule").first.click()


def count(page: Any, which: str) -> int:
    return int(page.locator(f"#count-{which}").inner_text())


def test_rules_editors_change_a_rule_see_its_impact_and_publish_with_a_second_approval(
    new_context: Any, live_server: Any
) -> None:
    cases = seed_past_intakes(live_server)
    author = create_staff(live_server.app, ("rules_editor",), email="ana.rules@example.org")
    reviewer = create_staff(live_server.app, ("rules_editor",), email="ben.rules@example.org")
    page = new_context(viewport=LAPTOP).new_page()

    sign_in(page, author, "rules-author", start="/rules/")
    assert page.url.endswith("/rules/") and page.locator("h1").inner_text() == "Rules"
    check_page(page, "rules-author-03-rules")
    with page.expect_navigation():
        page.get_by_role("button", name="Start a draft to change the rules").click()
    assert "Draft opened." in page.locator(".notice").first.inner_text()
    check_page(page, "rules-author-04-draft-open")

    # The rule, in plain words, then edited in a form.
    with page.expect_navigation():
        page.get_by_role("link", name=f"Edit rule {RULE}").click()
    assert page.locator("h1").inner_text() == f"Rule {RULE}"
    assert "THEN Coeliac disease +2" in page.locator(".sentence-panel").inner_text()
    check_page(page, "rules-author-05-rule")
    save_weight(page, "-10")
    assert "THEN Coeliac disease -10" in page.locator(".sentence-panel").inner_text()
    report = page.locator("section.tests").inner_text()
    failing = re.search(r"(\d+) of (\d+) test cases pass; (\d+) fail", report)
    assert failing and int(failing.group(3)) >= 1, report
    assert "expected celiac_disease to rank first" in report
    check_page(page, "rules-author-06-tests-failing")
    save_weight(page, "1")
    assert "THEN Coeliac disease +1" in page.locator(".sentence-panel").inner_text()
    passing = re.search(r"(\d+) of (\d+) test cases pass\.", page.locator("section.tests").inner_text())
    assert passing and passing.group(1) == passing.group(2)
    check_page(page, "rules-author-07-tests-passing")

    # The impact on past patients, counted as a full re-evaluation of each would.
    with page.expect_navigation():
        page.get_by_role("link", name="Back to the rules").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Impact on past patients").click()
    changed = expected_changes(cases, 1)
    assert changed > 0
    assert count(page, "considered") == len(cases)
    assert count(page, "changed") == changed
    assert count(page, "level-changed") >= 1
    assert 1 <= page.locator("table.worklist tbody tr").count() <= changed
    check_page(page, "rules-author-08-impact")
    with page.expect_navigation():
        page.locator("table.worklist tbody th a").first.click()
    assert "/rules/draft/impact/" in page.url
    check_page(page, "rules-author-09-impact-case")

    # Four eyes: the author cannot approve her own change, and cannot publish it unapproved.
    page.goto("/rules/")
    assert page.get_by_role("button", name="Approve this draft").count() == 0
    assert page.get_by_role("button", name="Publish as the next version").count() == 0
    assert "Awaiting approval by a second rules editor" in page.locator(".draft-panel").inner_text()

    second = new_context(viewport=LAPTOP).new_page()
    sign_in(second, reviewer, "rules-reviewer", start="/rules/")
    check_page(second, "rules-reviewer-03-draft")
    with second.expect_navigation():
        second.get_by_role("button", name="Approve this draft").click()
    assert "You approved the draft." in second.locator(".notice").first.inner_text()
    assert f"Approved by {reviewer.email}" in second.locator(".draft-panel").inner_text()
    check_page(second, "rules-reviewer-04-approved")

    page.reload()
    page.get_by_label("Summary of the change").fill(SUMMARY)
    with page.expect_navigation():
        page.get_by_role("button", name="Publish as the next version").click()
    assert "Version 2 is published" in page.locator(".notice").first.inner_text()
    check_page(page, "rules-author-10-published")
    with page.expect_navigation():
        page.get_by_role("link", name="Versions", exact=True).click()
    newest = page.locator("table.worklist tbody tr").first.inner_text()
    assert newest.startswith("2") and reviewer.email in newest and SUMMARY in newest
    check_page(page, "rules-author-11-versions")

    with live_server.session() as session:
        version = session.scalars(select(RulesetVersion).where(RulesetVersion.number == 2)).one()
        assert (version.status, version.approved_by, version.published_by) == ("published", reviewer.email, author.email)
