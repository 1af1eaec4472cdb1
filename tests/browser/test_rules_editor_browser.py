"""Two rules editors on laptops (1366x900) in Chromium: find a rule, change it, see tests and impact, review, publish.

The rules index is at most three screens tall by default and finds a rule by a word as the editor types. The author
opens a draft, weighs iron deficiency against coeliac disease (the rule tests fail, in plain words), fixes the
weight (the tests pass), reads the impact on past patients and opens one changed case side by side, then sends the
draft for review with a rationale. She cannot approve her own change; a second editor sees the draft waiting in the
header, must open the diff, the impact and the tests (the server checks), and approves with a comment; she publishes
it as version 2, and the history names author, reviewer, comment and publisher. Every page is screenshotted and
checked with axe-core.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from tests.helpers.axe import check_page
from tests.helpers.browser import LAPTOP, sign_in
from tests.helpers.pdf_jobs import run_jobs
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
RATIONALE = "Iron deficiency is weaker evidence for coeliac disease than +2 said (BSG 2021)."
COMMENT = "Checked the diff, the impact on past patients and the rule tests: agreed."
SCREENS = 3


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
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= SCREENS * LAPTOP["height"], f"the rules index is {height} px tall by default"
    check_page(page, "rules-author-03-rules")
    # Search as you type: one word finds the rule, its group opens, the others hide.
    assert not page.locator(f"#rule-{RULE}").is_visible()  # in a collapsed group
    page.get_by_label("Find a rule").press_sequentially("iron-deficiency")
    page.locator(f"#rule-{RULE}").wait_for(state="visible")
    assert "?q=iron-deficiency" in page.url
    matching = re.match(r"(\d+) of (\d+) rules match", page.locator("[data-finder-count]").inner_text())
    assert matching and 1 <= int(matching.group(1)) < int(matching.group(2)), matching
    assert page.locator("[data-rule]:not([hidden])").count() == int(matching.group(1))
    assert page.locator("details[data-group][open]").count() >= 1
    check_page(page, "rules-author-03b-search")
    with page.expect_navigation():
        page.locator(f"#rule-{RULE} .rule-title a").click()
    assert "Test cases covering this rule" in page.locator("main").inner_text()
    check_page(page, "rules-author-03c-rule-page")
    page.goto("/rules/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start a draft to change the rules").click()
    assert "Draft opened." in page.locator(".notice").first.inner_text()
    check_page(page, "rules-author-04-draft-open")

    # The rule, found by a word in the reloaded (server-filtered) page, then edited in a form.
    page.goto("/rules/?q=iron-deficiency+anaemia")
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
    # Counted by a background job: the author starts it, one round of the worker counts, the page refreshes itself.
    with page.expect_navigation():
        page.get_by_role("button", name="Count the impact").click()
    run_jobs(live_server.app)
    page.locator("#count-considered").wait_for(timeout=15_000)
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

    # The author sends the draft for review with her rationale.
    page.goto("/rules/")
    with page.expect_navigation():
        page.get_by_role("link", name="Send for review").click()
    page.get_by_label("Why the rules change").fill(RATIONALE)
    check_page(page, "rules-author-09b-review-request")
    with page.expect_navigation():
        page.get_by_role("button", name="Send for review").click()
    assert "The draft was sent for review" in page.locator(".notice").first.inner_text()

    # Four eyes: the author cannot approve her own change, and cannot publish it unapproved.
    assert page.get_by_role("link", name="Review this draft").count() == 0
    assert page.get_by_role("button", name="Publish as the next version").count() == 0
    assert "Awaiting approval by a second rules editor" in page.locator(".draft-panel").inner_text()

    second = new_context(viewport=LAPTOP).new_page()
    sign_in(second, reviewer, "rules-reviewer", start="/rules/")
    assert "waits for your review" in second.locator(".staff-nav").inner_text()
    assert RATIONALE in second.locator(".draft-panel").inner_text()
    check_page(second, "rules-reviewer-03-draft")
    with second.expect_navigation():
        second.get_by_role("link", name="Review this draft").click()
    second.get_by_label("Your review comment").fill(COMMENT)
    with second.expect_navigation():
        second.get_by_role("button", name="Approve this draft").click()
    assert "Open what the draft changes, the impact on past patients, the rule tests" in second.locator("form").last.inner_text()
    assert second.get_by_label("Your review comment").input_value() == COMMENT  # nothing typed is lost
    check_page(second, "rules-reviewer-04-refused")
    for link in ("What the draft changes", "The impact on past patients", "The rule tests"):
        second.goto("/rules/draft/approve")
        with second.expect_navigation():
            second.get_by_role("link", name=link).click()
        if link == "What the draft changes":
            assert "weight: 2 → 1" in second.locator("main").inner_text()
            check_page(second, "rules-reviewer-05-diff")
    second.goto("/rules/draft/approve")
    assert second.locator(".review-checks").inner_text().count("opened") == 3
    second.get_by_label("Your review comment").fill(COMMENT)
    with second.expect_navigation():
        second.get_by_role("button", name="Approve this draft").click()
    assert "You approved the draft." in second.locator(".notice").first.inner_text()
    assert f"Approved by {reviewer.email}" in second.locator(".draft-panel").inner_text()
    check_page(second, "rules-reviewer-06-approved")

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
    assert author.email in newest and RATIONALE in newest and COMMENT in newest
    check_page(page, "rules-author-11-versions")

    with live_server.session() as session:
        version = session.scalars(select(RulesetVersion).where(RulesetVersion.number == 2)).one()
        assert (version.status, version.approved_by, version.published_by) == ("published", reviewer.email, author.email)
        assert (version.review_rationale, version.approval_comment) == (RATIONALE, COMMENT)
