"""The admin delivery page: statuses with reasons, masked recipients, no message text, admin only, paged by id.

Every test runs on SQLite and on PostgreSQL, with mail going to a real SMTP server (aiosmtpd) the test starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.helpers.outbox import RECIPIENT, enqueue, worker_for
from tests.helpers.patient import new_invitation
from tests.helpers.smtp import SmtpServer
from triage.db.clock import utcnow
from triage.db.models import AuditEvent


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    """An app whose mail goes to the test's SMTP server."""
    return make_app(**smtp_server.settings())


def test_the_admin_delivery_page_shows_statuses_without_the_message(
    mail_app: Flask, smtp_server: SmtpServer, staff_login: Callable[..., Any]
) -> None:
    _token, intake_id = new_invitation(mail_app, ref="D-1")
    sent_id = enqueue(mail_app, "alert:20:urgent", intake_id=intake_id, body="BODY-NOT-SHOWN")
    worker_for(mail_app).deliver_due()
    smtp_server.refuse_recipients_with = "550 5.1.1 <clinic.alerts@example.org>: no such user"
    failed_id = enqueue(mail_app, "alert:21:urgent", subject="SUBJECT-NOT-SHOWN")
    worker_for(mail_app).deliver_due()
    queued_id = enqueue(mail_app, "alert:22:urgent", due_at=utcnow() + dt.timedelta(hours=1))
    client = mail_app.test_client()
    admin = staff_login(client, roles=("admin",))
    page = client.get("/admin/deliveries")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "1 queued, 1 sent, 1 failed" in html
    assert '<a href="/admin/deliveries">Deliveries</a>' in html  # in the staff navigation
    assert "failed: recipient refused: 550 5.1.1 &lt;cl***@example.org&gt;: no such user" in html
    assert f"<td>{sent_id}</td>" in html and f"<td>{failed_id}</td>" in html and f"<td>{queued_id}</td>" in html
    assert html.index(f"<td>{queued_id}</td>") < html.index(f"<td>{sent_id}</td>")  # newest first
    assert "cl***@example.org" in html and RECIPIENT not in html
    assert "BODY-NOT-SHOWN" not in html and "SUBJECT-NOT-SHOWN" not in html
    # An administrator who is not a clinician follows the intake number to that intake's audit trail.
    assert f'href="/admin/audit?intake={intake_id}">{intake_id}</a>' in html
    with mail_app.extensions["triage_db"].session() as session:
        views = session.scalars(select(AuditEvent).where(AuditEvent.action == "deliveries.view")).all()
    assert [(v.actor, v.role) for v in views] == [(admin.email, "admin")]


def test_a_clinician_administrator_follows_the_intake_link_to_the_intake(
    mail_app: Flask, staff_login: Callable[..., Any]
) -> None:
    _token, intake_id = new_invitation(mail_app, ref="D-2")
    enqueue(mail_app, "alert:23:urgent", intake_id=intake_id)
    client = mail_app.test_client()
    staff_login(client, roles=("clinician", "admin"))
    html = client.get("/admin/deliveries").get_data(as_text=True)
    assert f'href="/clinic/intakes/{intake_id}">{intake_id}</a>' in html


def test_the_delivery_page_needs_the_admin_role(mail_app: Flask, staff_login: Callable[..., Any]) -> None:
    assert mail_app.test_client().get("/admin/deliveries").status_code == 302  # to the sign-in page
    for roles in (("clinician",), ("rules_editor",)):
        client = mail_app.test_client()
        staff_login(client, roles=roles)
        assert client.get("/admin/deliveries").status_code == 403
        assert 'href="/admin/deliveries"' not in client.get("/staff/account").get_data(as_text=True)


def test_the_delivery_page_pages_by_message_number(mail_app: Flask, staff_login: Callable[..., Any]) -> None:
    ids = [enqueue(mail_app, f"alert:{n}:bulk") for n in range(55)]
    client = mail_app.test_client()
    staff_login(client, roles=("admin",))
    first = client.get("/admin/deliveries").get_data(as_text=True)
    assert f"<td>{ids[-1]}</td>" in first and f"<td>{ids[5]}</td>" in first and f"<td>{ids[4]}</td>" not in first
    older = f'href="/admin/deliveries?before={ids[5]}"'
    assert older in first
    second = client.get(f"/admin/deliveries?before={ids[5]}").get_data(as_text=True)
    assert [f"<td>{i}</td>" in second for i in ids[:6]] == [True] * 5 + [False]
    assert "?before=" not in second  # the last page has no Older link
    for bad in ("abc", "0", "-3", "99999999999"):
        refused = client.get(f"/admin/deliveries?before={bad}")
        assert refused.status_code == 400
        assert "before: give a message number" in refused.get_data(as_text=True)
