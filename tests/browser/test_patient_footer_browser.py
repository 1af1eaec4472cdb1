"""The patient footer (clinic phone, address, privacy notice) at 320 and 390 px, in English and in Arabic (right to
left): no sideways scrolling, no serious axe violation, the phone a tap-to-call link; the done page's contact lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers.apps import LiveServer
from tests.helpers.axe import check_page
from tests.helpers.browser import NARROW, PATIENT, PHONE, fill_visible, new_invitation, open_link, press, walk_to
from triage.db.clinic_profile import save_clinic_details

DETAILS = {
    "name": "Northfield Hospital Gastroenterology and Hepatology Clinic",
    "phone": "+44 20 7946 0000",
    "address": "Ward 7, Level 3\nNorthfield Hospital NHS Foundation Trust\nNorthfield Road\nNorthfield NF1 2AB",
}


@pytest.fixture
def clinic_server(live_server: LiveServer) -> LiveServer:
    """The live server with a long clinic name and address, as real clinics have."""
    with live_server.session() as session:
        save_clinic_details(session, DETAILS)
    return live_server


def _footer_ok(page: Any) -> None:
    footer = page.locator("footer.patient-footer")
    assert footer.is_visible()
    assert footer.locator('a[href="tel:+442079460000"]').count() == 1
    assert footer.locator('a[href="/privacy"]').count() == 1
    assert "NF1 2AB" in footer.inner_text()


@pytest.mark.parametrize("viewport", [NARROW, PHONE], ids=["320", "390"])
def test_the_footer_fits_a_phone_on_the_first_page_the_privacy_notice_and_an_error_page(
    clinic_server: LiveServer, new_context: Callable[..., Any], viewport: dict[str, int]
) -> None:
    width = viewport["width"]
    token, _intake_id = new_invitation(clinic_server, f"FOOT-{width}")
    page = new_context(viewport=viewport).new_page()
    page.goto(f"/i/{token}")
    _footer_ok(page)
    check_page(page, f"footer-start-{width}", keep=True)
    page.locator("footer.patient-footer a[href='/privacy']").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "How your answers are used"
    _footer_ok(page)
    check_page(page, f"footer-privacy-{width}", keep=True)
    page = new_context(viewport=viewport).new_page()  # a new device: a link that does not exist
    page.goto("/i/not-a-real-link")
    _footer_ok(page)
    check_page(page, f"footer-error-{width}", keep=True)


def test_the_footer_and_the_notice_in_arabic_read_right_to_left(
    clinic_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = new_context(viewport=NARROW).new_page()
    page.goto("/privacy")
    page.select_option("#language-select", "ar")
    with page.expect_navigation():
        page.locator(".language-switch button").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    _footer_ok(page)
    assert page.locator("footer.patient-footer a[href^='tel:']").get_attribute("dir") == "ltr"
    check_page(page, "footer-privacy-ar-320", keep=True)


def test_the_done_page_says_how_to_reach_the_clinic(clinic_server: LiveServer, new_context: Callable[..., Any]) -> None:
    token, _intake_id = new_invitation(clinic_server, "FOOT-DONE")
    page = new_context(viewport=NARROW).new_page()
    open_link(page, token)
    walk_to(page, "review", PATIENT)
    fill_visible(page, PATIENT)
    press(page, "Send my answers to the clinic")
    assert page.url.endswith("/intake/done")
    main = page.locator("main")
    assert "please contact the clinic:" in main.inner_text()
    assert main.locator('a[href="tel:+442079460000"]').count() >= 1 and "NF1 2AB" in main.inner_text()
    _footer_ok(page)
    check_page(page, "footer-done-320", keep=True)
