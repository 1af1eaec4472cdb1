"""`triage demo`: seed a demo clinic for development; refused in production."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from triage.cli.context import config, database, invite_link
from triage.db.demo import DEMO_DATE_OF_BIRTH, DEMO_PASSWORD, DEMO_STAFF, seed_demo, seed_demo_staff
from triage.db.evaluations import ensure_stored_ruleset


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Seed a demo clinic (development only): sample intakes, staff accounts and an open patient link (printed last)."""
    if config()["ENV_NAME"] == "production":
        raise click.ClickException("the demo seeds known passwords and switches two-factor sign-in off: refused in production")
    ensure_stored_ruleset(database())  # the default rules/ become version 1 before any demo intake is evaluated
    with database().session() as session:
        seed_demo_staff(session)
        token = seed_demo(session)
    base = config()["PUBLIC_BASE_URL"].rstrip("/")
    # The two links come last (`make run` prints them again once the app answers), the patient link on the last line.
    click.echo(f"demo clinic seeded; staff accounts, password {DEMO_PASSWORD} (two-factor sign-in is off on this demo install):")
    for email, roles in DEMO_STAFF:
        click.echo(f"  {email:<22} {', '.join(roles)}")
    click.echo(f"staff sign-in: {base}/staff/login")
    born = f"{DEMO_DATE_OF_BIRTH.day} {DEMO_DATE_OF_BIRTH.month} {DEMO_DATE_OF_BIRTH.year}"
    click.echo(f"patient link (open it in a phone-sized window; date of birth {born}): {invite_link(token)}")
