"""A patient on a phone ticks that she vomited blood: the interrupt page comes at once, then she continues (JS on and off).

The interrupt page is screenshotted (and checked with axe-core) at 320, 390 and 1366 px wide into test-artifacts/.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import LiveServer
from tests.helpers.axe import check_page
from tests.helpers.browser import LAPTOP, NARROW, PATIENT, PHONE, fill_visible, new_invitation, press, step_id, walk_to
from triage.db import intakes as queries
from triage.db.models import Alert, Intake, PatientInterrupt

INSTRUCTION = "Call 999 or go to A&E now."
PHONE_NUMBER = "0161 496 0000"
# Under 55, no anaemia, no weight lost: the only red flag is the one she is about to tick.
EMERGENCY = PATIENT | {
    "date_of_birth": ["14", "3", "1990"],
    "warning_signs": ["vomited_blood"],
    "known_anaemia": ["no"],
}
WIDTHS = (NARROW["width"], PHONE["width"], LAPTOP["width"])


@pytest.mark.parametrize("mode", ["js", "nojs"])
def test_an_emergency_answer_shows_the_interrupt_page_then_the_form_goes_on(
    new_context: Any, live_server: LiveServer, mode: str
) -> None:
    # The clinic details come from the typed settings (an admin's values over them), not from app.config.
    changed = {"CLINIC_PHONE": PHONE_NUMBER, "EMERGENCY_INSTRUCTION": INSTRUCTION}
    live_server.app.config.update(changed)
    settings = live_server.app.extensions["triage_settings"]
    live_server.app.extensions["triage_settings"] = settings.model_copy(update=changed)
    token, intake_id = new_invitation(live_server, f"RF-{mode}")
    page = new_context(viewport=PHONE, java_script_enabled=mode == "js").new_page()
    page.goto(f"/i/{token}")
    page.get_by_role("link", name="Start").click()
    walk_to(page, "alarm_symptoms", EMERGENCY)
    fill_visible(page, EMERGENCY)
    press(page, "Continue")

    assert page.url.endswith("/intake/urgent")
    assert page.locator("h1").inner_text() == "Please get medical help today"
    text = page.locator("main").inner_text()
    assert "These answers may mean you need urgent medical help today." in text
    assert INSTRUCTION in text and "Your answers so far are saved." in text
    assert PHONE_NUMBER in text.replace("\u00a0", " ")  # shown with non-breaking spaces, so it stays on one line
    assert "blood" not in text.lower() and "vomit" not in text.lower()
    assert page.locator('#main a[href^="tel:"]').get_attribute("href") == "tel:01614960000"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": PHONE["height"] if width < 1000 else LAPTOP["height"]})
        check_page(page, f"patient-red-flag-{mode}-urgent-{width}")
        assert page.get_by_role("button", name="I understand - continue my answers").is_visible()
    page.set_viewport_size(PHONE)

    with live_server.session() as session:
        answers = queries.load_answers(session, intake_id)
        intake = session.get(Intake, intake_id)
        alerts = [
            (a.urgency, a.rule_ids, a.raised_while) for a in session.scalars(select(Alert).where(Alert.intake_id == intake_id))
        ]
        shown = list(session.scalars(select(PatientInterrupt.step_id).where(PatientInterrupt.intake_id == intake_id)))
    assert intake is not None and intake.status == "in_progress"
    assert answers["warning_signs"] == ["vomited_blood"] and answers["full_name"] == EMERGENCY["full_name"][0]
    assert alerts == [("emergency", ["rf_haematemesis"], "in_progress")]
    assert shown == ["alarm_symptoms"]

    press(page, "I understand - continue my answers")
    assert step_id(page) == "diet"
    check_page(page, f"patient-red-flag-{mode}-after-urgent")
    page.go_back()  # the alarm step again, saved as it was: the same flag does not interrupt twice
    if step_id(page) != "alarm_symptoms":
        page.goto("/intake/alarm_symptoms")
    assert page.locator('input[name="warning_signs"][value="vomited_blood"]').is_checked()
    press(page, "Continue")
    assert step_id(page) == "diet"
    assert not [e for e in page.context.console_errors if "favicon" not in e]
