"""`triage export research`: no identifier or free text in the file, ages in bands, months only, ids per export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import stat
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.research import identifying_strings, run, seed
from tests.helpers.staff import StaffClock, create_staff, sign_in
from triage.db.models import AuditEvent
from triage.domain.report.research import age_band


def read(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_export_holds_no_identifier_or_free_text_and_its_ids_change_per_export(app: Flask, tmp_path: Path) -> None:
    answers = seed(app)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    result = run(app, "export", "research", "--out", str(first))
    assert result.exit_code == 0, result.output
    assert run(app, "export", "research", "--out", str(second)).exit_code == 0
    text = first.read_text(encoding="utf-8")
    for secret in identifying_strings(answers, app):
        assert secret not in text, secret
    rows = read(first)
    assert len(rows) == len(answers)  # every submitted intake, and not the one still in progress
    assert {r["submitted_month"] for r in rows} == {dt.date.today().strftime("%Y-%m")}
    bands = sorted(r["age_band"] for r in rows)
    assert age_band("1950-02-03", dt.date.today()) in bands and all(b[0].isdigit() for b in bands)
    assert "full_name" not in rows[0] and "main_concern" not in rows[0] and "current_medicines" not in rows[0]
    assert any(r["symptoms"] for r in rows) and any(r["top_differential"] for r in rows)
    assert not {r["research_id"] for r in rows} & {r["research_id"] for r in read(second)}
    assert len({r["research_id"] for r in rows}) == len(rows)
    assert stat.S_IMODE(first.stat().st_mode) == 0o600

    dictionary = read(tmp_path / "first.dictionary.csv")
    assert [d["column"] for d in dictionary] == list(rows[0])
    sex = next(d for d in dictionary if d["column"] == "sex_at_birth")
    assert "female=Female" in sex["values"]
    with app.extensions["triage_db"].session() as session:
        details = list(session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "research.export")))
    assert details == [f"{len(rows)} intakes", f"{len(rows)} intakes"]
    again = run(app, "export", "research", "--out", str(first))
    assert again.exit_code == 1 and "exists already" in again.output


def test_age_bands() -> None:
    on = dt.date(2026, 12, 2)
    assert [age_band(b, on) for b in ("1991-12-02", "1991-12-03", "1936-12-02", "2010-01-01", "not a date")] == [
        "35-39",
        "30-34",
        "90+",
        "15-19",
        "",
    ]


def test_an_admin_downloads_an_export_and_others_cannot(app: Flask, staff_clock: StaffClock) -> None:
    answers = seed(app)
    admin = app.test_client()
    account = create_staff(app, ("admin",))
    sign_in(admin, account)
    page = admin.get("/admin/research-export")
    assert page.status_code == 200
    download = admin.post("/admin/research-export", data={"csrf_token": csrf_token(page.data)})
    assert download.status_code == 200 and download.mimetype == "text/csv"
    text = download.get_data(as_text=True)
    for secret in identifying_strings(answers, app):
        assert secret not in text, secret
    assert len(list(csv.DictReader(io.StringIO(text)))) == len(answers)
    dictionary = admin.get("/admin/research-export/dictionary.csv").get_data(as_text=True)
    assert dictionary.splitlines()[0] == "column,label,type,values,unit,note"
    with app.extensions["triage_db"].session() as session:
        actors = list(session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "research.export")))
    assert actors == [account.email]
    assert admin.post("/admin/research-export", data={}).status_code == 400  # no CSRF token

    clinician = app.test_client()
    sign_in(clinician, create_staff(app, ("clinician", "rules_editor")))
    token = csrf_token(clinician.get("/staff/account").data)
    assert clinician.get("/admin/research-export").status_code == 403
    assert clinician.post("/admin/research-export", data={"csrf_token": token}).status_code == 403
