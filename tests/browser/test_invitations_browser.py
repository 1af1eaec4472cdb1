"""Staff in Chromium, on a phone (390 px) and a laptop (1366 px): the invitation form with its errors, a created
invitation, and the CSV upload's row-by-row report; every page screenshotted and checked with axe-core."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.axe import ARTIFACTS, check_page
from tests.helpers.browser import LAPTOP, PHONE, sign_in
from tests.helpers.staff import create_staff

TOMORROW = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date()
CSV = (
    "ref,name,date_of_birth,email,mobile,appointment,language,nhs_number,mrn,referrer_name,referrer_practice\r\n"
    f"UP-1,Ann Example,1980-03-27,ann@example.org,07400 123456,{TOMORROW} 09:30,,,,,\r\n"
    "UP-2,Bo Example,1980-02-30,,0123,,de,,,,\r\n"
    "UP-1,Cy Example,,,,,,,,,\r\n"
)


def check_worklist(page: Any, name: str) -> None:
    """check_page, except on a phone, where the worklist's own table is wider than the screen (it scrolls): there the
    invitation form and its result must fit, and the page is only screenshotted."""
    if (page.viewport_size or {}).get("width", 0) >= LAPTOP["width"]:
        check_page(page, name, keep=True)
        return
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    for region in ("#invite-heading", "form.invite-form", ".invitation-made"):
        if page.locator(region).count():
            box = page.locator(region).bounding_box()
            assert box is not None and box["x"] + box["width"] <= PHONE["width"], (region, box)
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('form.invite-form *')].map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= PHONE["width"], widest


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
def test_staff_invite_one_patient_and_upload_a_csv(
    new_context: Any, live_server: Any, tmp_path: Path, viewport: dict[str, int]
) -> None:
    shots = f"invitations-{viewport['width']}"
    account = create_staff(live_server.app, ("clinician",))
    page = new_context(viewport=viewport).new_page()
    sign_in(page, account, shots)
    form = page.locator("form.invite-form")
    form.get_by_label("Patient reference").fill("WEB-1")
    form.get_by_label("Patient's name").fill("Alex Example")
    form.get_by_label("Day").fill("31")
    form.get_by_label("Month").fill("2")
    form.get_by_label("Year").fill("1980")
    form.get_by_label("Mobile number").fill("0123")
    with page.expect_navigation():
        form.get_by_role("button", name="Create invitation").click()
    page.locator("#mobile-error").scroll_into_view_if_needed()
    assert "Mobile number: this is not a valid phone number" in page.locator("#mobile-error").inner_text()
    assert "Date of birth: " in page.locator("#dob-error").inner_text()
    check_worklist(page, f"{shots}-03-form-errors")
    form.get_by_label("Day").fill("27")
    form.get_by_label("Mobile number").fill("07400 123456")
    form.get_by_label("Email address").fill("alex@example.org")
    form.get_by_label("Appointment date").fill(TOMORROW.isoformat())
    form.get_by_label("Appointment time").fill("09:30")
    with page.expect_navigation():
        form.get_by_role("button", name="Create invitation").click()
    assert "Invitation for WEB-1 created" in page.locator("h2#invitation-heading").inner_text()
    assert "by email and by text message" in page.locator(".invitation-made").inner_text()
    check_worklist(page, f"{shots}-04-created")

    page.get_by_role("link", name="upload a CSV of appointments").click()
    assert page.locator("h1").inner_text() == "Upload appointments"
    check_page(page, f"{shots}-05-upload", keep=True)
    upload = tmp_path / "tomorrow.csv"
    upload.write_text(CSV, encoding="utf-8")
    page.get_by_label("CSV file of appointments").set_input_files(str(upload))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and create invitations").click()
    report = page.locator(".upload-report")
    assert "Nothing was created" in report.inner_text() and "2 of 3 rows were refused" in report.inner_text()
    assert "mobile: This is not a valid phone number" in report.inner_text()
    check_page(page, f"{shots}-06-upload-report", keep=True)
    upload.write_text(
        CSV.split("\r\n", 2)[0] + "\r\n" + CSV.split("\r\n", 2)[1].replace("UP-1", "UP-9") + "\r\n", encoding="utf-8"
    )
    page.get_by_label("CSV file of appointments").set_input_files(str(upload))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and create invitations").click()
    assert page.url.endswith("/clinic/invitations/upload/done")
    assert "1 invitation created" in page.locator("h2").first.inner_text()
    check_page(page, f"{shots}-07-upload-done", keep=True)
