"""A patient on a phone (390x844) answers the whole questionnaire in Chromium, with JavaScript on and off.

She opens her private link, answers every step, makes two mistakes (a height out of range, a warning-sign
question left unanswered) and sees each message next to its field and in the summary at the top, goes Back,
closes the browser midway and resumes from the same link on a fresh profile, reviews and sends. Every page is
screenshotted and checked with axe-core; the database then holds one submitted intake with one evaluation.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers.axe import axe_violations, check_page
from tests.helpers.browser import (
    NEW_FOLLOWUPS,
    PATIENT,
    PHONE,
    fill_visible,
    intake_state,
    new_invitation,
    press,
    progress_numbers,
    step_id,
    visible_questions,
)
from triage.domain.questionnaire.questions import default_questionnaire

STEPS = [s.id for s in default_questionnaire().steps]
IGNORED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of 400")


class Walk:
    """One patient's walk: the page, the mode (js or nojs) and a running number for screenshot names."""

    def __init__(self, page: Any, mode: str):
        self.page = page
        self.mode = mode
        self.shots = 0
        self.progress: list[int] = []

    @property
    def js(self) -> bool:
        return self.mode == "js"

    def check(self, what: str) -> None:
        """Screenshot + axe for the page as it is now."""
        self.shots += 1
        check_page(self.page, f"patient-{self.mode}-{self.shots:02d}-{what}")

    def finish_step(self, skip: tuple[str, ...] = ()) -> str:
        """Answer what the step shows, press Continue until it moves on (follow-ups may come first); the new step id."""
        page, here = self.page, step_id(self.page)
        answered: set[str] = set()
        for round_ in range(4):
            answered |= fill_visible(page, PATIENT, answered, skip)
            number, total = progress_numbers(page)
            # Steps that depend on answers (more about each symptom, tests you have had) count once they apply.
            assert 1 <= number <= total <= len(STEPS) and number <= STEPS.index(here) + 1, (here, number, total)
            assert not self.progress or number >= self.progress[-1], "the progress went backwards"
            self.progress.append(number)
            self.check(here if round_ == 0 else f"{here}-more")
            press(page, "Continue")
            if step_id(page) != here:
                return step_id(page)
            # Same page again: without JavaScript, the follow-ups the answers opened are now asked.
            assert not self.js, f"{here}: Continue stayed on the page with JavaScript on"
            assert NEW_FOLLOWUPS in page.locator(".notice").inner_text()
            new = set(visible_questions(page)) - answered
            assert new, f"{here}: shown again without new questions"
        raise AssertionError(f"{here}: Continue never moved on")


def assert_error_next_to_field(page: Any, qid: str, message: str) -> None:
    """The message sits in the question's block, just above its control, tied to it, and is listed in the summary."""
    block = page.locator(f"#q-{qid}")
    error = block.locator(".error")
    assert error.is_visible()
    assert message in error.inner_text()
    assert block.evaluate("b => b.classList.contains('q-error')")
    control = page.locator(f"#f-{qid}")
    described = (
        block.locator("fieldset").get_attribute("aria-describedby")
        if control.get_attribute("type") in ("radio", "checkbox")
        else control.get_attribute("aria-describedby")
    ) or ""
    assert f"{qid}-e" in described.split(), described
    error_box, control_box = error.bounding_box(), control.bounding_box()
    assert error_box and control_box
    gap = control_box["y"] - (error_box["y"] + error_box["height"])
    assert 0 <= gap < 80, f"{qid}: the message is {gap:.0f}px from its field"
    assert error_box["x"] + error_box["width"] <= PHONE["width"], "the message overflows the phone's width"
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "Please check these answers" in summary.inner_text()
    link = summary.locator(f'a[href="#f-{qid}"]')
    assert message in link.inner_text()
    assert page.title().startswith("Error: ")


def follow_summary_link(page: Any, qid: str) -> None:
    """The summary's link takes the patient (and the keyboard focus) to the field."""
    page.locator(f'.error-summary a[href="#f-{qid}"]').click()
    assert page.evaluate("document.activeElement && document.activeElement.id") == f"f-{qid}"


@pytest.mark.parametrize("mode", ["js", "nojs"])
def test_patient_on_a_phone_answers_everything_and_sends(new_context: Any, live_server: Any, mode: str) -> None:
    token, intake_id = new_invitation(live_server, ref=f"PHONE-{mode}")
    context = new_context(viewport=PHONE, java_script_enabled=mode == "js", is_mobile=True, has_touch=True)
    page = context.new_page()
    walk = Walk(page, mode)

    # The private link: the token leaves the address bar at once; a short first page explains.
    page.goto(f"/i/{token}")
    assert page.url.endswith("/intake") and token not in page.url
    assert page.locator("h1").inner_text() == "Questions before your appointment"
    intro = page.locator("main").inner_text()
    for promise in ("10 to 15 minutes", "come back later with the same link", "Only the team at your clinic"):
        assert promise in intro
    walk.check("start")
    with page.expect_navigation():
        page.get_by_role("link", name="Start").click()
    assert step_id(page) == "about_you"
    assert page.locator("h1").inner_text() == "About you"
    # followups.js marks the form when it runs; without JavaScript nothing does.
    assert page.locator('form input[name="_js"]').count() == (1 if walk.js else 0)

    # About you: follow-ups for a woman; a height of 500 cm is a mistake.
    page.locator("#f-full_name").fill(PATIENT["full_name"][0])
    assert not page.locator("#q-menopause_status").is_visible()
    page.locator('input[name="sex_at_birth"][value="female"]').check()
    if walk.js:  # in place, without a page load
        page.locator("#q-menopause_status").wait_for(state="visible")
    else:
        assert not page.locator("#q-menopause_status").is_visible()
    fill_visible(page, PATIENT, skip=("height_cm",))
    page.locator("#f-height_cm").fill("500")
    walk.check("about_you-filled")
    press(page, "Continue")
    assert step_id(page) == "about_you"
    message = "Please enter a number from 50 to 250 (cm)."
    assert_error_next_to_field(page, "height_cm", message)
    assert page.locator("#f-height_cm").input_value() == "500"  # what she typed is kept
    assert page.locator("#f-full_name").input_value() == PATIENT["full_name"][0]  # and so are her other answers
    assert page.locator('input[name="sex_at_birth"][value="female"]').is_checked()
    if page.locator(".error-summary[autofocus]").count():
        assert page.evaluate("document.activeElement.classList.contains('error-summary')"), (
            "the error summary should have the focus"
        )
    walk.check("about_you-error")
    follow_summary_link(page, "height_cm")
    page.locator("#f-height_cm").fill(PATIENT["height_cm"][0])
    assert walk.finish_step() == "your_concern"

    assert walk.finish_step() == "symptoms"
    assert walk.finish_step() == "symptom_details"

    # More about each symptom: one set of questions per ticked symptom; then Back and forward keep everything.
    headings = visible_questions(page)
    for symptom in PATIENT["symptoms"]:
        assert {f"{symptom}_severity", f"{symptom}_frequency", f"{symptom}_months"} <= set(headings), symptom
    assert (
        "Bloating (a swollen or tight tummy): how bad is it at its worst?"
        in page.locator("#q-bloating_severity legend").inner_text()
    )
    fill_visible(page, PATIENT)
    walk.check("symptom_details")
    press(page, "Back")
    assert step_id(page) == "symptoms"
    for symptom in PATIENT["symptoms"]:
        assert page.locator(f'input[name="symptoms"][value="{symptom}"]').is_checked()
    assert page.locator("#f-symptoms_started_months").input_value() == PATIENT["symptoms_started_months"][0]
    walk.check("symptoms-after-back")
    press(page, "Continue")
    assert step_id(page) == "symptom_details"
    assert page.locator('input[name="bloating_severity"][value="8"]').is_checked()
    assert page.locator("#f-diarrhoea_months").input_value() == "10"
    assert walk.finish_step() == "bowel_habits"
    assert walk.finish_step() == "alarm_symptoms"

    # Warning signs: every question must be answered; leaving one out is caught.
    assert "Please answer every question here" in page.locator(".intro").inner_text()
    fill_visible(page, PATIENT, skip=("jaundice",))
    press(page, "Continue")
    assert step_id(page) == "alarm_symptoms"
    assert_error_next_to_field(page, "jaundice", "Please choose an answer.")
    assert page.locator('input[name="unintended_weight_loss"][value="yes"]').is_checked()
    walk.check("alarm_symptoms-error")
    follow_summary_link(page, "jaundice")
    assert walk.finish_step() == "diet"
    assert walk.finish_step() == "medicines"

    # She closes the browser here, and later opens the link again on a fresh profile.
    context.close()
    context = new_context(viewport=PHONE, java_script_enabled=mode == "js", is_mobile=True, has_touch=True)
    page = walk.page = context.new_page()
    page.goto(f"/i/{token}")
    assert page.url.endswith("/intake")
    walk.check("start-again")
    with page.expect_navigation():
        page.get_by_role("link", name="Continue where you left off").click()
    assert step_id(page) == "medicines"
    assert page.locator("h1").inner_text() == "Your medicines"

    # Medicines: a PPI opens its follow-ups (drug, how often, how long, last dose).
    ppi_followups = ("ppi_drug", "ppi_frequency", "ppi_months", "ppi_last_dose_days")
    page.locator('input[name="takes_ppi"][value="yes"]').check()
    for qid in ppi_followups:
        if walk.js:
            page.locator(f"#q-{qid}").wait_for(state="visible")
        else:
            assert not page.locator(f"#q-{qid}").is_visible()
    assert walk.finish_step() == "history"
    assert walk.finish_step() == "test_details"
    assert walk.finish_step() == "wellbeing"
    assert walk.finish_step() == "review"

    # Review: every answer grouped by step with a link to change it; consent; send.
    assert progress_numbers(page) == (len(STEPS), len(STEPS))
    review = page.locator("main").inner_text()
    for shown in ("Noor Browserfield", "Omeprazole (Prilosec, Losec)", "Every day", "Bloating (a swollen or tight tummy)", "164"):
        assert shown in review, shown
    assert page.get_by_role("link", name=re.compile(r"^Change")).count() == len(STEPS) - 1
    fill_visible(page, PATIENT)
    walk.check("review")
    press(page, "Send my answers to the clinic")
    assert page.url.endswith("/intake/done")
    assert page.locator("h1").inner_text() == "Thank you. Your clinic has your answers."
    done_text = page.locator("main").inner_text().lower()
    for word in ("differential", "red flag", "coeliac disease", "urgency"):
        assert word not in done_text  # patients never see triage output
    walk.check("done")

    # The same link now opens the read-only page.
    page.goto(f"/i/{token}")
    assert page.url.endswith("/intake/done")

    status, evaluations, answers = intake_state(live_server, intake_id)
    assert status == "submitted" and evaluations == 1
    assert answers["height_cm"] == 164 and answers["jaundice"] == "no"
    assert answers["ppi_drug"] == "omeprazole" and answers["ppi_last_dose_days"] == 1
    assert answers["bloating_severity"] == 8 and answers["symptoms"] == PATIENT["symptoms"]
    assert answers["heavy_periods"] == "yes" and answers["consent_use"] is True
    errors = [e for e in context.console_errors if not IGNORED_CONSOLE.search(e)]
    assert errors == [], errors


@pytest.mark.parametrize("mode", ["js", "nojs"])
def test_the_page_check_is_not_vacuous(new_context: Any, live_server: Any, mode: str) -> None:
    """axe-core (directly, or through the JavaScript-off twin) and the overflow check do catch a broken page."""
    broken = (
        "<!doctype html><html><head><title>Broken</title></head><body><main>"
        '<img src="/static/none.png"><p style="color:#bbb">faint text</p><input type="text">'
        '<div style="width:900px">too wide for a phone</div></main></body></html>'
    )
    context = new_context(viewport=PHONE, java_script_enabled=mode == "js")
    page = context.new_page()
    page.route(f"{live_server.url}/broken", lambda route: route.fulfill(status=200, content_type="text/html", body=broken))
    page.goto("/broken")
    found = {v["id"]: v["impact"] for v in axe_violations(page)}
    assert {"image-alt", "label", "color-contrast", "html-has-lang"} <= set(found), found
    assert {found[r] for r in ("image-alt", "label", "color-contrast")} <= {"serious", "critical"}
    with pytest.raises(AssertionError, match="content wider than"):
        check_page(page, f"selfcheck-{mode}-broken")
