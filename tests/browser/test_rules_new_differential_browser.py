"""Two rules editors who have never seen YAML, in Chromium on a laptop: a new differential from start to rollback.

The author finds a rule by a word in under 10 seconds, opens a draft, adds the differential "Colorectal cancer" with
its thresholds, a rule that weighs it (the question chosen by typing), a test case copied from a past intake that
expects it, and changes an existing test case's expectations in place. She sends the draft for review with her
rationale. The second editor sees it waiting, opens the diff (the new differential, the rule and both test-case
changes are in it), counts the impact and opens the tests, and approves with a comment; the author publishes it.
Then they roll back the same way: version 1 is restored as a new draft, reviewed, approved and published as
version 3, and the differential is gone. Every page is screenshotted and checked with axe-core.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from tests.helpers.axe import check_page
from tests.helpers.browser import LAPTOP, NARROW, PHONE, sign_in
from tests.helpers.pdf_jobs import run_jobs
from tests.helpers.staff import create_staff
from triage.db import intakes as queries
from triage.db.evaluations import bundled_ruleset, current_ruleset, evaluate_for_storage
from triage.db.models import RulesetVersion
from triage.domain.engine.cases import RuleCase, load_rule_tests
from triage.domain.questionnaire.questions import default_questionnaire
from triage.paths import resource_dir

NAME = "Colorectal cancer"
RULE_ID = "crc_mucus"
RULE_TITLE = "Mucus in the stools"
# A bundled case whose patient passes mucus: the new rule makes the new differential one of its top three.
CASE = "uc_bloody_diarrhoea_former_smoker"
NEW_CASE = "crc_mucus_from_intake"
RATIONALE = "Adds colorectal cancer as a differential weighed by mucus in the stools, with two test cases (NICE NG12)."
COMMENT = "Opened the diff, the impact and the tests; the new differential and both cases read right."
ROLLBACK = "Rolls back to version 1: the colorectal-cancer differential needs a committee decision first."
SLOW_MS = 60_000  # opening a draft or saving runs every rule test case; the shared test machine is slow
FIND_SECONDS = 10


def seed_intakes(server: Any, wanted: int = 12) -> dict[str, int]:
    """Submitted, evaluated intakes from the first bundled rule-test cases and the mucus case; their numbers by case."""
    cases: list[RuleCase] = load_rule_tests(resource_dir("rules") / "tests", bundled_ruleset())
    chosen = [c for c in cases if c.id == CASE] + [c for c in cases if c.id != CASE][: wanted - 1]
    numbers = {}
    with server.session() as session:
        for case in chosen:
            _token, intake = queries.create_invitation(
                session, ref=f"N-{case.id[:50]}", questionnaire_version=default_questionnaire().version, expires_days=30
            )
            queries.save_step(session, intake, dict(case.answers), {})
            queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, case.on, current_ruleset(session)))
            numbers[case.id] = intake.id
    return numbers


def notice(page: Any) -> str:
    return str(page.locator(".notice").first.inner_text())


def click_to_page(page: Any, role: str, name: str, timeout: int = SLOW_MS) -> None:
    with page.expect_navigation(timeout=timeout):
        page.get_by_role(role, name=name).first.click()


def find_a_rule_by_a_word(page: Any) -> float:
    """Type a word into the finder; the seconds until the first matching rule shows."""
    started = time.monotonic()
    page.get_by_label("Find a rule").press_sequentially("calprotectin")
    page.locator("[data-rule]:not([hidden])").first.wait_for(state="visible")
    found = time.monotonic() - started
    assert "calprotectin" in page.locator("[data-rule]:not([hidden])").first.inner_text().lower()
    return found


def add_the_differential(page: Any) -> None:
    click_to_page(page, "link", "Add a differential")
    check_page(page, "rules-new-02-differential-form")
    page.get_by_label("Name", exact=True).fill(NAME)
    page.get_by_label("Description").fill("Cancer of the colon or rectum; found by FIT and colonoscopy.")
    for level, score in (("low", "2"), ("moderate", "4"), ("high", "6")):
        page.get_by_label(f"Score for {level} suspicion").fill(score)
    click_to_page(page, "button", "Save")
    assert f"The new differential “{NAME}” saved." in notice(page)
    assert page.locator(f"details[data-group] summary:has-text('{NAME}')").count() == 1
    check_page(page, "rules-new-03-differential-saved")


def add_its_rule(page: Any) -> None:
    click_to_page(page, "link", "Add a rule")
    page.get_by_label("Rule id").fill(RULE_ID)
    page.get_by_label("Topic").select_option("mimics.yaml")
    page.get_by_label("Title").fill(RULE_TITLE)
    page.get_by_label("Explanation (one plain sentence)").fill("Mucus in the stools is a feature of colorectal cancer.")
    page.get_by_label("Differential", exact=True).select_option(label=NAME)
    page.get_by_label("Weight", exact=True).fill("3")
    box = page.get_by_role("combobox", name="Question")
    box.click()
    page.keyboard.type("mucus")
    page.locator("#f-c-r-question-list [role=option]:visible", has_text="mucus").first.click()
    assert page.locator("select[name='c-r-question']").input_value() == "mucus"
    page.get_by_label("Answer", exact=True).select_option("yes")
    page.get_by_label("Source (guideline or paper, with year)").fill("NICE NG12 Suspected cancer (2015)")
    page.get_by_label("Author").fill("Ana Rules")
    page.locator("#rule-sentence").filter(has_text=f"THEN {NAME} +3").wait_for()
    check_page(page, "rules-new-04-rule-form")
    click_to_page(page, "button", "Save the rule")
    assert f"Rule {RULE_ID} saved." in notice(page) and "failing" not in notice(page)


def add_a_case_from_an_intake(page: Any, intake_id: int) -> None:
    page.goto("/rules/draft/tests")
    page.get_by_label("Intake number").fill(str(intake_id))
    click_to_page(page, "button", "Copy this intake")
    page.get_by_label("Case id").fill(NEW_CASE)
    page.get_by_label("Description").fill("Bloody diarrhoea with mucus: colorectal cancer among the first three.")
    top = page.get_by_role("group", name="Differentials that must be in the top 3")
    for box in top.get_by_role("checkbox").all():
        box.uncheck()
    top.get_by_label(NAME, exact=True).check()
    check_page(page, "rules-new-05-case-form")
    click_to_page(page, "button", "Add the test case to the draft")
    assert f"Test case {NEW_CASE} added." in notice(page) and "failing" not in notice(page)


def change_an_existing_case(page: Any) -> None:
    page.goto("/rules/draft/tests")
    click_to_page(page, "link", f"Edit case {CASE}")
    top = page.get_by_role("group", name="Differentials that must be in the top 3")
    top.get_by_label(NAME, exact=True).check()
    check_page(page, "rules-new-06-case-edit")
    click_to_page(page, "button", "Save the test case")
    assert "failing" not in notice(page), notice(page)


def send_for_review(page: Any, rationale: str) -> None:
    page.goto("/rules/")
    click_to_page(page, "link", "Send for review")
    page.get_by_label("Why the rules change").fill(rationale)
    click_to_page(page, "button", "Send for review")
    assert "The draft was sent for review" in notice(page)


def review_and_approve(page: Any, server: Any, shots: str, expect_in_diff: list[str]) -> None:
    """The second editor: the draft waits in the header; she opens diff, impact (counted) and tests, then approves."""
    page.goto("/rules/")
    assert "waits for your review" in page.locator(".staff-nav").inner_text()
    click_to_page(page, "link", "Review this draft")
    click_to_page(page, "link", "What the draft changes")
    diff = page.locator("main").inner_text()
    for words in expect_in_diff:
        assert words in diff, words
    check_page(page, f"{shots}-diff")
    page.goto("/rules/draft/approve")
    click_to_page(page, "link", "The impact on past patients")
    click_to_page(page, "button", "Count the impact")
    run_jobs(server.app)
    page.locator("#count-considered").wait_for(timeout=15_000)
    check_page(page, f"{shots}-impact")
    page.goto("/rules/draft/approve")
    click_to_page(page, "link", "The rule tests")
    page.goto("/rules/draft/approve")
    assert page.locator(".review-checks").inner_text().count("opened") == 3
    page.get_by_label("Your review comment").fill(COMMENT)
    click_to_page(page, "button", "Approve this draft")
    assert "You approved the draft." in notice(page)
    check_page(page, f"{shots}-approved")


def publish(page: Any, summary: str, number: int) -> None:
    page.goto("/rules/")
    page.get_by_label("Summary of the change").fill(summary)
    click_to_page(page, "button", "Publish as the next version")
    assert f"Version {number} is published" in notice(page)


def test_editors_add_a_differential_with_its_rule_and_cases_review_publish_and_roll_it_back(
    new_context: Any, live_server: Any
) -> None:
    intakes = seed_intakes(live_server)
    author = create_staff(live_server.app, ("rules_editor",), email="ana.new@example.org")
    reviewer = create_staff(live_server.app, ("rules_editor",), email="ben.new@example.org")
    page = new_context(viewport=LAPTOP).new_page()
    sign_in(page, author, "rules-new-author", start="/rules/")
    assert find_a_rule_by_a_word(page) < FIND_SECONDS
    check_page(page, "rules-new-01-found")
    page.goto("/rules/")
    click_to_page(page, "button", "Start a draft to change the rules")
    add_the_differential(page)
    add_its_rule(page)
    add_a_case_from_an_intake(page, intakes[CASE])
    change_an_existing_case(page)
    send_for_review(page, RATIONALE)

    second = new_context(viewport=LAPTOP).new_page()
    sign_in(second, reviewer, "rules-new-reviewer", start="/rules/")
    review_and_approve(second, live_server, "rules-new-07", [NAME, RULE_TITLE, NEW_CASE, CASE])
    publish(page, "Colorectal cancer added as a differential.", 2)
    page.goto("/rules/")
    assert page.locator(f"details[data-group] summary:has-text('{NAME}')").count() == 1
    check_page(page, "rules-new-08-published")

    # Rolled back the same way: version 1 as a new draft, its tests, review with the three pages opened, publishing.
    click_to_page(page, "link", "Versions")
    click_to_page(page, "button", "Restore version 1 as a new draft")
    assert "A new draft holds version 1's rules and tests." in notice(page)
    check_page(page, "rules-new-09-restored")
    send_for_review(page, ROLLBACK)
    review_and_approve(second, live_server, "rules-new-10", [NAME, RULE_TITLE])
    publish(page, "Rolled back to version 1.", 3)
    page.goto("/rules/")
    assert page.locator(f"details[data-group] summary:has-text('{NAME}')").count() == 0
    click_to_page(page, "link", "Versions")
    newest = page.locator("table.worklist tbody tr").first.inner_text()
    assert newest.startswith("3") and "restores version 1" in newest and ROLLBACK in newest and reviewer.email in newest
    check_page(page, "rules-new-11-versions")
    with live_server.session() as session:
        rows = {v.number: v for v in session.scalars(select(RulesetVersion).where(RulesetVersion.status == "published"))}
    ids = {n: [d["id"] for d in row.documents["ruleset.yaml"]["differentials"]] for n, row in rows.items()}
    assert set(rows) == {1, 2, 3} and ids[3] == ids[1] and ids[2] == [*ids[1], "colorectal_cancer"]
    assert (rows[2].approved_by, rows[3].approved_by) == (reviewer.email, reviewer.email)


def test_the_new_differential_and_parameter_forms_and_a_retire_page_fit_a_phone(new_context: Any, live_server: Any) -> None:
    editor = create_staff(live_server.app, ("rules_editor",), email="cara.new@example.org")
    for viewport, shots in ((NARROW, "rules-new-320"), (PHONE, "rules-new-390")):
        page = new_context(viewport=viewport).new_page()
        sign_in(page, editor, shots, start="/rules/")
        if page.get_by_role("button", name="Start a draft to change the rules").count():
            click_to_page(page, "button", "Start a draft to change the rules")
        for path, name in (
            ("/rules/draft/differentials/new", "differential"),
            ("/rules/draft/parameters/new", "parameter"),
            ("/rules/draft/differentials/celiac_disease/retire", "retire"),
        ):
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], path
            check_page(page, f"{shots}-{name}")
        assert "It cannot be retired yet" in page.locator("main").inner_text()
