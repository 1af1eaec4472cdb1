"""An admin edits the patient message texts with a server-side preview; the worker sends what was saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.outbox import worker_for
from tests.helpers.patient_messages import LINK, invite, tomorrow_at
from tests.helpers.smtp import SmtpServer
from triage.db.message_templates import load_templates
from triage.db.models import AuditEvent
from triage.domain.invitations.message_text import FIELDS

PAGE = "/admin/messages"


def _texts(app: Flask) -> dict[str, str]:
    with app.extensions["triage_db"].session() as session:
        return dict(load_templates(session).texts)


def _post(client: FlaskClient, action: str, **changes: str) -> Any:
    page = client.get(PAGE)
    data = {"csrf_token": csrf_token(page.data), "action": action, **_texts(client.application), **changes}
    return client.post(PAGE, data=data)


def _audit(app: Flask) -> list[str]:
    with app.extensions["triage_db"].session() as session:
        return list(session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "messages.templates")))


@pytest.fixture
def admin(make_app: Callable[..., Flask], smtp_server: SmtpServer, staff_login: Callable[..., Any]) -> FlaskClient:
    """An admin signed in to an app whose mail goes to the test's SMTP server."""
    app = make_app(**smtp_server.settings(), CLINIC_NAME="Northfield Gut Clinic", CLINIC_PHONE="020 7946 0000")
    client = app.test_client()
    staff_login(client, ("admin",))
    return client


def test_the_page_shows_every_text_with_a_preview_in_sample_data(admin: FlaskClient) -> None:
    page = admin.get(PAGE).get_data(as_text=True)
    for field in FIELDS:
        assert f'name="{field.name}"' in page
    assert "Your questionnaire from Northfield Gut Clinic" in page  # the subject's preview, filled in
    assert "http://localhost/i/SAMPLE-" in page and "020 7946 0000" in page
    assert "sent as 2 text messages (segments)" in page  # a text message with a link is over 160 characters


def test_preview_renders_the_draft_and_stores_nothing(admin: FlaskClient) -> None:
    response = _post(admin, "preview", invitation_sms="{clinic_name}: your form {link}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Northfield Gut Clinic: your form http://localhost/i/SAMPLE-" in page
    assert "characters with the sample data: one text message." in page
    assert _texts(admin.application)["invitation_sms"] == FIELDS[4].default
    assert _audit(admin.application) == []


def test_an_unknown_placeholder_is_refused_naming_the_field(admin: FlaskClient) -> None:
    response = _post(admin, "save", reminder_email_body="Hello {patient_name}, {link} {opt_out_link}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Reminder email: text: {patient_name} is not a placeholder here; use {clinic_name}" in page
    assert 'aria-invalid="true"' in page
    assert "No preview yet: it appears once the text above can be used." in page
    missing = _post(admin, "save", invitation_sms="{clinic_name} questionnaire")
    assert "Invitation text message: the text must contain {link}." in missing.get_data(as_text=True)
    stray = _post(admin, "preview", invitation_email_subject="Your {form")
    assert "Invitation email: subject: " in stray.get_data(as_text=True) and stray.status_code == 400
    assert _audit(admin.application) == []


def test_a_saved_text_is_audited_and_sent_and_reset_brings_the_default_back(admin: FlaskClient, smtp_server: SmtpServer) -> None:
    subject = "Before you see us at {clinic_name}"
    response = _post(admin, "save", invitation_email_subject=subject)
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    page = admin.get(PAGE).get_data(as_text=True)
    assert "Message texts saved." in page and "Before you see us at Northfield Gut Clinic" in page
    assert _audit(admin.application) == ["changed invitation_email_subject"]

    app = admin.application
    invite(app, email="patient@example.org")
    assert worker_for(app).run_round(now=tomorrow_at(12)).sent == 1
    [received] = smtp_server.messages()
    assert received.email["Subject"] == "Before you see us at Northfield Gut Clinic"
    assert LINK.search(received.body())

    reset = admin.post(f"{PAGE}/reset", data={"csrf_token": csrf_token(admin.get(PAGE).data)})
    assert reset.status_code == 302
    assert _texts(app)["invitation_email_subject"] == FIELDS[0].default
    assert _audit(app)[-1] == "reset invitation_email_subject"


def test_only_admins_open_the_page(make_app: Callable[..., Flask], staff_login: Callable[..., Any]) -> None:
    client = make_app().test_client()
    staff_login(client, ("clinician",))
    assert client.get(PAGE).status_code == 403
