"""An admin sees each shipped translation's translator and medical review, and switches a language off for patients:
it leaves the language menu, and a patient whose form is in it reads English until it is switched on again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.patient import START_URL, new_invitation, open_link
from tests.web.test_patient_languages import choose_language
from triage.db.models import AuditEvent

PAGE = "/admin/languages"


def offer(admin: FlaskClient, *codes: str) -> Any:
    """Save the languages page with these languages ticked (the others switched off)."""
    return admin.post(PAGE, data={"csrf_token": csrf_token(admin.get(PAGE).data), "offered": list(codes)})


def start_page(client: FlaskClient) -> str:
    """The patient's first page as HTML."""
    return client.get(START_URL).get_data(as_text=True)


def test_the_page_lists_each_translation_marked_unreviewed_and_offered(app: Flask, staff_login: Callable[..., Any]) -> None:
    admin = app.test_client()
    staff_login(admin, ("admin",))
    page = admin.get(PAGE).get_data(as_text=True)
    for name in ("Spanish", "Polish", "Arabic"):
        assert name in page
    assert page.count("Not reviewed by a qualified medical translator") == 3
    assert "gut-triage project, machine-assisted first draft" in page
    assert page.count('type="checkbox"') == 3 and page.count("checked") == 3  # English is always offered, not listed
    assert 'href="/admin/languages"' in admin.get("/admin/clinic").get_data(as_text=True)


def test_only_admins_open_the_page(app: Flask, staff_login: Callable[..., Any]) -> None:
    clinician = app.test_client()
    staff_login(clinician, ("clinician",))
    assert clinician.get(PAGE).status_code == 403


def test_a_language_switched_off_leaves_the_menu_and_cannot_be_chosen(app: Flask, staff_login: Callable[..., Any]) -> None:
    admin = app.test_client()
    staff_login(admin, ("admin",))
    assert offer(admin, "es", "ar").status_code == 303
    assert "switched off for patients" in admin.get(PAGE).get_data(as_text=True)
    with app.extensions["triage_db"].session() as session:
        details = list(session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "languages.offered")))
    assert details == ["switched off: pl"]

    token, _intake_id = new_invitation(app, "OFF-1")
    patient = app.test_client()
    open_link(patient, token)
    page = start_page(patient)
    assert 'value="pl"' not in page and 'value="es"' in page and 'value="ar"' in page
    response = patient.post("/intake/language", data={"csrf_token": csrf_token(patient.get(START_URL).data), "language": "pl"})
    assert response.status_code == 303 and '<html lang="en"' in start_page(patient)


def test_a_patient_reading_a_language_switched_off_falls_back_to_english(app: Flask, staff_login: Callable[..., Any]) -> None:
    token, _intake_id = new_invitation(app, "OFF-2")
    patient = app.test_client()
    open_link(patient, token)
    choose_language(patient, "pl")
    assert '<html lang="pl"' in start_page(patient)
    admin = app.test_client()
    staff_login(admin, ("admin",))
    offer(admin, "es", "ar")
    assert '<html lang="en"' in start_page(patient)  # the intake still says Polish; the page is English
    offer(admin, "es", "ar", "pl")
    assert '<html lang="pl"' in start_page(patient)


def test_a_code_that_is_not_shipped_is_refused_with_a_message(app: Flask, staff_login: Callable[..., Any]) -> None:
    admin = app.test_client()
    staff_login(admin, ("admin",))
    response = offer(admin, "es", "xx")
    assert response.status_code == 400
    assert "Offered to patients: tick only the languages listed." in response.get_data(as_text=True)
