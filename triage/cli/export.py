"""`triage export research --out FILE.csv`: the de-identified research export and its data dictionary, audited."""

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


def dictionary_path(out: Path) -> Path:
    """Where the data dictionary of an export goes: beside it, FILE.dictionary.csv."""
    return out.with_name(f"{out.stem}.dictionary.csv")


def _write(path: Path, rows: Sequence[Sequence[str]]) -> None:
    # Created new (never over another file) and readable by its owner only, like every export of health data.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([[column_of(cell) for cell in row] for row in rows])


@click.group("export")
def export_group() -> None:
    """Exports of the stored data."""


@export_group.command("research")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, dir_okay=False), help="The CSV file to write.")
@with_appcontext
def research(out: Path) -> None:
    """Write the de-identified export (one row per submitted intake) and its data dictionary beside it."""
    dictionary = dictionary_path(out)
    for path in (out, dictionary):
        if path.exists():
            raise click.ClickException(f"{path} exists already; choose another file (an export never overwrites one)")
    questions = bundled_research_questions()
    key = secrets.token_bytes(32)  # this export's own key, never stored: its ids match no other export's
    with database().session() as session:
        rows = research_rows(research_intakes(session), questions, key)
        _write(out, rows)
        _write(dictionary, dictionary_rows(data_dictionary(questions)))
        audit.record(session, actor="cli", role="cli", action="research.export", detail=f"{len(rows) - 1} intakes")
    click.echo(f"{len(rows) - 1} intakes written to {out}; data dictionary in {dictionary}")
