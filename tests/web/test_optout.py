"""Stopping reminders from a message: the page asks (GET changes nothing), the button or a mail client's one-click records it.

An unknown link gets the same pages and records nothing; the pages name the clinic only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.patient import csrf_of
from tests.helpers.reminders import APPOINTMENT, DAY, invite, opt_out_token, run_reminders
from triage.db.invitation_links import mint_token
from triage.db.models import AuditEvent, Invitation

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
UNKNOWN = "x" * 43


@pytest.fixture
def clinic_app(make_app: Callable[..., Flask]) -> Flask:
    """The app with CSRF on and the clinic's name and phone number set."""
    return make_app(CLINIC_NAME="Riverside Gut Clinic", CLINIC_PHONE="+44 20 7946 0000")


def made(app: Flask) -> tuple[int, str]:
    """An invitation with an appointment in a fortnight (made 14 days before it) and its opt-out token."""
    invitation = invite(app, "R-1", created_at=APPOINTMENT - 14 * DAY, appointment_at=APPOINTMENT)
    return invitation, opt_out_token(app, invitation)


def opted_out_at(app: Flask, invitation_id: int) -> dt.datetime | None:
    with app.extensions["triage_db"].session() as session:
        return session.scalar(select(Invitation.reminders_opted_out_at).where(Invitation.id == invitation_id))


def opt_out_events(app: Flask) -> list[tuple[str, str, str, str]]:
    """(actor, role, outcome, detail) of each opt-out audit row."""
    with app.extensions["triage_db"].session() as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.role, AuditEvent.outcome, AuditEvent.detail)
            .where(AuditEvent.action == "invitation.opt_out")
            .order_by(AuditEvent.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def page_text(client: FlaskClient, url: str) -> str:
    """A page without its CSRF token and the token in its form (what differs between any two links anyway)."""
    html = client.get(url).get_data(as_text=True)
    html = re.sub(r'value="[^"]+"', 'value=""', html)
    return re.sub(r"/stop/[^\"?]+", "/stop/TOKEN", html)


def test_the_page_asks_names_only_the_clinic_and_changes_nothing(clinic_app: Flask) -> None:
    invitation, token = made(clinic_app)
    response = clinic_app.test_client().get(f"/stop/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Stop reminders from Riverside Gut Clinic?" in html
    assert 'name="csrf_token"' in html and f'action="/stop/{token}"' in html
    assert "Ada Example" not in html and "patient@example.org" not in html
    assert opted_out_at(clinic_app, invitation) is None and opt_out_events(clinic_app) == []


def test_the_button_records_the_opt_out_then_redirects_to_the_confirmation(clinic_app: Flask) -> None:
    invitation, token = made(clinic_app)
    client = clinic_app.test_client()
    csrf = csrf_of(client.get(f"/stop/{token}"))
    response = client.post(f"/stop/{token}", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"].endswith("/stop/done")
    assert opted_out_at(clinic_app, invitation) is not None
    assert opt_out_events(clinic_app) == [(f"invitation:{invitation}", "patient", "ok", "page")]
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You will get no more reminders" in done
    assert "please call Riverside Gut Clinic on" in done and 'href="tel:+442079460000"' in done
    assert "Ada Example" not in done


def test_without_a_csrf_token_the_button_post_is_refused_and_nothing_is_recorded(clinic_app: Flask) -> None:
    invitation, token = made(clinic_app)
    client = clinic_app.test_client()
    client.get(f"/stop/{token}")
    for data in ({}, {"csrf_token": "forged"}, {**ONE_CLICK, "extra": "1"}, {"List-Unsubscribe": "Yes"}):
        assert client.post(f"/stop/{token}", data=data).status_code == 400
    assert opted_out_at(clinic_app, invitation) is None and opt_out_events(clinic_app) == []


@pytest.mark.parametrize("multipart", [False, True])
def test_a_mail_clients_one_click_post_works_without_cookie_or_csrf(clinic_app: Flask, multipart: bool) -> None:
    invitation, token = made(clinic_app)
    response = clinic_app.test_client().post(
        f"/stop/{token}", data=ONE_CLICK, content_type="multipart/form-data" if multipart else None
    )
    assert response.status_code == 200 and "You will get no more reminders" in response.get_data(as_text=True)
    assert opted_out_at(clinic_app, invitation) is not None
    assert opt_out_events(clinic_app) == [(f"invitation:{invitation}", "patient", "ok", "one-click")]


def test_a_second_opt_out_keeps_the_first_time_and_writes_no_second_row(clinic_app: Flask) -> None:
    invitation, token = made(clinic_app)
    client = clinic_app.test_client()
    client.post(f"/stop/{token}", data=ONE_CLICK)
    first = opted_out_at(clinic_app, invitation)
    client.post(f"/stop/{token}", data=ONE_CLICK)
    assert opted_out_at(clinic_app, invitation) == first and len(opt_out_events(clinic_app)) == 1


def test_an_unknown_or_questionnaire_link_gets_the_same_pages_and_records_nothing(clinic_app: Flask) -> None:
    invitation, token = made(clinic_app)
    with clinic_app.extensions["triage_db"].session() as session:
        link = mint_token(session, invitation, "link")  # a questionnaire link does not stop reminders
        session.commit()
    client = clinic_app.test_client()
    real = page_text(client, f"/stop/{token}")
    for other in (UNKNOWN, link, "%00" * 3, "y" * 400):
        assert page_text(client, f"/stop/{other}") == real
        csrf = csrf_of(client.get(f"/stop/{UNKNOWN}"))
        response = client.post(f"/stop/{other}", data={"csrf_token": csrf})
        assert response.status_code == 303 and response.headers["Location"].endswith("/stop/done")
        one_click = client.post(f"/stop/{other}", data=ONE_CLICK)
        assert one_click.status_code == 200 and "You will get no more reminders" in one_click.get_data(as_text=True)
    assert opted_out_at(clinic_app, invitation) is None and opt_out_events(clinic_app) == []


def test_after_opting_out_no_reminder_is_queued(clinic_app: Flask) -> None:
    invitation, token = made(clinic_app)
    other = invite(clinic_app, "R-2", created_at=APPOINTMENT - 14 * DAY, appointment_at=APPOINTMENT)
    clinic_app.test_client().post(f"/stop/{token}", data=ONE_CLICK)
    assert run_reminders(clinic_app, APPOINTMENT - 7 * DAY) == 1  # only the other invitation's
    assert opted_out_at(clinic_app, other) is None and opted_out_at(clinic_app, invitation) is not None


def test_changing_the_language_on_the_page_comes_back_to_it_translated(clinic_app: Flask) -> None:
    _invitation, token = made(clinic_app)
    client = clinic_app.test_client()
    csrf = csrf_of(client.get(f"/stop/{token}"))
    response = client.post("/intake/language", data={"csrf_token": csrf, "language": "es", "back": f"/stop/{token}"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/stop/{token}")
    assert "¿Dejar de recibir recordatorios de Riverside Gut Clinic?" in client.get(f"/stop/{token}").get_data(as_text=True)
