"""`triage invite` and `triage intakes`: create a patient invitation (and queue its messages), list the intakes."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from triage.cli.context import database, invite_link
from triage.db import audit
from triage.db import intakes as queries
from triage.db.clinic_profile import load_clinic_profile
from triage.db.clock import utcnow
from triage.db.invitation_import import create_with_details
from triage.domain.invitations.fields import check_invitation, rules_at
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.i18n import offered_codes

# Each option's field in triage.domain.invitations.fields (its checks are the form's and the CSV upload's).
_OPTIONS = {
    "ref": "--ref",
    "name": "--name",
    "date_of_birth": "--dob",
    "email": "--email",
    "mobile": "--mobile",
    "appointment": "--appointment",
    "appointment_time": "--appointment",
    "language": "--language",
    "nhs_number": "--nhs-number",
    "mrn": "--mrn",
    "referrer_name": "--referrer-name",
    "referrer_practice": "--referrer-practice",
}


@click.command("invite")
@click.option("--ref", required=True, help="The clinic's patient reference.")
@click.option("--name", default="", help="The patient's name.")
@click.option("--dob", default="", help="Date of birth, YYYY-MM-DD.")
@click.option("--email", default="", help="Email address the link is sent to.")
@click.option("--mobile", default="", help="Mobile number the link is texted to (UK, or +country code).")
@click.option("--appointment", default="", help='Appointment, "YYYY-MM-DD HH:MM" in the clinic\'s time zone (or a date).')
@click.option("--language", default="", help="The questionnaire's language code (default en).")
@click.option("--nhs-number", default="", help="NHS number, 10 digits.")
@click.option("--mrn", default="", help="Hospital number (MRN).")
@click.option("--referrer-name", default="", help="Referring clinician.")
@click.option("--referrer-practice", default="", help="Referring practice or service.")
@click.option("--expires-days", type=click.IntRange(1, 365), default=None, help="Days until the link expires (default 30).")
@with_appcontext
def invite(expires_days: int | None, dob: str, **values: str) -> None:
    """Create a patient invitation and queue its email or text message; the link is printed on the last line."""
    settings = current_app.extensions["triage_settings"]
    with database().session() as session:
        profile = load_clinic_profile(session, settings)
    rules = rules_at(utcnow(), profile.time_zone, offered_codes())
    details, problems = check_invitation({**values, "date_of_birth": dob}, rules)
    if details is None:
        name, message = next(iter(problems.items()))
        raise click.BadParameter(message, param_hint=_OPTIONS.get(name, name))
    days = expires_days or profile.invite_expiry_days
    with database().session() as session:
        made = create_with_details(
            session, details, questionnaire_version=default_questionnaire().version, expires_days=days, created_by="cli"
        )
        audit.record(
            session,
            actor="cli",
            role="cli",
            action="invitation.create",
            intake_id=made.intake_id,
            detail=f"channels={','.join(made.channels) or 'none'} referral={','.join(made.referral) or 'none'}",
        )
    queued = f"queued by {' and '.join(made.channels)}" if made.channels else "no email or mobile: nothing queued"
    click.echo(f"intake {made.intake_id} for {made.ref}; {queued}; the link expires in {days} days and is shown only now:")
    click.echo(invite_link(made.token))


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
