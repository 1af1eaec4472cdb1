"""Keyboard only: a patient completes the whole questionnaire with Tab, Shift+Tab, Space, Enter and arrow keys.

No mouse, no Playwright fill/check: every answer is typed or chosen with keys (tests.helpers.keyboard). On every
control the focus reaches, the walk checks a visible focus indicator (WCAG 2.2 1.4.11 and 2.4.7). One mistake
(a height of 500 cm) is corrected from the error summary's link with the keyboard as well.
"""

from __future__ import annotations

from typing import Any

from tests.helpers.browser import PATIENT, PHONE, intake_state, new_invitation
from tests.helpers.keyboard import KeyboardWalk, keyboard_plan


def test_patient_completes_the_questionnaire_with_the_keyboard_alone(new_context: Any, live_server: Any) -> None:
    token, intake_id = new_invitation(live_server, ref="KEYBOARD-1")
    context = new_context(viewport=PHONE)
    page = context.new_page()
    plan = keyboard_plan(PATIENT, height_cm=["500"])  # a mistake, corrected from the error summary
    walk = KeyboardWalk(page, plan, fixes={"height_cm": "164"})

    page.goto(f"/i/{token}")
    walk.loaded("start")
    first = walk.key("Tab")
    assert first and first["text"] == "Skip to main content"  # the skip link comes first and shows itself
    walk.drive_page()
    visited = walk.until_done()

    assert walk.problems == [], "\n".join(sorted(set(walk.problems)))
    assert not walk.fixes, "the mistake was never shown"
    assert visited.count("about_you") == 2  # the error, then the fix
    assert {"symptom_details", "medicines", "history", "test_details", "review"} <= set(visited)
    assert walk.focus_checks > 150, walk.focus_checks
    status, evaluations, answers = intake_state(live_server, intake_id)
    assert status == "submitted" and evaluations == 1
    assert answers["height_cm"] == 164 and answers["date_of_birth"] == "1972-03-14"
    assert answers["ppi_last_dose_days"] == 1 and answers["worst_symptom_severity"] == 8
    assert answers["current_medicines"][0] == ["Ferrous sulfate", "200 mg", "twice a day"]
    assert answers["full_name"] == PATIENT["full_name"][0] and answers["symptoms"] == PATIENT["symptoms"]
    print(f"keyboard walk: {len(visited)} pages, {walk.focus_checks} focus checks on {len(walk.reached)} distinct controls")
