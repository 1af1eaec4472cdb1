"""An admin sets the clinic's details in the app (over the environment's), and pages, links and emails follow them."""

from __future__ import annotations

import io
import zoneinfo
from collections.abc import Callable
from typing import Any

import pypdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.patient import new_invitation, open_link
from tests.helpers.pdf_jobs import download
from tests.web.test_clinic_decisions import submitted
from triage.db.clock import as_utc, minute_text
from triage.db.models import AuditEvent, Intake, User
from triage.web.clinic_details import clinic
from triage.web.patient.urgent import alert_mail, help_lines

PAGE = "/admin/clinic"
DETAILS = {
    "name": "Northfield Gut Clinic",
    "address": "Ward 7\nNorthfield Hospital\nNF1 2AB",
    "phone": "+44 20 7946 0000",
    "emergency_instruction": "Call 112 now.",
    "letterhead": "Department of Gastroenterology",
    "page_size": "Letter",
    "invite_expiry_days": "14",
    "privacy_notice": "Your answers are held by the clinic for 8 years.",
    "time_zone": "UTC",
    "alert_email": "alerts@example.org",
    "escalation_email": "",
}


def _png(size: tuple[int, int] = (40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def _save(client: FlaskClient, **fields: Any) -> Any:
    data = {"csrf_token": csrf_token(client.get(PAGE).data), **DETAILS, **fields}
    return client.post(PAGE, data=data, content_type="multipart/form-data")


def _audit(app: Flask) -> list[str]:
    with app.extensions["triage_db"].session() as session:
        return list(session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "clinic.details")))


def test_the_page_says_where_each_value_comes_from(make_app: Callable[..., Flask], staff_login: Callable[..., Any]) -> None:
    app = make_app(CLINIC_NAME="Env Clinic")
    client = app.test_client()
    staff_login(client, ("admin",))
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="Env Clinic"' in page and "From the environment (CLINIC_NAME)" in page
    assert "The default (CLINIC_PHONE is not set)" in page
    _save(client)
    assert "Set here; the environment's CLINIC_NAME is overridden." in client.get(PAGE).get_data(as_text=True)


def test_saved_details_reach_every_page_the_help_lines_and_new_links(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, ("admin", "clinician"))
    response = _save(client)
    assert response.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "Clinic details saved." in page and "<title>Clinic details - Northfield Gut Clinic</title>" in page
    assert "Set here." in page and "is overridden" not in page
    assert "Northfield Gut Clinic" in client.get("/").get_data(as_text=True)
    with app.test_request_context("/"):
        assert help_lines() == {"instruction": "Call 112 now.", "phone": "+44 20 7946 0000", "phone_link": "+442079460000"}
    assert _audit(app) and "name" in _audit(app)[0] and "Northfield" not in _audit(app)[0]

    token = csrf_token(client.get("/clinic/").data)
    made = client.post("/clinic/invitations", data={"csrf_token": token, "ref": "EXP-1"})
    assert made.status_code in (200, 302, 303)
    with app.extensions["triage_db"].session() as session:
        intake = session.scalars(select(Intake).where(Intake.ref == "EXP-1")).one()
        assert intake.invitation is not None
        assert (intake.invitation.expires_at - intake.invitation.created_at).days == 14


def test_saving_the_same_details_again_changes_nothing(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, ("admin",))
    _save(client)
    _save(client)
    assert len(_audit(app)) == 1
    assert "Nothing changed." in client.get(PAGE).get_data(as_text=True)


def test_bad_values_are_refused_with_the_field_named_and_the_input_kept(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, ("admin",))
    response = _save(client, invite_expiry_days="0", name="Kept name")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a whole number from 1 to 365." in page and 'value="Kept name"' in page
    response = _save(client, name="   ")
    assert response.status_code == 400 and "Enter the clinic&#39;s name." in response.get_data(as_text=True)
    assert _audit(app) == []


def test_a_logo_is_checked_stored_shown_and_removed(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, ("admin",))
    refused = _save(client, logo=(io.BytesIO(b"<svg onload=alert(1)>"), "logo.png"))
    assert refused.status_code == 400 and "Logo: the file is not a PNG or JPEG image." in refused.get_data(as_text=True)
    huge = _save(client, logo=(io.BytesIO(_png((3000, 10))), "wide.png"))
    assert huge.status_code == 400 and "larger than 2400 pixels" in huge.get_data(as_text=True)
    assert _save(client, logo=(io.BytesIO(_png()), "logo.png")).status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert 'src="data:image/png;base64,' in page and "Remove the logo" in page
    assert _save(client, remove_logo="y").status_code == 302
    assert "data:image/png" not in client.get(PAGE).get_data(as_text=True)


def test_forgetting_the_details_brings_back_the_environments(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, ("admin",))
    _save(client)
    token = csrf_token(client.get(PAGE).data)
    assert client.post(f"{PAGE}/reset", data={"csrf_token": token}).status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "The environment&#39;s values apply again." in page and "Northfield" not in page


def test_only_an_admin_may_open_or_change_the_details(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, ("clinician", "rules_editor"))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=DETAILS).status_code in (400, 403)
    assert _audit(app) == []


def test_a_post_without_its_csrf_token_is_refused(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, ("admin",))
    assert client.post(PAGE, data=DETAILS).status_code == 400
    assert _audit(app) == []


def test_staff_pages_show_times_in_the_clinics_time_zone(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    account = staff_login(client, ("admin",))
    _save(client, time_zone="America/New_York")
    with app.extensions["triage_db"].session() as session:
        user = session.get(User, account.id)
        assert user is not None and user.last_login_at is not None
        signed_in = user.last_login_at
    page = client.get(f"/admin/users/{account.id}").get_data(as_text=True)
    shown = as_utc(signed_in).astimezone(zoneinfo.ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M %Z")
    assert f"<dt>Last sign-in</dt><dd>{shown}</dd>" in page and shown.endswith(("EST", "EDT"))
    with app.test_request_context("/"):
        assert minute_text(signed_in).endswith("UTC")  # outside a staff request (or after one) times stay in UTC


def test_a_misspelt_time_zone_or_a_bad_alert_address_is_refused(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, ("admin",))
    response = _save(client, time_zone="Europe/Londn")
    assert response.status_code == 400 and "Time zone: use a name such as Europe/London" in response.get_data(as_text=True)
    response = _save(client, alert_email="not an address")
    assert response.status_code == 400 and "Email address: enter an address" in response.get_data(as_text=True)
    assert _audit(app) == []


def test_alerts_go_to_the_address_set_in_the_app(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, ("admin",))
    _save(client, alert_email="duty@example.org")
    with app.test_request_context("/"):
        assert alert_mail().recipient == "duty@example.org"
        assert clinic().escalation_email == "duty@example.org"  # no escalation address: the alert address


def test_patients_read_the_privacy_notice_and_how_to_reach_the_clinic(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    assert "Who reads your answers" in client.get("/privacy").get_data(as_text=True)  # the default notice
    staff_login(client, ("admin",))
    _save(client, privacy_notice="Held for 8 years.\n\nAsk us for a copy <any time>.")
    page = app.test_client().get("/privacy").get_data(as_text=True)
    assert "<p>Held for 8 years.</p>" in page and "<p>Ask us for a copy &lt;any time&gt;.</p>" in page
    assert 'href="tel:+442079460000"' in page and "Ward 7<br>Northfield Hospital<br>NF1 2AB" in page


def test_the_next_letter_carries_the_letterhead_address_phone_and_logo(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, ("admin", "clinician"))
    assert _save(client, logo=(io.BytesIO(_png()), "logo.png")).status_code == 302
    intake_id = submitted(app, "LETTER-1")
    token = csrf_token(client.get(f"/clinic/intakes/{intake_id}").data)
    response = download(client, f"/clinic/intakes/{intake_id}", token)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    letter = pypdf.PdfReader(io.BytesIO(response.data))
    first = " ".join((letter.pages[0].extract_text() or "").split())
    assert "Northfield Gut Clinic" in first and "Department of Gastroenterology" in first
    assert "Ward 7" in first and "NF1 2AB" in first and "+44 20 7946 0000" in first
    assert len(letter.pages[0].images) == 1  # the logo, served to WeasyPrint from the stored image, nothing fetched
    assert letter.pages[0].mediabox.width == pytest.approx(612, abs=1)  # US Letter, as set


def test_patient_pages_carry_the_clinic_name_set_by_the_admin_and_link_to_the_privacy_notice(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    admin = app.test_client()
    staff_login(admin, ("admin",))
    _save(admin)
    token, _intake_id = new_invitation(app, "PRIV-1")
    patient = app.test_client()
    start = open_link(patient, token)
    while start.status_code in (302, 303):
        start = patient.get(start.headers["Location"])
    page = start.get_data(as_text=True)
    assert "<title>Questions before your appointment - Northfield Gut Clinic</title>" in page
    assert 'href="/privacy"' in page
