"""Questionnaire version 2 in Chromium: the whole form at 320, 390 and 1366 px, with JavaScript on and off.

Every step and the review page are checked with axe-core (no serious or critical violation) and screenshotted;
with BROWSER_SHOTS_DIR set, the JavaScript-on screenshots are also kept there for a person to look at. Then the
parts of version 2 one by one: an answer changed from "Check your answers", Back and Forward after a refused
Continue (no form is posted again), "None of these" unticking the other answers, the 0 to 10 scale on a narrow
phone, each grid row on one line of 44 px buttons under its headings, the error summary taking the focus, and the
whole form with the keyboard alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.browser import (
    LAPTOP,
    NARROW,
    PATIENT,
    PHONE,
    came_by_see_other,
    fill_visible,
    intake_state,
    new_invitation,
    open_link,
    press,
    step_id,
    walk_to,
)
from tests.helpers.browser_walk import (
    STEPS,
    Walk,
    assert_error_next_to_field,
    focus_is_on_error_summary,
    follow_summary_link,
)
from tests.helpers.keyboard import KeyboardWalk, keyboard_plan

VIEWPORTS = {320: NARROW, 390: PHONE, 1366: LAPTOP}
WALKS = [(320, "js"), (390, "js"), (1366, "js"), (320, "nojs"), (390, "nojs")]
NOT_TOGETHER = "'None of these' cannot be ticked together with other answers."
RESUBMIT_ERRORS = ("Confirm Form Resubmission", "ERR_CACHE_MISS")


def patient_page(new_context: Any, live_server: Any, ref: str, width: int = 390, js: bool = True) -> tuple[Any, int]:
    """A fresh device of the given width on the first step of a new invitation: (page, intake id)."""
    token, intake_id = new_invitation(live_server, ref=ref)
    page = new_context(viewport=VIEWPORTS[width], java_script_enabled=js).new_page()
    open_link(page, token)
    assert step_id(page) == "about_you"
    return page, intake_id


def change_from_review(page: Any, qid: str, value: str, shown: str) -> None:
    """Follow one answer's Change link, pick another answer, Continue: straight back to the review page, showing it."""
    row = page.locator(".review-row").filter(has=page.locator(f'a[href*="#q-{qid}"]'))
    assert row.count() == 1, qid
    with page.expect_navigation():
        row.get_by_role("link", name="Change").click()
    assert "from=review" in page.url and page.url.endswith(f"#q-{qid}")
    assert page.locator('form input[name="from"][value="review"]').count() == 1
    page.locator(f'input[name="{qid}"][value="{value}"]').check()
    press(page, "Continue")
    assert page.url.endswith("/intake/review"), page.url
    assert row.locator("dd").first.inner_text() == shown


@pytest.mark.parametrize(("width", "mode"), WALKS, ids=[f"{w}px-{m}" for w, m in WALKS])
def test_the_whole_form_is_answered_and_sent(new_context: Any, live_server: Any, width: int, mode: str) -> None:
    page, intake_id = patient_page(new_context, live_server, f"Q2-{width}-{mode}", width, mode == "js")
    walk = Walk(page, f"q2-{width}px-{mode}", js=mode == "js", keep=mode == "js")

    passed = walk.finish_until("review")
    assert passed == [s for s in STEPS if s != "review"]  # her answers open every step
    assert page.locator("h1").inner_text() == "Check your answers"
    assert page.locator(".progress p").inner_text() == "Section 8 of 8: Check and send"
    change_from_review(page, "symptoms_trend", "same", "About the same")
    fill_visible(page, PATIENT)
    walk.check("review")
    press(page, "Send my answers to the clinic")
    assert page.url.endswith("/intake/done")
    walk.check("done")

    status, evaluations, answers = intake_state(live_server, intake_id)
    assert status == "submitted" and evaluations == 1
    assert answers["symptoms_trend"] == "same" and answers["date_of_birth"] == "1972-03-14"
    assert answers["height_cm"] == 164 and answers["warning_signs"] == ["unintended_weight_loss"]
    assert answers["current_medicines"] == [["Ferrous sulfate", "200 mg", "twice a day"], ["Vitamin C", "500 mg", "once a day"]]
    assert answers["bowel_features"] == ["none"] and answers["test_celiac_blood_result"] == "normal"
    assert page.context.console_errors == [], page.context.console_errors


@pytest.mark.parametrize("mode", ["js", "nojs"])
def test_back_and_forward_after_a_refused_continue_post_nothing_again(new_context: Any, live_server: Any, mode: str) -> None:
    page, _intake = patient_page(new_context, live_server, f"Q2-HISTORY-{mode}", js=mode == "js")
    fill_visible(page, PATIENT | {"date_of_birth": ["14", "3", ""]})
    assert came_by_see_other(press(page, "Continue"))  # refused: a 303 to this step's page, which shows the message
    assert step_id(page) == "about_you" and page.locator(".error-summary").is_visible()
    requests: list[tuple[str, str, str]] = []
    page.on("request", lambda request: requests.append((request.method, request.resource_type, request.url)))

    def travel(move: Any, expected_step: str) -> None:
        response = move()
        page.wait_for_load_state()
        assert step_id(page) == expected_step
        assert response is None or (response.request.method, response.status) == ("GET", 200)
        body = page.content()
        assert not [e for e in RESUBMIT_ERRORS if e in body], body[:300]
        assert page.locator("h1").count() == 1 and page.locator("form .q").count() > 0

    travel(page.go_back, "about_you")
    travel(page.go_forward, "about_you")
    assert "Date of birth must include a year" in page.locator(".error-summary").inner_text()
    page.locator("#f-date_of_birth-year").fill("1972")
    press(page, "Continue")
    assert step_id(page) == "symptoms"
    travel(page.go_back, "about_you")
    travel(page.go_forward, "symptoms")
    travel(page.go_back, "about_you")
    travel(page.go_forward, "symptoms")
    posts = [url for method, _kind, url in requests if method == "POST"]
    assert posts == [f"{page.url.rsplit('/', 1)[0]}/about_you"], posts  # only the one Continue that fixed the year
    # Playwright's Chromium keeps no back-forward cache, so each of the six moves loads its page: all GETs.
    pages = [method for method, kind, _url in requests if kind == "document"]
    assert pages.count("POST") == 1 and pages.count("GET") >= 7, requests  # and the GET the Continue's 303 led to


def test_none_of_these_unticks_the_other_answers_with_javascript(new_context: Any, live_server: Any) -> None:
    page, _intake = patient_page(new_context, live_server, "Q2-EXCLUSIVE-JS")
    walk_to(page, "bowel_habits", PATIENT)

    def ticked(qid: str) -> list[str]:
        return list(page.locator(f'input[name="{qid}"]:checked').evaluate_all("boxes => boxes.map(b => b.value)"))

    for qid, others in (("bowel_features", ["nocturnal_bowel", "mucus"]), ("warning_signs", ["blood_in_stool", "not_sure"])):
        for value in others:
            page.locator(f'input[name="{qid}"][value="{value}"]').check()
        assert ticked(qid) == others
        page.locator(f'input[name="{qid}"][value="none"]').check()
        assert ticked(qid) == ["none"], qid  # "None of these" unticks the others
        page.locator(f'input[name="{qid}"][value="{others[0]}"]').check()
        assert ticked(qid) == [others[0]], qid  # and another answer unticks "None of these"
        page.locator(f'input[name="{qid}"][value="{others[0]}"]').uncheck()
        fill_visible(page, PATIENT)
        press(page, "Continue")


def test_without_javascript_none_of_these_with_another_answer_is_refused(new_context: Any, live_server: Any) -> None:
    page, _intake = patient_page(new_context, live_server, "Q2-EXCLUSIVE-NOJS", js=False)
    walk_to(page, "bowel_habits", PATIENT)
    fill_visible(page, PATIENT | {"bowel_features": ["mucus", "none"]})
    assert came_by_see_other(press(page, "Continue"))
    assert step_id(page) == "bowel_habits"
    assert_error_next_to_field(page, "bowel_features", NOT_TOGETHER)
    for value in ("mucus", "none"):  # both kept ticked, for her to choose
        assert page.locator(f'input[name="bowel_features"][value="{value}"]').is_checked()


@pytest.mark.parametrize("mode", ["js", "nojs"])
def test_the_0_to_10_scale_fits_on_two_rows_at_320_px(new_context: Any, live_server: Any, mode: str) -> None:
    page, _intake = patient_page(new_context, live_server, f"Q2-SCALE-{mode}", width=320, js=mode == "js")
    walk_to(page, "symptom_details", PATIENT)
    options = page.locator("#q-worst_symptom_severity label")
    assert options.count() == 11
    boxes = [options.nth(n).bounding_box() for n in range(11)]
    assert all(boxes), boxes
    zero, ten = boxes[0], boxes[10]
    assert zero and ten
    rows = sorted({round(box["y"]) for box in boxes if box})
    assert len(rows) <= 2, f"the scale takes {len(rows)} rows at 320 px: {rows}"
    assert ten["y"] < zero["y"] + 2 * zero["height"] + 16, (zero, ten)  # 10 is on the first or the second row
    assert all(box and box["x"] + box["width"] <= 320 for box in boxes)
    assert min(box["height"] for box in boxes if box) >= 44, "tap areas of at least 44 px"


@pytest.mark.parametrize("width", [320, 390])
def test_each_grid_row_is_one_line_of_44_px_buttons_under_its_headings(new_context: Any, live_server: Any, width: int) -> None:
    page, _intake = patient_page(new_context, live_server, f"Q2-GRID-{width}", width=width, js=False)
    walk_to(page, "symptom_details", PATIENT)
    for qid in ("abdominal_pain_months", "bloating_months"):  # the months grid: label, box and unit on one line
        label, box = page.locator(f"#q-{qid} > label").bounding_box(), page.locator(f"#f-{qid}").bounding_box()
        assert label and box and abs((label["y"] + label["height"] / 2) - (box["y"] + box["height"] / 2)) < 12, qid
        assert box["x"] + box["width"] <= width and box["height"] >= 44
    walk_to(page, "history", PATIENT)
    headings = page.locator("#grid-history .mcols span")
    columns = [headings.nth(n).bounding_box() for n in range(headings.count())]
    assert len(columns) == 4 and all(columns)
    for qid in ("phq_interest", "phq_down", "gad_nervous", "gad_worry"):
        buttons = page.locator(f"#q-{qid} .mopts label")
        boxes = [buttons.nth(n).bounding_box() for n in range(buttons.count())]
        assert len(boxes) == 4 and all(boxes), qid
        assert len({round(b["y"]) for b in boxes if b}) == 1, f"{qid}: the four buttons are not on one line"
        for box, column in zip(boxes, columns, strict=True):
            assert box and column and box["width"] >= 44 and box["height"] >= 44 and box["x"] + box["width"] <= width
            middle = box["x"] + box["width"] / 2
            assert column["x"] <= middle <= column["x"] + column["width"], (qid, box, column)  # under its heading


@pytest.mark.parametrize("mode", ["js", "nojs"])
def test_the_error_summary_takes_the_focus_after_a_refused_continue(new_context: Any, live_server: Any, mode: str) -> None:
    page, _intake = patient_page(new_context, live_server, f"Q2-FOCUS-{mode}", js=mode == "js")
    fill_visible(page, PATIENT | {"date_of_birth": ["14", "3", ""]})
    assert came_by_see_other(press(page, "Continue"))
    assert step_id(page) == "about_you"
    assert_error_next_to_field(page, "date_of_birth", "Date of birth must include a year")
    assert page.locator("#f-date_of_birth-month").input_value() == "3"  # what she typed is shown back
    assert focus_is_on_error_summary(page), page.evaluate("document.activeElement && document.activeElement.outerHTML")
    follow_summary_link(page, "date_of_birth")


def test_the_whole_form_with_the_keyboard_alone_at_390_px(new_context: Any, live_server: Any) -> None:
    page, intake_id = patient_page(new_context, live_server, "Q2-KEYS")
    # Space on "Mucus" and then on "None of these": the exclusive answer unticks the other.
    plan = keyboard_plan(PATIENT, bowel_features=["mucus", "none"])
    walk = KeyboardWalk(page, plan, name="q2-keyboard")
    visited: list[str] = []
    while step_id(page) != "review":
        visited.append(step_id(page))
        assert len(visited) < 2 * len(STEPS), visited
        walk.loaded(step_id(page))
        walk.drive_page()
    assert visited == [s for s in STEPS if s != "review"]

    # From "Check your answers", Enter on one Change link, a new answer with the arrow keys, and back again.
    walk.follow, walk.plan["symptoms_trend"] = "#q-symptoms_trend", ["same"]
    walk.loaded("review")
    walk.drive_page()
    assert step_id(page) == "symptoms" and "from=review" in page.url
    walk.loaded("symptoms-from-review")
    walk.drive_page()
    assert page.url.endswith("/intake/review")
    assert "About the same" in page.locator(".review-row").filter(has_text="How symptoms are changing").inner_text()
    assert walk.until_done() == ["review"]

    assert walk.problems == [], "\n".join(sorted(set(walk.problems)))
    status, _evaluations, answers = intake_state(live_server, intake_id)
    assert status == "submitted"
    assert answers["bowel_features"] == ["none"] and answers["symptoms_trend"] == "same"
    assert answers["date_of_birth"] == "1972-03-14" and answers["current_medicines"][1] == ["Vitamin C", "500 mg", "once a day"]
