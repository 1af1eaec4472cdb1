"""The date-of-birth check as a patient meets it, at 320, 390 and 1366 px: the boxes, a wrong date, the lock, then on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers.apps import LiveServer
from tests.helpers.axe import check_page
from tests.helpers.browser import LAPTOP, NARROW, PHONE, new_invitation, pass_check
from triage.db.clinic_profile import save_clinic_details

DOB = dt.date(1972, 3, 14)


@pytest.mark.parametrize("viewport", [NARROW, PHONE, LAPTOP], ids=["320", "390", "1366"])
def test_the_check_page_wrong_date_and_right_date(
    live_server: LiveServer, new_context: Callable[..., Any], viewport: dict[str, int]
) -> None:
    width = viewport["width"]
    with live_server.session() as session:
        save_clinic_details(session, {"phone": "+44 20 7946 0000"})
    token, _ = new_invitation(live_server, f"DOB-{width}", dob=DOB)
    page = new_context(viewport=viewport).new_page()
    page.goto(f"/i/{token}")
    assert page.url.endswith("/intake/check")
    assert page.locator("h1").inner_text() == "Please confirm your date of birth"
    check_page(page, f"dob-check-{width}", keep=True)
    pass_check(page, dt.date(1972, 3, 15))
    assert "does not match" in page.locator(".error-summary").inner_text()
    check_page(page, f"dob-check-wrong-{width}", keep=True)
    pass_check(page, DOB)
    assert page.url.endswith("/intake")
    assert page.locator("h1").inner_text() == "Questions before your appointment"


def test_the_locked_page_gives_the_clinic_phone(live_server: LiveServer, new_context: Callable[..., Any]) -> None:
    with live_server.session() as session:
        save_clinic_details(session, {"phone": "+44 20 7946 0000"})
    token, _ = new_invitation(live_server, "DOB-LOCK", dob=DOB)
    page = new_context(viewport=NARROW).new_page()
    page.goto(f"/i/{token}")
    for _ in range(5):
        pass_check(page, dt.date(2000, 1, 1))
    assert page.locator("h1").inner_text() == "This link is locked for now"
    assert page.locator('main a[href="tel:+442079460000"]').count() == 1
    check_page(page, "dob-check-locked-320", keep=True)
