"""Every patient page says how to reach the clinic and links the privacy notice; the notice and the done page say who
reads the answers, what for, how long they are kept and how to contact the clinic, in the patient's language."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient

from tests.helpers.patient import DONE_URL, START_URL, new_invitation, open_link, submit, walk_to_review
from tests.web.test_patient_languages import choose_language
from triage.db.clinic_profile import FIELDS, save_clinic_details
from triage.web.clinic_details import clinic
from triage.web.patient.privacy import clinic_contact, kept_years

PHONE = "+44 20 7946 0000"
DETAILS = {"name": "Northfield Gut Clinic", "phone": PHONE, "address": "Ward 7\nNorthfield Hospital\nNF1 2AB"}
FOOTER = re.compile(r'<footer class="patient-footer">(.*?)</footer>', re.S)


def set_details(app: Flask, **values: str) -> None:
    """The clinic's details as an admin saves them on the clinic details page."""
    with app.extensions["triage_db"].session() as session:
        save_clinic_details(session, values)
        session.commit()


def footer(page: str) -> str:
    """The patient footer of a page (fails when there is none)."""
    found = FOOTER.search(page)
    assert found is not None, "no patient footer on the page"
    return html.unescape(found.group(1))


def assert_contact_footer(page: str) -> None:
    """The footer names the clinic, its phone as a tap-to-call link, its address on one line, and the privacy link."""
    text = footer(page)
    assert "Northfield Gut Clinic" in text
    assert 'href="tel:+442079460000"' in text and "+44\u00a020\u00a07946\u00a00000" in text
    assert "Ward 7, Northfield Hospital, NF1 2AB" in text
    assert 'href="/privacy"' in text


@pytest.fixture
def clinic_app(app: Flask) -> Flask:
    """The app with the clinic's phone number and address set in the clinic details."""
    set_details(app, **DETAILS)
    return app


def _follow(client: FlaskClient, response: object) -> str:
    while getattr(response, "status_code", 200) in (302, 303):
        response = client.get(response.headers["Location"])  # type: ignore[attr-defined]
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_every_page_of_a_patients_form_shows_the_clinics_phone_address_and_the_privacy_link(clinic_app: Flask) -> None:
    token, _intake_id = new_invitation(clinic_app, "FOOT-1")
    client = clinic_app.test_client()
    pages = [_follow(client, open_link(client, token))]
    pages += [client.get(url).get_data(as_text=True) for url in walk_to_review(client)]
    pages.append(client.get("/intake/review").get_data(as_text=True))
    assert submit(client).status_code == 303
    pages.append(client.get(DONE_URL).get_data(as_text=True))
    pages.append(client.get("/privacy").get_data(as_text=True))
    assert len(pages) > 8
    for page in pages:
        assert_contact_footer(page)


@pytest.mark.parametrize(
    "url",
    ["/i/no-such-link-at-all", START_URL, "/intake/review", DONE_URL, "/intake/no/such/page"],
    ids=["unknown link", "no session", "review without a session", "done without a session", "no such page"],
)
def test_the_error_pages_a_patient_can_reach_show_the_footer_too(clinic_app: Flask, url: str) -> None:
    response = clinic_app.test_client().get(url, follow_redirects=True)  # an unknown link may lead to the check page
    assert response.status_code >= 400 or url.startswith("/i/")
    assert_contact_footer(response.get_data(as_text=True))


def test_staff_pages_have_no_patient_footer(clinic_app: Flask, staff_login: Callable[..., object]) -> None:
    client = clinic_app.test_client()
    assert "patient-footer" not in client.get("/").get_data(as_text=True)
    staff_login(client, ("clinician",))
    worklist = client.get("/clinic/")
    assert worklist.status_code == 200 and "patient-footer" not in worklist.get_data(as_text=True)


def test_without_a_phone_or_address_the_footer_still_names_the_clinic_and_links_the_notice(app: Flask) -> None:
    text = footer(app.test_client().get("/privacy").get_data(as_text=True))
    assert "Gastroenterology clinic" in text and 'href="/privacy"' in text and "tel:" not in text


def test_the_default_privacy_notice_says_who_reads_the_answers_what_for_how_long_and_whom_to_ask(clinic_app: Flask) -> None:
    page = html.unescape(clinic_app.test_client().get("/privacy").get_data(as_text=True))
    assert "The staff of Northfield Gut Clinic who look after your appointment" in page  # who
    assert "To prepare your appointment and to decide how soon you need to be seen." in page  # what for
    assert "Your answers become part of your record at the clinic. They are kept for" in page  # how long
    assert "Please ask Northfield Gut Clinic if you have a question" in page  # whom to contact
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'href="tel:+442079460000"' in main and "Ward 7<br>Northfield Hospital<br>NF1 2AB" in main


@pytest.mark.skipif("retention_intake_years" not in FIELDS, reason="the clinic details have no retention period")
def test_the_default_notice_gives_the_clinics_retention_period_for_intakes(clinic_app: Flask) -> None:
    set_details(clinic_app, retention_intake_years="5")
    page = html.unescape(clinic_app.test_client().get("/privacy").get_data(as_text=True))
    assert "They are kept for 5 years after they were last used, then deleted." in page
    set_details(clinic_app, retention_intake_years="1")
    page = html.unescape(clinic_app.test_client().get("/privacy").get_data(as_text=True))
    assert "They are kept for one year after they were last used, then deleted." in page


def test_without_a_retention_period_the_notice_says_the_records_policy_decides(app: Flask) -> None:
    with app.test_request_context("/privacy"):
        page = html.unescape(render_template("patient/privacy.html", paragraphs=[], contact=clinic_contact(), kept_years=None))
        profile = clinic()
    assert "kept for as long as the clinic's records policy says, like the rest of your record." in page
    if hasattr(profile, "retention_intake_years"):
        assert kept_years(dataclasses.replace(profile, retention_intake_years=0)) is None


def test_a_notice_the_clinic_wrote_replaces_the_default_and_is_shown_as_written(clinic_app: Flask) -> None:
    set_details(clinic_app, privacy_notice="We keep answers for 8 years.\n\nWrite to the <data officer>.")
    page = clinic_app.test_client().get("/privacy").get_data(as_text=True)
    assert "<p>We keep answers for 8 years.</p>" in page and "<p>Write to the &lt;data officer&gt;.</p>" in page
    assert "Who reads your answers" not in page and "records policy" not in page
    assert 'href="tel:+442079460000"' in page  # how to reach the clinic stays


def test_the_default_notice_and_the_footer_are_in_the_patients_language(clinic_app: Flask) -> None:
    client = clinic_app.test_client()
    choose_language(client, "es", back="/privacy")
    page = client.get("/privacy").get_data(as_text=True)
    assert '<html lang="es"' in page
    assert "Quién lee sus respuestas" in page and "El personal de Northfield Gut Clinic" in page
    assert "Teléfono:" in footer(page) and "Cómo se usan sus respuestas" in footer(page)


def test_the_done_page_says_how_to_contact_the_clinic_if_something_changes(clinic_app: Flask) -> None:
    token, _intake_id = new_invitation(clinic_app, "DONE-1")
    client = clinic_app.test_client()
    open_link(client, token)
    walk_to_review(client)
    assert submit(client).status_code == 303
    page = html.unescape(client.get(DONE_URL).get_data(as_text=True))
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "If something changes, or you remember something important, please contact the clinic:" in main
    assert 'href="tel:+442079460000"' in main and "Address: Ward 7, Northfield Hospital, NF1 2AB" in main


def test_the_done_page_without_contact_details_asks_the_patient_to_tell_the_clinic(app: Flask) -> None:
    token, _intake_id = new_invitation(app, "DONE-2")
    client = app.test_client()
    open_link(client, token)
    walk_to_review(client)
    assert submit(client).status_code == 303
    main = html.unescape(client.get(DONE_URL).get_data(as_text=True)).split("<main", 1)[1].split("</main>", 1)[0]
    assert "please tell the clinic." in main and "Address:" not in main
