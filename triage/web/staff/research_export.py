"""The admin page of the de-identified research export: download it as CSV or Parquet (audited) and its data dictionary."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Sequence
from typing import Any

from flask import Response, render_template

from triage.db.research import research_intakes
from triage.domain.report.research import (
    bundled_research_questions,
    column_of,
    data_dictionary,
    dictionary_rows,
    research_rows,
)
from triage.domain.report.research_parquet import parquet_export
from triage.web.access import database, record_staff_event, role_required
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.routes import RouteTable

routes = RouteTable()


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _csv(rows: Sequence[Sequence[str]], filename: str) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[column_of(cell) for cell in row] for row in rows])
    return _attachment(Response(buffer.getvalue(), mimetype="text/csv"), filename)


@routes.route("/research-export", endpoint="research_export")
@role_required("admin")
def research_export_page() -> Any:
    """What the export holds and leaves out, with the button that makes one."""
    return render_template("admin/research_export.html", form=ActionForm(), columns=len(bundled_research_questions()))


@routes.route("/research-export", methods=["POST"], endpoint="research_export_csv")
@role_required("admin")
def research_export_csv() -> Any:
    """A new export as a CSV download: one row per submitted intake, ids made with a key of this export only."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    key = secrets.token_bytes(32)  # never stored: the ids of this export match no other's
    with database().session() as db_session:
        rows = research_rows(research_intakes(db_session), bundled_research_questions(), key)
        record_staff_event(db_session, "research.export", detail=f"{len(rows) - 1} intakes")
    return _csv(rows, "research-export.csv")


@routes.route("/research-export.parquet", methods=["POST"], endpoint="research_export_parquet")
@role_required("admin")
def research_export_parquet() -> Any:
    """The same export as one Parquet file: typed columns, the data dictionary in its schema."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    key = secrets.token_bytes(32)  # never stored, as for the CSV
    with database().session() as db_session:
        content, count = parquet_export(research_intakes(db_session), bundled_research_questions(), key)
        record_staff_event(db_session, "research.export", detail=f"{count} intakes (Parquet)")
    return _attachment(Response(content, mimetype="application/vnd.apache.parquet"), "research-export.parquet")


@routes.route("/research-export/dictionary.csv", endpoint="research_dictionary")
@role_required("admin")
def research_dictionary() -> Any:
    """The data dictionary of the export's columns (no patient data)."""
    return _csv(dictionary_rows(data_dictionary(bundled_research_questions())), "research-export.dictionary.csv")
