"""The invitation panel: state, masked contact and deliveries; resend, extend, revoke and unlock, each audited."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.identity import CHECK_URL, DOB, answer_check
from tests.helpers.patient import START_URL, audit_rows, csrf_of, db_session, open_link, set_invitation
from triage.db import intakes as queries
from triage.db.clock import as_utc, utcnow
from triage.db.invitation_outbox import queue_invitation_messages
from triage.db.models import Intake, Invitation, OutboxMessage, PatientSession
from triage.domain.invitations.contact import InvitationContact
from triage.domain.questionnaire.questions import default_questionnaire

LINK = re.compile(r'value="http://localhost/i/([A-Za-z0-9_-]{40,})"')


def invited(app: Flask, ref: str = "P-1", dob: dt.date | None = None, **contact: Any) -> tuple[str, int]:
    """An invitation with a name, email and mobile, and its first messages queued; (raw token, intake id)."""
    values = {"patient_name": "Jo Bloggs", "email": "jo@example.com", "mobile": "+447700900123"} | contact
    with db_session(app) as session:
        token, intake = queries.create_invitation(
            session,
            ref=ref,
            questionnaire_version=default_questionnaire().version,
            expires_days=30,
            contact=InvitationContact(date_of_birth=dob, **values),
        )
        assert intake.invitation is not None
        queue_invitation_messages(session, intake.invitation, kind="invitation", occasion="created")
        return token, intake.id


def invitation(app: Flask, intake_id: int) -> Invitation:
    """The invitation row as stored now."""
    with db_session(app) as session:
        found = session.scalar(select(Invitation).where(Invitation.intake_id == intake_id))
        assert found is not None
        session.expunge(found)
        return found


def messages(app: Flask, intake_id: int) -> list[tuple[str, str, str, str]]:
    """(kind, channel, status, occasion) of the intake's patient messages, oldest first."""
    with db_session(app) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.intake_id == intake_id).order_by(OutboxMessage.id))
        return [(m.kind, m.channel, m.status, m.details["occasion"]) for m in rows]


def act(client: FlaskClient, intake_id: int, action: str, **data: str) -> Any:
    """Post an action from the panel with the page's CSRF token."""
    token = csrf_of(client.get(f"/clinic/intakes/{intake_id}/invitation"))
    return client.post(f"/clinic/intakes/{intake_id}/invitation/{action}", data={"csrf_token": token, **data})


def test_the_panel_shows_state_masked_contact_and_each_delivery(app: Flask, staff_login: Callable[..., Any]) -> None:
    _, intake_id = invited(app)
    with db_session(app) as session:
        first, second = session.scalars(
            select(OutboxMessage).where(OutboxMessage.intake_id == intake_id).order_by(OutboxMessage.id)
        )
        first.status, first.sent_at = "sent", utcnow()
        second.status, second.last_error = "failed", "the provider refused the number"
        invitation_row = session.scalar(select(Invitation).where(Invitation.intake_id == intake_id))
        assert invitation_row is not None
        later = utcnow() + dt.timedelta(days=3)
        reminder, held = queue_invitation_messages(session, invitation_row, kind="reminder", occasion="7d", due_at=later)
        held.last_error = "the mail server cannot be reached"
    client = app.test_client()
    staff_login(client)
    page = client.get(f"/clinic/intakes/{intake_id}/invitation").get_data(as_text=True)
    assert "Open: the patient can use the link" in page and "Jo Bloggs" in page
    assert "j\u2022\u2022\u2022@example.com" in page and "+44 \u2022\u2022\u2022\u2022 \u2022\u20220123" in page
    assert "jo@example.com" not in page and "900123" not in page
    assert "Sent 20" in page and "Failed: the provider refused the number" in page
    assert 'Reminder <span class="muted">(7d)</span>' in page and "Scheduled for 20" in page
    assert "Waiting: the mail server cannot be reached (next try 20" in page
    assert f'href="/clinic/intakes/{intake_id}/invitation"' in client.get("/clinic/").get_data(as_text=True)
    assert f'href="/clinic/intakes/{intake_id}/invitation"' in client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert audit_rows(app, "invitation.view")[-1].intake_id == intake_id


def test_resend_ends_every_earlier_link_and_the_new_one_works(app: Flask, staff_login: Callable[..., Any]) -> None:
    old, intake_id = invited(app, email="jo@example.com", mobile="")
    set_invitation(app, intake_id, revoked_at=utcnow())
    client = app.test_client()
    staff_login(client)
    reply = act(client, intake_id, "resend")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "shown <strong>only once</strong>" in html and "by email" in html
    found = LINK.search(html)
    assert found is not None
    new = found.group(1)
    later = client.get(f"/clinic/intakes/{intake_id}/invitation").get_data(as_text=True)
    assert new not in later and "Cancelled: replaced by a resend" in later  # the link is shown once only
    row = invitation(app, intake_id)
    assert row.revoked_at is None and as_utc(row.expires_at) > utcnow() + dt.timedelta(days=29)
    assert messages(app, intake_id) == [
        ("invitation", "email", "cancelled", "created"),
        ("invitation", "email", "queued", "resend-1"),
    ]
    act(client, intake_id, "resend")
    assert messages(app, intake_id)[-1] == ("invitation", "email", "queued", "resend-2")
    assert [r.outcome for r in audit_rows(app, "invitation.resend")] == ["ok", "ok"]
    patient = app.test_client()
    assert open_link(patient, old).location == CHECK_URL  # a link that no longer exists: the decoy check
    assert open_link(app.test_client(), new).location == CHECK_URL  # the second resend ended the first new link too


def test_the_new_link_opens_the_questionnaire(app: Flask, staff_login: Callable[..., Any]) -> None:
    old, intake_id = invited(app)
    client = app.test_client()
    staff_login(client)
    new = LINK.search(act(client, intake_id, "resend").get_data(as_text=True))
    assert new is not None
    assert open_link(app.test_client(), new.group(1)).location == START_URL
    assert open_link(app.test_client(), old).location == CHECK_URL


def test_resend_of_a_submitted_intake_is_refused_politely(app: Flask, staff_login: Callable[..., Any]) -> None:
    _, intake_id = invited(app)
    with db_session(app) as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        intake.status, intake.submitted_at = "submitted", utcnow()
    client = app.test_client()
    staff_login(client)
    before = invitation(app, intake_id).token_sha256
    reply = act(client, intake_id, "resend")
    assert reply.status_code == 303
    assert "already submitted" in client.get(reply.location).get_data(as_text=True)
    assert invitation(app, intake_id).token_sha256 == before
    assert [(r.outcome, r.detail) for r in audit_rows(app, "invitation.resend")] == [("refused", "submitted")]


def test_extend_by_the_clinic_default_or_a_chosen_number_of_days(app: Flask, staff_login: Callable[..., Any]) -> None:
    _, intake_id = invited(app)
    set_invitation(app, intake_id, expires_at=utcnow() - dt.timedelta(days=1))
    client = app.test_client()
    staff_login(client)
    assert "Expired" in client.get(f"/clinic/intakes/{intake_id}/invitation").get_data(as_text=True)
    reply = act(client, intake_id, "extend", days="5")
    assert reply.status_code == 303 and "The link now works until" in client.get(reply.location).get_data(as_text=True)
    left = as_utc(invitation(app, intake_id).expires_at) - utcnow()
    assert dt.timedelta(days=4, hours=23) < left <= dt.timedelta(days=5)
    act(client, intake_id, "extend", days="")
    left = as_utc(invitation(app, intake_id).expires_at) - utcnow()
    assert dt.timedelta(days=29, hours=23) < left <= dt.timedelta(days=30)
    bad = act(client, intake_id, "extend", days="91")
    assert bad.status_code == 400 and "Days: give a whole number from 1 to 90." in bad.get_data(as_text=True)
    assert [r.detail for r in audit_rows(app, "invitation.extend")] == ["days=5", "days=30"]


def test_revoke_ends_a_live_session_and_cancels_queued_messages(app: Flask, staff_login: Callable[..., Any]) -> None:
    token, intake_id = invited(app)
    patient = app.test_client()
    open_link(patient, token)
    assert patient.get(START_URL).status_code == 200
    client = app.test_client()
    staff_login(client)
    assert act(client, intake_id, "revoke").status_code == 303
    assert invitation(app, intake_id).revoked_at is not None
    with db_session(app) as session:
        assert all(s.revoked_at is not None for s in session.scalars(select(PatientSession)))
    assert patient.get(START_URL).status_code != 200
    assert {status for _, _, status, _ in messages(app, intake_id)} == {"cancelled"}
    assert act(client, intake_id, "revoke").status_code == 303  # a second revoke is refused, not an error
    assert [r.outcome for r in audit_rows(app, "invitation.revoke")] == ["ok", "refused"]


def test_unlock_after_too_many_wrong_dates_of_birth(app: Flask, staff_login: Callable[..., Any]) -> None:
    token, intake_id = invited(app, dob=DOB)
    patient = app.test_client()
    open_link(patient, token)
    for _ in range(5):
        answer_check(patient, dt.date(1999, 1, 1))
    assert invitation(app, intake_id).locked_until is not None
    client = app.test_client()
    staff_login(client)
    assert "Locked after too many wrong dates of birth" in client.get(f"/clinic/intakes/{intake_id}/invitation").get_data(
        as_text=True
    )
    assert act(client, intake_id, "unlock").status_code == 303
    row = invitation(app, intake_id)
    assert row.locked_until is None and row.dob_failures == 0
    assert answer_check(patient, DOB).location == START_URL
    assert [r.outcome for r in audit_rows(app, "invitation.unlock")] == ["ok"]


def test_actions_need_a_csrf_token_and_a_clinician(app: Flask, staff_login: Callable[..., Any]) -> None:
    _, intake_id = invited(app)
    client = app.test_client()
    staff_login(client)
    for action in ("resend", "extend", "revoke", "unlock"):
        assert client.post(f"/clinic/intakes/{intake_id}/invitation/{action}").status_code == 400
    assert invitation(app, intake_id).revoked_at is None
    admin = app.test_client()
    staff_login(admin, roles=("admin", "rules_editor"))
    assert admin.get(f"/clinic/intakes/{intake_id}/invitation").status_code == 403
    assert client.get("/clinic/intakes/999999/invitation").status_code == 404
