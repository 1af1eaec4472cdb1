"""A patient on a phone (390x844) answers the whole questionnaire in Chromium, with JavaScript on and off.

She opens her private link, answers every step, makes two mistakes (a height out of range, the warning signs
left unanswered) and sees each message next to its field and in the summary at the top, goes Back, closes the
browser midway and resumes from the same link on a fresh profile, checks her answers and sends. Every page is
screenshotted and checked with axe-core; the database then holds one submitted intake with one evaluation.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers.axe import axe_violations, check_page
from tests.helpers.browser import (
    PATIENT,
    PHONE,
    came_by_see_other,
    fill_visible,
    intake_state,
    new_invitation,
    press,
    step_id,
    visible_questions,
)
from tests.helpers.browser_walk import Walk, assert_error_next_to_field, focus_is_on_error_summary, follow_summary_link

IGNORED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of 400")


@pytest.mark.parametrize("mode", ["js", "nojs"])
def test_patient_on_a_phone_answers_everything_and_sends(new_context: Any, live_server: Any, mode: str) -> None:
    token, intake_id = new_invitation(live_server, ref=f"PHONE-{mode}")
    context = new_context(viewport=PHONE, java_script_enabled=mode == "js", is_mobile=True, has_touch=True)
    page = context.new_page()
    walk = Walk(page, f"patient-{mode}", js=mode == "js")

    # The private link: the token leaves the address bar at once; a short first page explains.
    page.goto(f"/i/{token}")
    assert page.url.endswith("/intake") and token not in page.url
    assert page.locator("h1").inner_text() == "Questions before your appointment"
    intro = page.locator("main").inner_text()
    for promise in ("It takes about 8 to 15 minutes.", "come back later with the same link", "Only the team at your clinic"):
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
    assert came_by_see_other(press(page, "Continue"))  # the refused Continue leads to this step's page again
    assert step_id(page) == "about_you"
    assert_error_next_to_field(page, "height_cm", "250")
    assert page.locator("#f-height_cm").input_value() == "500"  # what she typed is kept
    assert page.locator("#f-full_name").input_value() == PATIENT["full_name"][0]  # and so are her other answers
    assert [page.locator(f"#f-date_of_birth{part}").input_value() for part in ("", "-month", "-year")] == ["14", "3", "1972"]
    assert page.locator('input[name="sex_at_birth"][value="female"]').is_checked()
    if walk.js:
        assert focus_is_on_error_summary(page), "the error summary should have the focus"
    walk.check("about_you-error")
    follow_summary_link(page, "height_cm")
    page.locator("#f-height_cm").fill(PATIENT["height_cm"][0])
    assert walk.finish_step() == "symptoms"
    assert walk.finish_step() == "symptom_details"

    # More about your symptoms: how long for each gut symptom, how often for some, the worst of those ticked.
    shown = set(visible_questions(page))
    assert {"abdominal_pain_months", "bloating_months", "diarrhoea_months"} <= shown
    assert {"abdominal_pain_frequency", "diarrhoea_frequency", "worst_symptom", "worst_symptom_severity"} <= shown
    assert "fatigue_months" not in shown and "bloating_frequency" not in shown
    worst = page.locator('#q-worst_symptom input[name="worst_symptom"]:visible')
    assert sorted(worst.evaluate_all("boxes => boxes.map(b => b.value)")) == sorted(PATIENT["symptoms"])
    assert page.locator('label[for="f-bloating_months"]').inner_text().startswith("Bloating")
    fill_visible(page, PATIENT)
    walk.check("symptom_details")
    press(page, "Back")  # then Back and forward keep everything
    assert step_id(page) == "symptoms"
    for symptom in PATIENT["symptoms"]:
        assert page.locator(f'input[name="symptoms"][value="{symptom}"]').is_checked()
    assert page.locator('input[name="symptoms_trend"][value="worse"]').is_checked()
    walk.check("symptoms-after-back")
    press(page, "Continue")
    assert step_id(page) == "symptom_details"
    assert page.locator('input[name="worst_symptom_severity"][value="8"]').is_checked()
    assert page.locator("#f-diarrhoea_months").input_value() == "10"
    assert walk.finish_step() == "bowel_habits"
    assert walk.finish_step() == "alarm_symptoms"

    # Warning signs must be answered (a tick, or "None of these"); leaving them out is caught.
    fill_visible(page, PATIENT, skip=("warning_signs",))
    assert came_by_see_other(press(page, "Continue"))
    assert step_id(page) == "alarm_symptoms"
    assert_error_next_to_field(page, "warning_signs", "Please")
    assert page.locator('input[name="known_anaemia"][value="iron_deficiency"]').is_checked()
    walk.check("alarm_symptoms-error")
    follow_summary_link(page, "warning_signs")
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
    assert page.locator("h1").inner_text() == "Medicines and allergies"

    # Medicines: a stomach-acid tablet opens its follow-ups; the days since the last one, once she has stopped.
    page.locator('input[name="acid_medicines"][value="ppi"]').check()
    for qid in ("ppi_still_taking", "ppi_months"):
        if walk.js:
            page.locator(f"#q-{qid}").wait_for(state="visible")
        else:
            assert not page.locator(f"#q-{qid}").is_visible()
    assert not page.locator("#q-ppi_last_dose_days").is_visible()
    assert walk.finish_step() == "history"
    assert walk.finish_step() == "test_details"
    assert walk.finish_step() == "review"

    # Check your answers: every answer by section, each with its own Change link; consent; send.
    assert page.locator("h1").inner_text() == "Check your answers"
    review = page.locator("main").inner_text()
    for answer_shown in ("Noor Browserfield", "Ferrous sulfate, 200 mg, twice a day", "Losing weight without trying", "164"):
        assert answer_shown in review, answer_shown
    rows = page.locator(".review-row").count()
    assert rows > 40 and page.get_by_role("link", name=re.compile(r"^Change")).count() == rows
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
    assert answers["height_cm"] == 164 and answers["date_of_birth"] == "1972-03-14"
    assert answers["warning_signs"] == ["unintended_weight_loss"] and answers["weight_lost_kg"] == 4
    assert answers["ppi_still_taking"] == "no" and answers["ppi_last_dose_days"] == 1
    assert answers["worst_symptom_severity"] == 8 and answers["symptoms"] == PATIENT["symptoms"]
    assert answers["current_medicines"] == [["Ferrous sulfate", "200 mg", "twice a day"], ["Vitamin C", "500 mg", "once a day"]]
    assert answers["heavy_periods"] == "yes" and answers["consent_true"] is True
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
