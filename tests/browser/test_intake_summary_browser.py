"""The intake page's summary fits one laptop screen (1366 x 768), and the rest opens with a click, without JavaScript.

A clinician opens each demo intake and a 19-year-old with bloody diarrhoea 8 times a day and fever (emergency and
urgent flags, an open alert): the summary's box ends within the first 768 px, and holds the urgency, the alert with
its acknowledgement form, the top differentials, the tests, the questions to ask first and the decision and letter
controls. Without JavaScript the full differentials open from their <details>, and a coded view on one is saved.
Screenshots at 1366, 390 and 320 px wide go to test-artifacts/; axe-core finds no serious violation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from tests.helpers.alerts import make_alert
from tests.helpers.axe import ARTIFACTS, check_page
from tests.helpers.browser import NARROW, PHONE, sign_in
from tests.helpers.staff import create_staff
from triage.db import intakes as queries
from triage.db.demo import seed_demo
from triage.db.evaluations import current_ruleset, evaluate_for_storage
from triage.db.models import DifferentialFeedback, Intake
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire

SCREEN = {"width": 1366, "height": 768}
COLITIS_REF = "CASE-COLITIS-19"
# Fictional: bloody diarrhoea 8 times a day with fever at 19 (the third case).
COLITIS = {
    "full_name": "Theo Testcase",
    "date_of_birth": "2007-03-01",
    "sex_at_birth": "male",
    "height_cm": 178.0,
    "weight_kg": 66.0,
    "main_concern": "Diarrhoea with blood about 8 times a day for 3 weeks, and a fever.",
    "symptoms": ["diarrhoea", "abdominal_pain", "urgency"],
    "symptoms_trend": "worse",
    "diarrhoea_months": 1,
    "diarrhoea_frequency": "daily",
    "abdominal_pain_months": 1,
    "abdominal_pain_frequency": "daily",
    "urgency_months": 1,
    "worst_symptom": "diarrhoea",
    "worst_symptom_severity": 9,
    "bristol_type": "7",
    "bowel_frequency": "6_or_more_a_day",
    "bowel_features": ["nocturnal_bowel", "mucus"],
    "warning_signs": ["blood_in_stool", "fever_night_sweats"],
    "known_anaemia": "no",
    "acid_medicines": ["none"],
    "consent_true": True,
}


def seed_colitis(server: Any) -> int:
    """Submit the colitis case as the patient would have (validated, evaluated with the rules in force)."""
    today = dt.date.today()
    with server.session() as session:
        typed = validate_answers(default_questionnaire(), COLITIS, today)
        _token, intake = queries.create_invitation(
            session, ref=COLITIS_REF, questionnaire_version=default_questionnaire().version, expires_days=30, created_by="t"
        )
        queries.save_step(session, intake, typed, {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, today, current_ruleset(session)))
        intake_id = intake.id
    make_alert(server.app, intake_id, "urgent", raised_at=dt.datetime.now(dt.UTC))  # as the submission raised it
    return intake_id


def summary_box(page: Any) -> dict[str, float]:
    """The summary region's box in page coordinates (the page scrolled to the top)."""
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator("#summary").bounding_box()
    assert box is not None
    return box


def test_the_summary_fits_one_laptop_screen_and_the_rest_is_one_click_away(new_context: Any, live_server: Any) -> None:
    with live_server.session() as session:
        seed_demo(session)
        demo = {
            ref: intake_id
            for ref, intake_id in session.execute(select(Intake.ref, Intake.id).where(Intake.status == "submitted"))
        }
    colitis = seed_colitis(live_server)
    clinician = create_staff(live_server.app, ("clinician",), email="dr.summary@example.org")
    context = new_context(viewport=SCREEN)
    page = context.new_page()
    sign_in(page, clinician, "summary")

    heights = {}
    for ref, intake_id in sorted({**demo, COLITIS_REF: colitis}.items()):
        page.goto(f"/clinic/intakes/{intake_id}")
        box = summary_box(page)
        heights[ref] = box["y"] + box["height"]
        page.screenshot(path=str(ARTIFACTS / f"intake-summary-1366x768-{ref}.png"))  # the first screen only
        assert box["y"] + box["height"] <= SCREEN["height"], f"{ref}: the summary ends at {box['y'] + box['height']:.0f} px"
        summary = page.locator("#summary")
        for heading in ("Top differentials", "Ask first", "Tests that matter most"):
            assert summary.get_by_role("heading", name=heading).is_visible(), (ref, heading)
        assert summary.get_by_role("button", name="Download PDF summary").is_visible()
        assert summary.locator("#decision").is_visible()
        assert 1 <= summary.locator("h3:text('Ask first') + ol > li").count() <= 3
    print("summary bottom edge (px) per intake:", heights)  # noqa: T201 - the figure the report quotes

    # The 19-year-old: emergency or urgent first, the open alert with its acknowledgement form in the summary.
    page.goto(f"/clinic/intakes/{colitis}")
    summary = page.locator("#summary")
    assert summary.locator(".summary-urgency .badge").first.inner_text() in ("Emergency", "Urgent")
    assert summary.get_by_role("button", name="Acknowledge").first.is_visible()
    assert summary.get_by_label("Action taken").first.is_visible()
    check_page(page, "intake-summary-1366-colitis", keep=True)
    # Acknowledged from the summary itself: the summary then says who did it, and it still fits.
    summary.get_by_label("Action taken").first.select_option(index=1)
    with page.expect_navigation():
        summary.get_by_role("button", name="Acknowledge").first.click()
    assert "Acknowledged" in page.locator("#summary .acknowledged").inner_text()
    assert clinician.email in page.locator("#summary .acknowledged").inner_text()
    box = summary_box(page)
    assert box["y"] + box["height"] <= SCREEN["height"]
    assert not page.locator("#d-ulcerative_colitis .feedback-form").is_visible()  # opened on demand only
    for viewport, name in ((PHONE, "390"), (NARROW, "320")):
        page.set_viewport_size(viewport)  # the same signed-in page, narrower (a new sign-in would reuse the code)
        page.goto(f"/clinic/intakes/{colitis}")
        assert page.url.endswith(f"/clinic/intakes/{colitis}")
        assert page.locator("#summary").get_by_role("heading", name="Top differentials").is_visible()
        check_page(page, f"intake-summary-{name}-colitis", keep=True)
    assert context.console_errors == [], context.console_errors


def test_without_javascript_details_open_and_a_coded_view_is_saved(new_context: Any, live_server: Any) -> None:
    colitis = seed_colitis(live_server)
    clinician = create_staff(live_server.app, ("clinician",), email="dr.nojs@example.org")
    page = new_context(viewport=SCREEN, java_script_enabled=False).new_page()
    sign_in(page, clinician, "summary-nojs")
    page.goto(f"/clinic/intakes/{colitis}")
    rows = page.locator("#differentials article.differential")
    assert not rows.first.is_visible()
    page.locator("#differentials > summary").click()
    assert rows.first.is_visible() and "Source:" in rows.first.inner_text()
    first = rows.first
    assert not first.locator(".feedback-form").is_visible()
    first.locator(".feedback-control > summary").click()
    first.get_by_label("Not relevant for this patient").check()
    first.get_by_label("Note for the rule editors").fill("Infective colitis first: stool culture pending.")
    check_page(page, "intake-summary-nojs-feedback-open", keep=True)
    with page.expect_navigation():
        first.get_by_role("button", name="Save view").click()
    assert "saved for the rule editors" in page.locator(".notice").inner_text()
    first = page.locator("#differentials article.differential").first
    assert first.is_visible(), "the saved view comes back with the differentials open"
    assert "(Not relevant for this patient)" in first.locator(".feedback").inner_text()
    with live_server.session() as session:
        codes = session.scalars(select(DifferentialFeedback.reason_code).where(DifferentialFeedback.intake_id == colitis))
        assert list(codes) == ["not_relevant"]
