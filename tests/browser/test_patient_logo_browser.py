"""The clinic's logo heads the patient pages at 320 px without pushing the page sideways, and axe finds nothing serious."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.helpers.apps import LiveServer
from tests.helpers.axe import check_page
from tests.helpers.browser import NARROW
from tests.web.test_clinic_details_admin import _png
from triage.db.clinic_profile import Logo, save_clinic_details


def test_the_logo_sits_beside_the_clinic_name_on_a_small_phone(live_server: LiveServer, new_context: Callable[..., Any]) -> None:
    with live_server.session() as session:
        save_clinic_details(session, {"name": "Northfield Gut Clinic"}, Logo(_png((600, 200)), "image/png"))
    page = new_context(viewport=NARROW).new_page()
    page.goto("/privacy")
    logo = page.locator("header .clinic-logo")
    box = logo.bounding_box()
    assert box is not None and box["height"] <= 41 and box["width"] <= 129  # 2.5rem high, 8rem wide at most
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    check_page(page, "patient-logo-320", keep=True)
