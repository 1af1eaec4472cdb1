"""The admin sets the retention periods on the clinic details page and sees, on /admin/retention, what the next run deletes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.retention import seed_intake, seed_message
from tests.web.test_clinic_details_admin import DETAILS
from triage.config import Settings
from triage.db import retention_run, users
from triage.db.clock import utcnow
from triage.db.models import AuditEvent, Intake
from triage.db.session import Database
from triage.domain.retention import years_before
from triage.web.staff import retention as retention_page

PAGE = "/admin/retention"
CLINIC = "/admin/clinic"
NOW = utcnow().replace(microsecond=0)


def _save(client: FlaskClient, **fields: str) -> Any:
    data = {"csrf_token": csrf_token(client.get(CLINIC).data), **DETAILS, **fields}
    return client.post(CLINIC, data=data, content_type="multipart/form-data")


def _seed(app: Flask) -> None:
    db: Database = app.extensions["triage_db"]
    with db.session() as session:
        user, _uri = users.create_user(session, "c@example.org", "correct horse battery staple 9", ("clinician",))
        seed_intake(session, "PAGE-OLD", years_before(NOW, 9), user.id)
        seed_intake(session, "PAGE-NEW", NOW - dt.timedelta(days=10), user.id, letter=False)
        seed_message(session, "sent", NOW - dt.timedelta(days=100))


def test_the_page_shows_the_periods_and_what_the_next_run_would_delete(
    app: Flask, staff_login: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(app)
    monkeypatch.setattr(retention_page, "utcnow", lambda: NOW)  # the page's clock
    client = app.test_client()
    staff_login(client, ("admin",))
    page = client.get(PAGE).get_data(as_text=True)
    assert "Intakes: 8 years after their last activity" in page and "Sent, failed and cancelled messages: 90 days" in page
    assert "No run has finished yet." in page and "The next run is due now" in page
    assert "<td>1</td>" in page and "<code>answers</code></td><td>1</td>" in page
    assert "PAGE-OLD" not in page and "Pat Example" not in page  # counts and dates only
    with app.extensions["triage_db"].session() as session:
        assert session.scalars(select(AuditEvent.action).where(AuditEvent.action == "retention.view")).all() == ["retention.view"]
        assert session.scalar(select(Intake.id).where(Intake.ref == "PAGE-OLD")) is not None  # the page deletes nothing


def test_after_a_run_the_page_shows_the_next_one_a_day_later(
    app: Flask, staff_login: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(app)
    settings: Settings = app.extensions["triage_settings"]
    retention_run.run(app.extensions["triage_db"], settings, NOW)
    monkeypatch.setattr(retention_page, "utcnow", lambda: NOW + dt.timedelta(hours=1))
    client = app.test_client()
    staff_login(client, ("admin",))
    page = client.get(PAGE).get_data(as_text=True)
    assert "The last run finished" in page and "(cli)" in page and "The worker runs the next at about" in page
    assert "none</td>" in page  # nothing left past its period


def test_periods_set_on_the_clinic_details_page_apply_and_bad_ones_name_their_field(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    client = app.test_client()
    staff_login(client, ("admin",))
    form = client.get(CLINIC).get_data(as_text=True)
    assert 'name="retention_intake_years"' in form and 'value="8"' in form and 'value="90"' in form
    refused = _save(client, retention_intake_years="0", retention_message_days="ninety")
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Keep intakes for: enter a whole number of years from 1 to 50." in text
    assert "Keep sent messages for: enter a whole number of days from 1 to 3650." in text
    assert _save(client, retention_intake_years="10", retention_letter_years="12", retention_message_days="30").status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "Intakes: 10 years" in page and "Letters: 12 years" in page and "messages: 30 days" in page
    assert _save(client, retention_intake_years="", retention_letter_years="", retention_message_days="").status_code == 302
    assert "Intakes: 8 years" in client.get(PAGE).get_data(as_text=True)  # empty: back to the default


def test_only_an_admin_opens_the_page(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, ("clinician", "rules_editor"))
    assert client.get(PAGE).status_code == 403
