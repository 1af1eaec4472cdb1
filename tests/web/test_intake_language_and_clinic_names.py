"""The clinician sees which language the patient answered in, on the intake page and in the letter; staff pages carry
the clinic's name from the clinic details and show times in the clinic's time zone."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pypdf
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.apps import csrf_token
from tests.helpers.pdf_jobs import download
from tests.helpers.rules_editor import post_from_page
from tests.web.test_clinic_decisions import TODAY, submitted
from tests.web.test_patient_languages import complete
from triage.db import intakes as queries
from triage.db.clinic_profile import save_clinic_details
from triage.db.clock import minute_text, times_shown_in
from triage.db.demo import demo_patients
from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.clinic_details import clinic_time

ZONE = "America/New_York"  # never UTC, all year round


def set_details(app: Flask, **values: str) -> None:
    """The clinic's details as an admin saves them."""
    with app.extensions["triage_db"].session() as session:
        save_clinic_details(session, values)
        session.commit()


def submitted_in(app: Flask, ref: str, language: str) -> int:
    """A submitted intake with a demo patient's answers whose patient read the form in `language`."""
    questionnaire = default_questionnaire()
    answers = next(p["answers"] for p in demo_patients() if p["ref"] == "DEMO-001")
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(
            session, ref=ref, questionnaire_version=questionnaire.version, expires_days=30, language=language
        )
        queries.save_step(session, intake, validate_answers(questionnaire, answers, TODAY), {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, TODAY, bundled_ruleset()))
        return intake.id


def first_page(client: FlaskClient, intake_id: int) -> str:
    """The letter's first page as text (downloaded as a clinician does)."""
    url = f"/clinic/intakes/{intake_id}"
    response = download(client, url, csrf_token(client.get(url).data))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join((pypdf.PdfReader(io.BytesIO(response.data)).pages[0].extract_text() or "").split())


def test_a_form_completed_in_spanish_says_so_on_the_intake_page_and_in_the_letter(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    intake_id, _pages = complete(app, app.test_client(), "LANG-ES", "es")
    clinician = app.test_client()
    staff_login(clinician, ("clinician",))
    page = clinician.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert re.search(r"<dt>Answered in</dt><dd><strong>Spanish</strong> \(choices shown here in English", page)
    assert "Questionnaire completed in Spanish" in first_page(clinician, intake_id)
    letter_page = clinician.get(f"/clinic/intakes/{intake_id}/letter").get_data(as_text=True)
    assert "answered the questionnaire in <strong>Spanish</strong>" in letter_page


def test_an_arabic_intake_is_named_in_english_for_the_clinic(app: Flask, staff_login: Callable[..., Any]) -> None:
    intake_id = submitted_in(app, "LANG-AR", "ar")
    clinician = app.test_client()
    staff_login(clinician, ("clinician",))
    assert "<strong>Arabic</strong>" in clinician.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert "Questionnaire completed in Arabic" in first_page(clinician, intake_id)


def test_an_english_intake_says_no_language_on_the_page_nor_in_the_letter(app: Flask, staff_login: Callable[..., Any]) -> None:
    intake_id = submitted(app, "LANG-EN")
    clinician = app.test_client()
    staff_login(clinician, ("clinician",))
    # English is what the page assumes: the line is left out so the summary keeps to one laptop screen.
    assert "<dt>Answered in</dt>" not in clinician.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert "Questionnaire completed in" not in first_page(clinician, intake_id)


def test_rules_pages_and_the_intake_page_carry_the_clinic_name_from_the_clinic_details(
    make_app: Callable[..., Flask], staff_login: Callable[..., Any]
) -> None:
    app = make_app(CLINIC_NAME="Environment Clinic")
    set_details(app, name="Details Clinic")
    editor = app.test_client()
    staff_login(editor, ("rules_editor", "clinician"))
    intake_id = submitted(app, "NAME-1")
    for url in ("/rules/versions", f"/clinic/intakes/{intake_id}", f"/clinic/intakes/{intake_id}/letter", "/rules/"):
        page = editor.get(url).get_data(as_text=True)
        title = re.search(r"<title>(.*?)</title>", page, re.S)
        assert title is not None and title.group(1).endswith("Details Clinic"), (url, title)
        assert "Environment Clinic" not in page, url


def test_rules_versions_show_their_times_in_the_clinics_time_zone(app: Flask, staff_login: Callable[..., Any]) -> None:
    set_details(app, time_zone=ZONE)
    editor = app.test_client()
    staff_login(editor, ("rules_editor",))
    assert post_from_page(editor, "/rules/", "/rules/draft").status_code == 303  # a draft, opened now
    page = editor.get("/rules/versions").get_data(as_text=True)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T", page), "no time in the clinic's zone"
    assert "+00:00" not in page


def test_the_audit_log_and_deliveries_show_the_clinics_zone_not_utc(app: Flask, staff_login: Callable[..., Any]) -> None:
    set_details(app, time_zone=ZONE)
    admin = app.test_client()
    staff_login(admin, ("admin",))
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "Time (UTC)" not in audit and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d E[SD]T", audit)
    assert "(UTC)" not in admin.get("/admin/deliveries").get_data(as_text=True)


def test_the_time_filter_reads_iso_text_and_datetimes_in_the_zone_shown() -> None:
    moment = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    with times_shown_in(ZONE):
        assert clinic_time(moment.isoformat()) == "2026-07-01 08:00 EDT" == clinic_time(moment) == minute_text(moment)
    assert clinic_time("") == "" and clinic_time(None) == "" and clinic_time("not a time") == "not a time"
