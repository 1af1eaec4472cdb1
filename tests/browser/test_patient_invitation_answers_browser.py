"""The name and date of birth from the invitation, in Chromium at 390 px with JavaScript on and off.

The patient proves the date of birth at the link's check; the first page then shows it and the clinic's name for
them as text (no boxes to fill), the whole form is answered and checked with axe-core, "Check your answers" lists
both without a Change link, and the stored answers are the invitation's. Screenshots are kept (BROWSER_SHOTS_DIR).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.helpers.browser import PHONE, intake_state, new_invitation, open_link, step_id
from tests.helpers.browser_walk import STEPS, Walk

DOB = dt.date(1972, 3, 14)
NAME = "Noor Browserfield-Ó Dálaigh"


@pytest.mark.parametrize("mode", ["js", "nojs"])
def test_the_first_page_shows_what_the_invitation_holds_and_the_form_goes_on(
    new_context: Any, live_server: Any, mode: str
) -> None:
    token, intake_id = new_invitation(live_server, f"INV-{mode}", dob=DOB, name=NAME)
    page = new_context(viewport=PHONE, java_script_enabled=mode == "js").new_page()
    open_link(page, token, dob=DOB)
    assert step_id(page) == "about_you"
    given = page.locator("form .q.given")
    assert given.is_visible()
    assert given.locator("dt").all_inner_texts() == ["Full name", "Date of birth"]
    assert given.locator("dd").all_inner_texts() == [NAME, "14 March 1972"]
    assert "If something is wrong, please tell your clinic." in given.inner_text()
    assert page.locator('input[name="full_name"], input[name^="date_of_birth"]').count() == 0
    box = given.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    walk = Walk(page, f"invited-390px-{mode}", js=mode == "js", keep=True)
    assert walk.finish_until("review") == [s for s in STEPS if s != "review"]
    rows = page.locator(".review-row")
    for label, shown in (("Full name", NAME), ("Date of birth", "14 March 1972")):
        row = rows.filter(has=page.locator("dt", has_text=label))
        assert row.locator("dd").first.inner_text() == shown
        assert row.get_by_role("link", name="Change").count() == 0, label
    assert rows.filter(has=page.locator("dt", has_text="Sex at birth")).get_by_role("link", name="Change").count() == 1
    walk.check("review")
    page.get_by_label("These answers are mine and true", exact=False).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers to the clinic").click()
    assert page.url.endswith("/intake/done")

    status, _evaluations, answers = intake_state(live_server, intake_id)
    assert status == "submitted"
    assert answers["full_name"] == NAME and answers["date_of_birth"] == DOB.isoformat()
    assert answers["consent_true"] is True and "consent_use" not in answers
