"""The `triage` command line: a Flask CLI group bound to the app, with every command group listed once below."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from triage import __version__, create_app
from triage.cli.alerts import alerts_group
from triage.cli.audit import audit_group
from triage.cli.backup import backup, restore
from triage.cli.db import db_group
from triage.cli.demo import demo
from triage.cli.export import export_group
from triage.cli.fhir import fhir_group
from triage.cli.invitations import intakes, invite
from triage.cli.questions import questions_group
from triage.cli.report import report
from triage.cli.retention import retention_group
from triage.cli.rules import rules
from triage.cli.users import users_group
from triage.cli.worker import worker
from triage.config import ConfigError
from triage.domain.engine.evaluate import load_ruleset
from triage.domain.questionnaire.questions import default_questionnaire


def _app_factory() -> Flask:
    try:
        return create_app()
    except ConfigError as refused:
        # The refusal names every setting at fault (never its value): a message, not a traceback.
        raise click.ClickException(str(refused)) from None


def versions_text() -> str:
    """The tool's version, the questionnaire's and the bundled default ruleset's, one per line."""
    return "\n".join(
        (
            f"triage {__version__}",
            f"questionnaire {default_questionnaire().version}",
            f"default ruleset {load_ruleset().version}",
        )
    )


def _print_versions(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(versions_text())
    ctx.exit()


version_option = click.Option(
    ["--version"],
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_versions,
    help="Show the versions of triage, its questionnaire and its default ruleset, and exit.",
)

cli = FlaskGroup(
    create_app=_app_factory,
    add_version_option=False,
    params=[version_option],
    help="gut-triage: GI intake and transparent triage rules.",
)
cli.add_command(db_group)
cli.add_command(invite)
cli.add_command(intakes)
cli.add_command(questions_group)
cli.add_command(demo)
cli.add_command(report)
cli.add_command(users_group)
cli.add_command(rules)
cli.add_command(backup)
cli.add_command(restore)
cli.add_command(worker)
cli.add_command(alerts_group)
cli.add_command(audit_group)
cli.add_command(fhir_group)
cli.add_command(export_group)
cli.add_command(retention_group)


def main() -> None:
    """Entry point of the `triage` console script."""
    cli.main(prog_name="triage")


if __name__ == "__main__":  # pragma: no cover
    main()
