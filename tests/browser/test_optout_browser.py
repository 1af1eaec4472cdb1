"""The reminder opt-out on a phone: the question, its one button, the confirmation with the clinic's phone number."""

from __future__ import annotations

from typing import Any

from tests.helpers.axe import check_page
from tests.helpers.browser import NARROW, PHONE
from tests.helpers.reminders import APPOINTMENT, DAY, invite, opt_out_token
from triage.db.clinic_profile import save_clinic_details


def test_a_patient_stops_reminders_on_a_phone(new_context: Any, live_server: Any) -> None:
    app = live_server.app
    with app.extensions["triage_db"].session() as session:
        save_clinic_details(
            session,
            {"name": "Riverside Gastroenterology Clinic", "phone": "+44 20 7946 0000", "address": "1 River Road\nLondon"},
        )
    invitation = invite(app, "R-1", created_at=APPOINTMENT - 14 * DAY, appointment_at=APPOINTMENT)
    token = opt_out_token(app, invitation)
    for viewport, name in ((PHONE, "390"), (NARROW, "320")):
        page = new_context(viewport=viewport, java_script_enabled=viewport is PHONE).new_page()
        page.goto(f"/stop/{token}")
        assert page.get_by_role("heading", level=1).inner_text() == "Stop reminders from Riverside Gastroenterology Clinic?"
        check_page(page, f"optout-{name}", keep=True)
        page.get_by_role("button", name="Stop reminders").click()
        page.wait_for_url("**/stop/done")
        assert page.get_by_role("heading", level=1).inner_text() == "You will get no more reminders"
        assert page.get_by_role("link", name="+44 20 7946 0000").first.is_visible()
        check_page(page, f"optout-done-{name}", keep=True)
