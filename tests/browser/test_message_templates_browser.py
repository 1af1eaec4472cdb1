"""An admin edits a patient text message on a phone and a laptop, previews it with no JavaScript, and saves it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.axe import check_page
from tests.helpers.browser import LAPTOP, NARROW, PHONE, sign_in
from tests.helpers.staff import create_staff


@pytest.mark.parametrize(("viewport", "name"), [(NARROW, "320"), (PHONE, "390"), (LAPTOP, "1366")])
def test_an_admin_previews_and_saves_a_text_message(
    new_context: Any, live_server: Any, viewport: dict[str, int], name: str
) -> None:
    admin = create_staff(live_server.app, ("admin",), email=f"admin.messages{name}@example.org")
    context = new_context(viewport=viewport, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, admin, f"messages-{name}", start="/admin/messages")
    assert page.locator("h1").inner_text() == "Patient messages"
    check_page(page, f"messages-{name}-01-page", keep=True)

    page.get_by_label("Invitation text message").fill("{clinic_name}: your questionnaire {link}")
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    preview = page.locator("#invitation_sms-preview").inner_text()
    assert preview.startswith("Gastroenterology clinic: your questionnaire http")
    assert "one text message" in page.locator("#invitation_sms-group").inner_text()
    check_page(page, f"messages-{name}-02-preview", keep=True)

    page.get_by_label("Invitation text message").fill("{clinic_name}: {patient} {link}")
    with page.expect_navigation():
        page.get_by_role("button", name="Save message texts").click()
    assert "{patient} is not a placeholder here" in page.locator("#invitation_sms-group").inner_text()
    check_page(page, f"messages-{name}-03-refused", keep=True)

    page.get_by_label("Invitation text message").fill("{clinic_name}: your questionnaire {link}")
    with page.expect_navigation():
        page.get_by_role("button", name="Save message texts").click()
    assert "Message texts saved." in page.inner_text("main")
    check_page(page, f"messages-{name}-04-saved", keep=True)
