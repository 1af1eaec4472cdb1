"""`triage export research --out FILE.csv|FILE.parquet`: the de-identified research export and its data dictionary, audited."""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

import click
from flask.cli import with_appcontext

from triage.cli.context import database
from triage.db import audit
from triage.db.research import research_intakes
from triage.domain.report.research import (
    bundled_research_questions,
    column_of,
    data_dictionary,
    dictionary_rows,
    research_rows,
)
from triage.domain.report.research_parquet import parquet_export


def dictionary_path(out: Path) -> Path:
    """Where the data dictionary of an export goes: beside it, FILE.dictionary.csv."""
    return out.with_name(f"{out.stem}.dictionary.csv")


def _create(path: Path) -> int:
    # Created new (never over another file) and readable by its owner only, like every export of health data.
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def _write(path: Path, rows: Sequence[Sequence[str]]) -> None:
    with os.fdopen(_create(path), "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([[column_of(cell) for cell in row] for row in rows])


def _write_bytes(path: Path, content: bytes) -> None:
    with os.fdopen(_create(path), "wb") as handle:
        handle.write(content)


@click.group("export")
def export_group() -> None:
    """Exports of the stored data."""


@export_group.command("research")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The file to write: FILE.csv, or FILE.parquet for typed columns with the data dictionary in the schema.",
)
@with_appcontext
def research(out: Path) -> None:
    """Write the de-identified export (one row per submitted intake) and its data dictionary beside it."""
    dictionary = dictionary_path(out)
    for path in (out, dictionary):
        if path.exists():
            raise click.ClickException(f"{path} exists already; choose another file (an export never overwrites one)")
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise click.ClickException(f"{out}: the file name must end in .csv or .parquet (it says which format to write)")
    questions = bundled_research_questions()
    key = secrets.token_bytes(32)  # this export's own key, never stored: its ids match no other export's
    with database().session() as session:
        if out.suffix.lower() == ".parquet":
            content, count = parquet_export(research_intakes(session), questions, key)
            _write_bytes(out, content)
            detail = f"{count} intakes (Parquet)"
        else:
            rows = research_rows(research_intakes(session), questions, key)
            _write(out, rows)
            count, detail = len(rows) - 1, f"{len(rows) - 1} intakes"
        _write(dictionary, dictionary_rows(data_dictionary(questions)))
        audit.record(session, actor="cli", role="cli", action="research.export", detail=detail)
    click.echo(f"{count} intakes written to {out}; data dictionary in {dictionary}")
