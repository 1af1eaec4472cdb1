"""The research export as Parquet: the same rows and columns as the CSV, each column typed, the dictionary in the schema."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from flask import Flask
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.research import identifying_strings, run, seed
from tests.helpers.staff import StaffClock, create_staff, sign_in
from triage.db.models import AuditEvent
from triage.domain.questionnaire.model import Choice, Question
from triage.domain.report.research_typed import typed_cell


def test_the_parquet_file_has_the_csv_rows_typed_and_describes_its_columns(app: Flask, tmp_path: Path) -> None:
    answers = seed(app)
    out, plain = tmp_path / "typed.parquet", tmp_path / "plain.csv"
    result = run(app, "export", "research", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert run(app, "export", "research", "--out", str(plain)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert (tmp_path / "typed.dictionary.csv").exists()
    raw = out.read_bytes()
    for secret in identifying_strings(answers, app):
        assert secret.encode() not in raw, secret

    table = pq.read_table(out)
    with plain.open(encoding="utf-8", newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert table.num_rows == len(csv_rows) == len(answers)
    assert table.column_names == list(csv_rows[0])
    schema = table.schema
    assert schema.field("worst_symptom_severity").type == pa.int64()
    assert schema.field("weight_kg").type == pa.float64()
    assert schema.field("consent_true").type == pa.bool_()
    assert schema.field("symptoms").type == pa.list_(pa.string())
    assert schema.field("sex_at_birth").type == pa.string()
    sex = schema.field("sex_at_birth").metadata
    assert b"female=Female" in sex[b"values"] and sex[b"type"] == b"single"
    assert schema.metadata[b"intakes"] == str(len(answers)).encode()

    # Same people, same answers: the CSV's text is the Parquet value written out (ids differ: one key per export).
    by_sex_and_symptoms = sorted((r["sex_at_birth"], r["symptoms"]) for r in csv_rows)
    typed = table.to_pylist()
    assert sorted((r["sex_at_birth"] or "", ";".join(r["symptoms"] or [])) for r in typed) == by_sex_and_symptoms
    assert not {r["research_id"] for r in typed} & {r["research_id"] for r in csv_rows}
    numbers = [f.name for f in schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)]
    assert numbers, "the numeric questions keep a numeric type"
    for name in numbers:
        as_text = sorted(float(r[name]) for r in csv_rows if r[name])
        assert sorted(r[name] for r in typed if r[name] is not None) == as_text, name

    again = run(app, "export", "research", "--out", str(out))
    assert again.exit_code == 1 and "exists already" in again.output
    wrong = run(app, "export", "research", "--out", str(tmp_path / "export.xlsx"))
    assert wrong.exit_code == 1 and ".csv or .parquet" in wrong.output
    with app.extensions["triage_db"].session() as session:
        details = list(session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "research.export")))
    assert details == [f"{len(answers)} intakes (Parquet)", f"{len(answers)} intakes"]


def test_typed_cells_keep_the_question_type() -> None:
    count = Question(id="n", step="s", type="integer", label="How many")
    amount = Question(id="x", step="s", type="number", label="How much")
    ticks = Question(id="m", step="s", type="multi", label="Which", choices=(Choice("a", "A"), Choice("b", "B")))
    agreed = Question(id="c", step="s", type="consent", label="I agree")
    when = Question(id="d", step="s", type="date", label="When")
    assert [typed_cell(count, v) for v in (3, "4", 2.5, True, None)] == [3, 4, 2.5, None, None]
    assert typed_cell(amount, 2) == 2.0 and isinstance(typed_cell(amount, 2), float)
    assert typed_cell(ticks, ["a", "b"]) == ["a", "b"] and typed_cell(ticks, []) is None
    assert typed_cell(agreed, True) is True
    assert typed_cell(when, "2026-03-14") == "2026-03"


def test_an_admin_downloads_the_parquet_export_and_others_cannot(app: Flask, staff_clock: StaffClock) -> None:
    answers = seed(app)
    admin = app.test_client()
    account = create_staff(app, ("admin",))
    sign_in(admin, account)
    page = admin.get("/admin/research-export")
    assert b"Parquet" in page.data
    download = admin.post("/admin/research-export.parquet", data={"csrf_token": csrf_token(page.data)})
    assert download.status_code == 200 and download.mimetype == "application/vnd.apache.parquet"
    assert download.headers["Cache-Control"] == "no-store"
    assert pq.read_table(io.BytesIO(download.data)).num_rows == len(answers)
    assert admin.post("/admin/research-export.parquet", data={}).status_code == 400  # no CSRF token

    clinician = app.test_client()
    sign_in(clinician, create_staff(app, ("clinician", "rules_editor")))
    token = csrf_token(clinician.get("/staff/account").data)
    assert clinician.post("/admin/research-export.parquet", data={"csrf_token": token}).status_code == 403
    with app.extensions["triage_db"].session() as session:
        actors = list(session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "research.export")))
    assert actors == [account.email]
