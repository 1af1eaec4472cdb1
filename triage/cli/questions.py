"""`triage questions`: the data dictionary, and `check` to validate a questionnaire file without the app or a database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from triage.domain.questionnaire.problems import QuestionnaireError
from triage.domain.questionnaire.questions import bundled_questionnaire_path, default_questionnaire, load_questionnaire


@click.group("questions", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the data dictionary as JSON.")
@click.pass_context
def questions_group(context: click.Context, as_json: bool) -> None:
    """Print the data dictionary: every question with id, type, choices, unit, step and shown-when."""
    if context.invoked_subcommand is not None:
        return
    dictionary: dict[str, Any] = default_questionnaire().data_dictionary()
    if as_json:
        click.echo(json.dumps(dictionary, indent=2, ensure_ascii=False))
        return
    for q in dictionary["questions"]:
        extra = f" [{q['unit']}]" if q.get("unit") else ""
        click.echo(f"{q['step']:<16} {q['id']:<32} {q['type']:<9}{extra} {q['label']}")


@questions_group.command("check")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
def check(file: Path | None) -> None:
    """Validate a questionnaire file (default: the bundled forms/questionnaire.yaml); exit 1 listing every problem."""
    path = file or bundled_questionnaire_path()
    try:
        questionnaire = load_questionnaire(path)
    except QuestionnaireError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(f"OK: {len(questionnaire.questions)} questions in {len(questionnaire.steps)} steps")
