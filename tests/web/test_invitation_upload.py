"""The CSV upload: every row checked first; all created with their messages queued, or nothing and a row-by-row report."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select

from tests.helpers.apps import csrf_token
from triage.db import intakes as queries
from triage.db.models import AuditEvent, Intake, Invitation, OutboxMessage

TOMORROW = (dt.datetime.now(ZoneInfo("UTC")) + dt.timedelta(days=1)).date()
HEADER = "ref,name,date_of_birth,email,mobile,appointment,language,nhs_number,mrn,referrer_name,referrer_practice\r\n"
UPLOAD = "/clinic/invitations/upload"


def upload(client: Any, data: bytes, filename: str = "tomorrow.csv") -> Any:
    """Post a file to the upload form with the page's CSRF token."""
    token = csrf_token(client.get(UPLOAD).data)
    return client.post(
        UPLOAD, data={"csrf_token": token, "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def counts(app: Flask) -> tuple[int, int, int]:
    """How many intakes, outbox messages and invitation.create audit rows there are."""
    with app.extensions["triage_db"].session() as session:
        return (
            session.scalar(select(func.count()).select_from(Intake)) or 0,
            session.scalar(select(func.count()).select_from(OutboxMessage)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "invitation.create")) or 0,
        )


def good_rows(n: int) -> str:
    """n rows that pass, each with an email; every other one with a mobile too."""
    return "".join(
        f"U-{i},Patient {i},1980-01-{1 + i % 28:02d},p{i}@example.org,{'07400 123456' if i % 2 else ''},"
        f"{TOMORROW.isoformat()} 09:{i % 60:02d},,,,Dr Grey,Elm Surgery\r\n"
        for i in range(n)
    )


def test_good_rows_are_all_created_queued_and_audited_then_redirected(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    account = staff_login(client)
    page = client.get(UPLOAD).get_data(as_text=True)
    assert "date_of_birth" in page and "Download a template CSV" in page
    reply = upload(client, ("\ufeff" + HEADER + good_rows(4)).encode())
    assert reply.status_code == 303 and reply.location.endswith("/clinic/invitations/upload/done")
    done = client.get(reply.location).get_data(as_text=True)
    assert "4 invitations created" in done and "6 messages are queued" in done
    assert "not shown on screen" in done and "/i/" not in done
    assert counts(app) == (4, 6, 4)
    with app.extensions["triage_db"].session() as session:
        invitation = session.scalar(select(Invitation).join(Intake).where(Intake.ref == "U-1"))
        assert invitation is not None and invitation.mobile == "+447400123456" and invitation.patient_name == "Patient 1"
        assert invitation.intake.referrer_practice == "Elm Surgery" and invitation.intake.appointment_date == TOMORROW
        assert invitation.appointment_at is not None and invitation.created_by == account.email
        actors = set(session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "invitation.create")))
        assert actors == {account.email}


def test_bad_rows_are_each_reported_with_the_reason_and_nothing_is_created(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    bad = (
        "B-1,Ann,1980-02-30,,,,,,,,\r\n"  # line 52: no such day
        "B-2,Bo,,,0123,,,,,,\r\n"  # line 53: not a phone number
        "U-3,Cy,,,,,,,,,\r\n"  # line 54: the reference is on line 5 already
        ",Di,,,,,,,,,\r\n"  # line 55: no reference
        "B-5,Ed,,,,,de,,,,\r\n"  # line 56: not an offered language
    )
    reply = upload(client, (HEADER + good_rows(50) + bad).encode())
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400 and "Nothing was created" in html and "5 of 55 rows were refused" in html
    for line, ref, reason in (
        (52, "B-1", "date_of_birth: That day does not exist"),
        (53, "B-2", "mobile: This is not a valid phone number"),
        (54, "U-3", "ref: “U-3” is already on line 5 of this file."),
        (55, "—", "ref: Enter the clinic&#39;s patient reference."),
        (56, "B-5", "language: “de” is not offered"),
    ):
        assert f'<tr><td>{line}</td><th scope="row">{ref}</th><td><ul><li>{reason}' in html
    assert counts(app) == (0, 0, 0)
    with app.extensions["triage_db"].session() as session:
        refused = session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.upload"))
        assert refused is not None and refused.outcome == "refused" and "refused=5" in refused.detail


def test_a_reference_with_an_open_invitation_refuses_the_file(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    with app.extensions["triage_db"].session() as session:
        queries.create_invitation(session, ref="u-2", questionnaire_version="1", expires_days=30)
        _token, submitted = queries.create_invitation(session, ref="U-0", questionnaire_version="1", expires_days=30)
        submitted.status = "submitted"  # a finished intake does not block a new invitation
    reply = upload(client, (HEADER + good_rows(3)).encode())
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400 and "ref: “U-2” already has an open invitation." in html
    assert "U-0" not in html and counts(app) == (2, 0, 0)


def test_problems_with_the_whole_file_are_explained(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    for data, words in (
        (b"ref,naam\r\nA,B\r\n", "These are not column names: “naam”"),
        (HEADER.encode() + "É-1,Zoë,,,,,,,,,\r\n".encode("cp1252"), "not UTF-8"),
        (b"ref\r\n" + b"".join(f"R-{n}\r\n".encode() for n in range(2001)), "more than 2000 rows"),
        (b"", "Choose the CSV file"),
    ):
        reply = upload(client, data, filename="x.csv" if data else "")
        assert reply.status_code == 400 and words in reply.get_data(as_text=True), words
    assert counts(app) == (0, 0, 0)


def test_the_template_downloads_and_is_accepted_as_it_is(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    template = client.get("/clinic/invitations/upload/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert "attachment" in template.headers["Content-Disposition"]
    assert template.data.decode().startswith(HEADER)
    assert upload(client, template.data).status_code == 303
    assert counts(app) == (1, 2, 1)


def test_only_clinicians_upload_and_only_with_a_csrf_token(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, roles=("admin",))
    assert client.get(UPLOAD).status_code == 403
    clinician = app.test_client()
    staff_login(clinician)
    data = {"file": (io.BytesIO((HEADER + good_rows(1)).encode()), "x.csv")}
    assert clinician.post(UPLOAD, data=data, content_type="multipart/form-data").status_code == 400
    assert clinician.get("/clinic/invitations/upload/done").status_code == 303  # no upload yet: back to the form
    assert counts(app) == (0, 0, 0)
