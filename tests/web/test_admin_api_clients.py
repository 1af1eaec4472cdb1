"""The admin page of FHIR API clients: only admins, CSRF, the token shown once and kept hashed, changes audited."""

from __future__ import annotations

import hashlib
import re

import pytest
from flask import Flask
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.staff import StaffClock, create_staff, sign_in
from triage.db import api_clients
from triage.db.models import ApiClient, AuditEvent

TOKEN = re.compile(r'<code id="api-token">([^<]+)</code>')


def audit_details(app: Flask, action: str) -> list[str]:
    """The details of the audit rows of one action."""
    with app.extensions["triage_db"].session() as session:
        return list(session.scalars(select(AuditEvent.detail).where(AuditEvent.action == action)))


def test_an_admin_creates_a_client_whose_token_is_shown_once_and_kept_hashed(app: Flask, staff_clock: StaffClock) -> None:
    admin = app.test_client()
    sign_in(admin, create_staff(app, ("admin",)))
    page = admin.get("/admin/api-clients")
    assert page.status_code == 200 and "No API clients yet" in page.get_data(as_text=True)
    created = admin.post(
        "/admin/api-clients",
        data={"csrf_token": csrf_token(page.data), "name": "Clinic EHR", "scopes": ["Patient", "QuestionnaireResponse"]},
    )
    text = created.get_data(as_text=True)
    found = TOKEN.search(text)
    assert created.status_code == 200 and found
    token = found.group(1)
    again = admin.get("/admin/api-clients").get_data(as_text=True)
    assert token not in again and "Clinic EHR" in again and "Patient, QuestionnaireResponse" in again
    with app.extensions["triage_db"].session() as session:
        row = session.scalar(select(ApiClient))
        assert row is not None
        secret = token.split(".", 1)[1]
        assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in str([row.client_id, row.name, row.scopes])
        caller = api_clients.authenticate(session, token)
        assert caller is not None and caller.scopes == {"Patient", "QuestionnaireResponse"}
        assert api_clients.authenticate(session, f"{row.client_id}.wrong-secret") is None
        row_id = row.id
    (detail,) = audit_details(app, "api_client.create")
    assert "Clinic EHR" in detail and secret not in detail

    revoked = admin.post(f"/admin/api-clients/{row_id}/revoke", data={"csrf_token": csrf_token(again)})
    assert revoked.status_code == 302
    assert "Revoked" in admin.get("/admin/api-clients").get_data(as_text=True)
    assert len(audit_details(app, "api_client.revoke")) == 1
    with app.extensions["triage_db"].session() as session:
        assert api_clients.authenticate(session, token) is None


def test_a_form_with_problems_names_the_field_and_keeps_what_was_typed(app: Flask, staff_clock: StaffClock) -> None:
    admin = app.test_client()
    sign_in(admin, create_staff(app, ("admin",)))
    page = admin.get("/admin/api-clients")
    response = admin.post("/admin/api-clients", data={"csrf_token": csrf_token(page.data), "name": "Lab system"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choose at least one resource type." in text and 'value="Lab system"' in text
    odd = admin.post("/admin/api-clients", data={"csrf_token": csrf_token(page.data), "name": "X", "scopes": ["Account"]})
    assert odd.status_code == 400 and "Choose resource types from the list." in odd.get_data(as_text=True)
    without_token = admin.post("/admin/api-clients", data={"name": "Lab", "scopes": ["Patient"]})
    assert without_token.status_code == 400
    with app.extensions["triage_db"].session() as session:
        assert session.scalar(select(ApiClient)) is None


@pytest.mark.parametrize("role", ["clinician", "rules_editor"])
def test_only_admins_manage_api_clients(app: Flask, staff_clock: StaffClock, role: str) -> None:
    client = app.test_client()
    sign_in(client, create_staff(app, (role,)))
    token = csrf_token(client.get("/staff/account").data)
    assert client.get("/admin/api-clients").status_code == 403
    assert client.post("/admin/api-clients", data={"csrf_token": token, "name": "X", "scopes": ["Patient"]}).status_code == 403
    assert client.post("/admin/api-clients/1/revoke", data={"csrf_token": token}).status_code == 403
