"""The admin's patient languages page in the browser: each translation marked unreviewed, a language switched off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.helpers.apps import LiveServer
from tests.helpers.axe import check_page
from tests.helpers.browser import LAPTOP, PHONE, sign_in
from tests.helpers.staff import create_staff


def test_an_admin_switches_polish_off_on_a_phone_and_a_laptop(live_server: LiveServer, new_context: Callable[..., Any]) -> None:
    admin = create_staff(live_server.app, ("admin",), email="admin.languages@example.org")
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, admin, "languages", start="/admin/languages")
    for viewport, name in ((PHONE, "390"), (LAPTOP, "1366")):
        page.set_viewport_size(viewport)
        page.goto("/admin/languages")
        assert page.locator("h1").inner_text() == "Patient languages"
        assert page.get_by_text("Not reviewed by a qualified medical translator").count() == 3
        check_page(page, f"languages-{name}", keep=True)
    page.get_by_label("Polish").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Save patient languages").click()
    assert "Patient languages saved." in page.locator("main").inner_text()
    assert "Polish (pl): switched off for patients." in page.locator(".language-list").inner_text()
    check_page(page, "languages-saved-1366", keep=True)
