"""The `triage` command line: a Flask CLI group bound to the app."""
from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from triage import create_app
from triage.db import migrate, queries
from triage.db.session import Database
from triage.domain.questions import default_questionnaire
from triage.users_cli import users_group
from triage.rules_cli import rules as rules_group
from triage import rules_versions_cli
from triage import report_cli


def _app_factory() -> Flask:
    return create_app()


cli = FlaskGroup(create_app=_app_factory, help="gut-triage: GI intake and transparent triage rules.")
cli.add_command(users_group)
cli.add_command(rules_group)


def main() -> None:
    """Entry point of the `triage` console script."""
    cli.main(prog_name="triage")


def database() -> Database:
    """The app's database."""
    return current_app.extensions["triage_db"]


report_cli.register(cli, lambda: (current_app.config, database()))
rules_versions_cli.register(rules_group, database, with_appcontext)


def invite_link(token: str) -> str:
    """The full patient link for a token."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/i/{token}"


@cli.group()
def db() -> None:
    """Create or change the database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the database to REVISION (default: the newest)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the database to REVISION ('base' removes every table)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@cli.command("invite")
@click.option("--ref", required=True, help="The clinic's patient reference (no names).")
@click.option("--expires-days", type=click.IntRange(1, 365), default=None, help="Days until the link expires (default 30).")
def invite(ref: str, expires_days: int | None) -> None:
    """Create a patient invitation; the link is printed on the last line."""
    ref = ref.strip()
    if not ref or len(ref) > 64 or any(ord(c) < 32 for c in ref):
        raise click.BadParameter("the reference must be 1-64 printable characters", param_hint="--ref")
    days = expires_days or current_app.config["INVITE_EXPIRY_DAYS"]
    with database().session() as session:
        token, intake = queries.create_invitation(session, ref=ref, questionnaire_version=default_questionnaire().version, expires_days=days)
        intake_id = intake.id
    click.echo(f"intake {intake_id} for {ref}; the link expires in {days} days and is shown only now:")
    click.echo(invite_link(token))


@cli.command("intakes")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def intakes(as_json: bool) -> None:
    """List intakes (id, ref, status, created, updated, submitted)."""
    with database().session() as session:
        rows = queries.list_intakes(session)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['id']:>6}  {row['ref']:<20} {row['status']:<12} updated {row['updated']}")


@cli.command("questions")
@click.option("--json", "as_json", is_flag=True, help="Print the data dictionary as JSON.")
def questions(as_json: bool) -> None:
    """Print the data dictionary: every question with id, type, choices, unit, step and shown-when."""
    dictionary: dict[str, Any] = default_questionnaire().data_dictionary()
    if as_json:
        click.echo(json.dumps(dictionary, indent=2, ensure_ascii=False))
        return
    for q in dictionary["questions"]:
        extra = f" [{q['unit']}]" if q.get("unit") else ""
        click.echo(f"{q['step']:<16} {q['id']:<32} {q['type']:<9}{extra} {q['label']}")


@cli.command("demo")
def demo() -> None:
    """Seed a demo clinic (development only): sample intakes, staff accounts and an open patient link (printed last)."""
    from triage.demo import DEMO_PASSWORD, DEMO_STAFF, seed_demo, seed_demo_staff
    from triage.evaluation import ensure_stored_ruleset

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("the demo seeds known passwords and switches two-factor sign-in off: refused in production")
    ensure_stored_ruleset(database())  # the default rules/ become version 1 before any demo intake is evaluated
    with database().session() as session:
        seed_demo_staff(session)
        token = seed_demo(session)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    click.echo(f"staff sign-in at {base}/staff/login with password {DEMO_PASSWORD} (two-factor sign-in is off on this demo install):")
    for email, roles in DEMO_STAFF:
        click.echo(f"  {email:<22} {', '.join(roles)}")
    click.echo("demo data seeded; open this patient link:")
    click.echo(invite_link(token))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
