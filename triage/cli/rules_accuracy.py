"""`triage rules accuracy`: a ruleset's figures on the case library, per measure and per case (folder or published version)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from triage.cli.rules_source import database_of, fail, load_app, load_folder
from triage.db import rulesets
from triage.db.evaluations import version_ruleset
from triage.db.ruleset_accuracy import FIGURES, figure_text, stored_report
from triage.domain.engine.accuracy import measure_accuracy, render_accuracy_text
from triage.domain.engine.case_library import DEFAULT_CASES, LibraryCase, load_case_library
from triage.domain.engine.ruleset import Ruleset
from triage.domain.errors import TriageError
from triage.paths import resource_dir

MAX_VERSION = 99_999_999


def _published(number: int) -> tuple[Ruleset, str]:
    app, why = load_app()
    database, why = database_of(app) if app is not None else (None, why)
    if app is None or database is None:
        fail(f"--version reads the published versions in the database, but {why}.")
    with app.app_context(), database.session() as session:
        row = rulesets.by_number(session, number)
        if row is None or row.status != "published":
            fail(f"There is no published version {number} (see `triage rules versions`).")
        return version_ruleset(row), f"published version {number} from the database"


def _library(directory: Path, ruleset: Ruleset | None) -> list[LibraryCase]:
    try:
        return load_case_library(directory, ruleset)
    except TriageError as error:
        fail(f"The case library in {directory} cannot be used.\n{error}")


@click.command("accuracy")
@click.option(
    "--version",
    "number",
    type=click.IntRange(1, MAX_VERSION),
    default=None,
    help="Measure published version N from the database (default: a ruleset folder).",
)
@click.option(
    "--rules", "rules_dir", type=click.Path(path_type=Path), default=None, help="Ruleset directory (default: the bundled rules/)."
)
@click.option(
    "--cases",
    "cases_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Case library directory (default: the bundled rules/cases/).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (the form stored with a published version).")
def accuracy(number: int | None, rules_dir: Path | None, cases_dir: Path | None, as_json: bool) -> None:
    """Evaluate every case of the case library and print red-flag sensitivity, first, top 3, caveats and tests."""
    if number is not None and rules_dir is not None:
        fail("Choose one ruleset: --version N (from the database) or --rules DIR (a folder), not both.")
    if number is not None:
        ruleset, where = _published(number)
        # An older version may lack a rule that a newer case expects: that counts as a miss, not as a broken case.
        cases = _library(cases_dir or DEFAULT_CASES, None)
    else:
        directory = rules_dir or resource_dir("rules")
        ruleset, where = load_folder(directory), f"the ruleset in {directory}"
        cases = _library(cases_dir or DEFAULT_CASES, ruleset)
    report = measure_accuracy(ruleset, cases)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"Measured {where} on the case library in {cases_dir or DEFAULT_CASES}.")
    click.echo(render_accuracy_text(report))


def figures_line(stored: Mapping[str, Any] | None) -> str:
    """A published version's stored figures on one line, for `triage rules versions`."""
    report = stored_report(stored)
    if report is None:
        return "accuracy: not measured when it was published"
    return "accuracy: " + ", ".join(f"{label.lower()} {figure_text(report, key)}" for key, label in FIGURES)
