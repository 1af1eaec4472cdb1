"""`triage invite` and `triage intakes`: create a patient invitation, list the intakes."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from triage.cli.context import config, database, invite_link
from triage.db import intakes as queries
from triage.domain.questionnaire.questions import default_questionnaire


@click.command("invite")
@click.option("--ref", required=True, help="The clinic's patient reference (no names).")
@click.option("--expires-days", type=click.IntRange(1, 365), default=None, help="Days until the link expires (default 30).")
@with_appcontext
def invite(ref: str, expires_days: int | None) -> None:
    """Create a patient invitation; the link is printed on the last line."""
    ref = ref.strip()
    if not ref or len(ref) > 64 or any(ord(c) < 32 for c in ref):
        raise click.BadParameter("the reference must be 1-64 printable characters", param_hint="--ref")
    days = expires_days or config()["INVITE_EXPIRY_DAYS"]
    with database().session() as session:
        token, intake = queries.create_invitation(
            session, ref=ref, questionnaire_version=default_questionnaire().version, expires_days=days
        )
        intake_id = intake.id
    click.echo(f"intake {intake_id} for {ref}; the link expires in {days} days and is shown only now:")
    click.echo(invite_link(token))


@click.command("intakes")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def intakes(as_json: bool) -> None:
    """List intakes (id, ref, status, created, updated, submitted)."""
    with database().session() as session:
        rows = queries.list_intakes(session)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['id']:>6}  {row['ref']:<20} {row['status']:<12} updated {row['updated']}")
