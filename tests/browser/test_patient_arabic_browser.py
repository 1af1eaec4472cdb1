"""A patient on a phone (390x844, JavaScript on) chooses Arabic on the first page and answers the whole form right to left.

Every step is screenshotted and checked with axe-core; the page is dir="rtl" with Continue on the reading side, the
progress bar filling from the right and free-text boxes dir="auto"; the stored answers are the same choice values an
English walk stores.
"""

from __future__ import annotations

from typing import Any

from tests.helpers.axe import check_page
from tests.helpers.browser import PATIENT, PHONE, fill_visible, intake_state, new_invitation, press, step_id

CONTINUE = "متابعة"
BACK_TO_START = "العودة إلى البداية"
SEND = "أرسل إجاباتي إلى العيادة"
UNDERSTOOD = "فهمت - أريد متابعة إجاباتي"


def _box(page: Any, name: str) -> dict[str, float]:
    box = page.get_by_role("button", name=name, exact=True).bounding_box()
    assert box is not None, name
    return dict(box)


def test_a_patient_on_a_phone_completes_the_form_in_arabic(new_context: Any, live_server: Any) -> None:
    token, intake_id = new_invitation(live_server, ref="PHONE-ar")
    context = new_context(viewport=PHONE, java_script_enabled=True, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"/i/{token}")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.get_by_role("button", name="العربية").click()  # the language choice on the first page
    assert page.locator("html").get_attribute("dir") == "rtl" and page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("h1").inner_text() == "أسئلة قبل موعدك"
    check_page(page, "arabic-start", keep=True)
    with page.expect_navigation():
        page.locator("main a.button.primary").click()

    seen: list[str] = []
    for _ in range(30):
        if page.url.endswith("/intake/urgent"):
            check_page(page, "arabic-urgent", keep=True)
            press(page, UNDERSTOOD)
            continue
        step = step_id(page)
        if step == "review":
            break
        seen.append(step)
        assert page.locator("html").get_attribute("dir") == "rtl"
        fill_visible(page, PATIENT)
        if step == "about_you":
            # Right to left: Continue (the first button) sits on the right, the bar fills from the right; typed text
            # keeps its own direction.
            assert _box(page, CONTINUE)["x"] > _box(page, BACK_TO_START)["x"]
            assert page.evaluate("getComputedStyle(document.querySelector('.progress progress')).direction") == "rtl"
            assert page.locator("#f-full_name").get_attribute("dir") == "auto"
            assert page.locator("#f-main_concern").get_attribute("dir") == "auto"
        check_page(page, f"arabic-{step}", keep=True)
        press(page, CONTINUE)
    assert step_id(page) == "review" and len(seen) >= 8

    assert page.locator("h1").inner_text() == "راجع إجاباتك"
    review = page.locator("main").inner_text()
    assert "Noor Browserfield" in review and "14 مارس 1972" in review.replace("\u200f", "")
    fill_visible(page, PATIENT)
    check_page(page, "arabic-review", keep=True)
    press(page, SEND)
    assert page.url.endswith("/intake/done")
    check_page(page, "arabic-done", keep=True)

    status, evaluations, answers = intake_state(live_server, intake_id)
    assert status == "submitted" and evaluations == 1
    assert answers["sex_at_birth"] == "female" and answers["symptoms"] == PATIENT["symptoms"]
    assert answers["date_of_birth"] == "1972-03-14" and answers["height_cm"] == 164
    assert answers["current_medicines"] == [["Ferrous sulfate", "200 mg", "twice a day"], ["Vitamin C", "500 mg", "once a day"]]
    assert answers["main_concern"] == PATIENT["main_concern"][0]  # free text keeps the patient's own words
    assert context.console_errors == []
