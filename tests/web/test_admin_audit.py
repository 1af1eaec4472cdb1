"""Admins read the audit log filtered by user or intake, page through it and export formula-safe CSV; reading is audited."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.staff import StaffClock, StaffLogin, create_staff, sign_in
from triage.db import audit
from triage.db.models import AuditEvent
from triage.web.staff.admin import PAGE_SIZE, csv_cell


@pytest.fixture
def admin(app: Flask, staff_clock: StaffClock) -> tuple[FlaskClient, StaffLogin]:
    client = app.test_client()
    account = create_staff(app, ("admin",))
    sign_in(client, account)
    return client, account


def seed(app: Flask, count: int, actor: str = "dr.a@example.org", intake_id: int | None = None, detail: str = "") -> None:
    """Append audit rows."""
    with app.extensions["triage_db"].session() as session:
        for n in range(count):
            audit.record(
                session,
                actor=actor,
                role="clinician",
                action="intake.view",
                intake_id=intake_id if intake_id is not None else n + 1,
                ip="10.0.0.9",
                detail=detail,
            )


def newest(app: Flask) -> AuditEvent:
    """The newest audit row."""
    with app.extensions["triage_db"].session() as session:
        row = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert row is not None
    return row


def test_filter_by_user_and_by_intake(app: Flask, admin: tuple[FlaskClient, StaffLogin]) -> None:
    client, account = admin
    seed(app, 3, actor="dr.a@example.org", intake_id=41)
    seed(app, 2, actor="dr.b@example.org", intake_id=42)
    page = client.get("/admin/audit", query_string={"actor": "DR.B@example.org"}).get_data(as_text=True)
    assert page.count("<td>dr.b@example.org</td>") == 2 and "dr.a@example.org" not in page
    row = newest(app)
    assert (row.action, row.actor, row.role, row.detail) == (
        "audit.view",
        account.email,
        "admin",
        "actor=dr.b@example.org page=1",
    )
    page = client.get("/admin/audit", query_string={"intake": "41"}).get_data(as_text=True)
    assert page.count("<td>dr.a@example.org</td>") == 3 and "dr.b@example.org" not in page
    assert newest(app).intake_id == 41


def test_pages_of_fifty_newest_first(app: Flask, admin: tuple[FlaskClient, StaffLogin]) -> None:
    client, _account = admin
    seed(app, PAGE_SIZE + 10, actor="pager@example.org")
    first = client.get("/admin/audit", query_string={"actor": "pager@example.org"}).get_data(as_text=True)
    assert first.count("<td>pager@example.org</td>") == PAGE_SIZE
    assert "page 1 of 2" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/admin/audit", query_string={"actor": "pager@example.org", "page": "2"}).get_data(as_text=True)
    assert second.count("<td>pager@example.org</td>") == 10 and 'rel="prev"' in second


@pytest.mark.parametrize("query", [{"intake": "abc"}, {"page": "0"}, {"intake": "-1"}, {"actor": "a\x00b"}])
def test_bad_filters_give_400(app: Flask, admin: tuple[FlaskClient, StaffLogin], query: dict[str, str]) -> None:
    client, _account = admin
    assert client.get("/admin/audit", query_string=query).status_code == 400
    assert client.get("/admin/audit.csv", query_string=query).status_code == 400


def test_the_log_page_escapes_what_it_shows(app: Flask, admin: tuple[FlaskClient, StaffLogin]) -> None:
    client, _account = admin
    seed(app, 1, detail='<script>alert(1)</script>" onmouseover="x')
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;&#34; onmouseover=&#34;x" in page


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (None, ""),
        (7, "7"),
    ],
)
def test_csv_cells_are_formula_safe(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_csv_export_is_filtered_formula_safe_and_audited(app: Flask, admin: tuple[FlaskClient, StaffLogin]) -> None:
    client, account = admin
    seed(app, 2, actor="=cmd|' /C calc'!A0", intake_id=77, detail="@SUM(1+1)")
    seed(app, 1, actor="other@example.org", intake_id=78)
    response = client.get("/admin/audit.csv", query_string={"intake": "77"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2
    assert {r["actor"] for r in rows} == {"'=cmd|' /C calc'!A0"}
    assert {r["detail"] for r in rows} == {"'@SUM(1+1)"}
    assert {r["intake_id"] for r in rows} == {"77"}
    row = newest(app)
    assert (row.action, row.actor, row.intake_id, row.detail) == ("audit.export", account.email, 77, "intake=77")


def test_csv_export_of_everything_streams_every_row(app: Flask, admin: tuple[FlaskClient, StaffLogin]) -> None:
    client, _account = admin
    seed(app, 700, actor="bulk@example.org", detail="x" * 120)
    rows = list(csv.reader(io.StringIO(client.get("/admin/audit.csv").get_data(as_text=True))))
    assert rows[0] == [
        *("id", "at", "actor", "role", "action", "intake_id", "ruleset_version", "ip", "outcome", "detail"),
        *("prev_sha256", "row_sha256"),
    ]
    assert sum(1 for r in rows[1:] if r[2] == "bulk@example.org") == 700


@pytest.mark.parametrize("role", ["clinician", "rules_editor"])
def test_non_admins_cannot_read_or_export(app: Flask, staff_clock: StaffClock, role: str) -> None:
    client = app.test_client()
    sign_in(client, create_staff(app, (role,)))
    seed(app, 1)
    for path in ("/admin/audit", "/admin/audit.csv"):
        response = client.get(path)
        assert response.status_code == 403 and b"intake.view" not in response.data
        assert newest(app).action == "authz.denied"
