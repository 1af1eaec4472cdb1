"""Invitation and reminder messages, composed by the worker just before sending: checked, held, or written with new links.

The outbox row of a patient message holds no text and no token (triage.db.invitation_outbox). When the worker has
claimed one, `prepare` re-reads the invitation: a revoked, submitted or expired invitation, a reminder the patient
opted out of, or an appointment that has passed cancels the message; in the clinic's quiet hours it is handed back,
due at their end, without counting a try. Otherwise a link token (and an opt-out token) is minted for this message
and the admin's template filled in, in the intake's language when the default text has a translation. The row keeps
the text with the links as placeholders; the raw tokens exist only in the message that is sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from sqlalchemy.orm import Session

from triage.config import Settings
from triage.db import outbox
from triage.db.clinic_profile import load_clinic_profile
from triage.db.clock import as_utc
from triage.db.intakes import link_state
from triage.db.invitation_links import mint_token
from triage.db.message_templates import MessageTemplates, load_templates
from triage.db.models import Invitation, OutboxMessage
from triage.db.session import Database
from triage.domain.invitations.message_text import NO_APPOINTMENT, NO_PHONE, field_for, render
from triage.domain.invitations.schedule import QuietHours
from triage.jobs.transport import DeliveryError
from triage.paths import resource_dir

log = logging.getLogger("triage.jobs.patient_messages")

LINK_SHOWN = "[link]"  # what the stored copy of a message has where the link went
OPT_OUT_SHOWN = "[opt-out link]"
CANCEL_REASONS = {
    "revoked": "the invitation was revoked",
    "submitted": "the questionnaire was already submitted",
    "expired": "the link had expired",
}
Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Prepared:
    """What the worker does with a claimed patient message: send `claim` (its text filled in), or nothing more.

    `outcome` is "ready", "cancelled", "held" (quiet hours) or "error" (it could not be composed: retried later).
    """

    outcome: str
    claim: outbox.Claim | None = None
    headers: Headers = ()
    error: DeliveryError | None = None


def prepare(db: Database, claim: outbox.Claim, settings: Settings, now: dt.datetime) -> Prepared:
    """Cancel, hold or compose a claimed invitation or reminder, in its own committed transaction."""
    try:
        with db.session() as session:
            return _prepare(session, claim, settings, now)
    except Exception as error:  # a broken template or row: tried again later like a failed send, never a crash
        log.error("outbox message %d could not be composed: %s", claim.id, type(error).__name__)
        return Prepared("error", claim, error=DeliveryError(f"could not compose the message: {type(error).__name__}"))


def _prepare(session: Session, claim: outbox.Claim, settings: Settings, now: dt.datetime) -> Prepared:
    row = session.get(OutboxMessage, claim.id)
    details = row.details if row is not None and isinstance(row.details, dict) else {}
    invitation_id = details.get("invitation_id")
    invitation = session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    reason = cancel_reason(invitation, claim.kind, now)
    if reason or invitation is None:
        outbox.mark_cancelled(session, claim, reason or "the invitation no longer exists")
        return Prepared("cancelled")
    profile = load_clinic_profile(session, settings)
    zone = ZoneInfo(profile.time_zone)
    quiet = QuietHours.parse(settings.PATIENT_QUIET_HOURS)
    allowed = quiet.next_allowed(now, zone) if quiet is not None else now
    if allowed > now:
        until = allowed.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
        outbox.postpone(session, claim, allowed, f"held for the quiet hours until {until}")
        return Prepared("held")
    language = invitation.intake.language or "en"
    values = {
        "clinic_name": profile.name,
        "appointment": appointment_text(invitation, zone, language),
        "clinic_phone": profile.phone or _translated(NO_PHONE, language),
    }
    subject_template, body_template = message_texts(load_templates(session), claim.kind, claim.channel, language)
    link = mint_token(session, invitation.id, "link", claim.id)
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    sent = {**values, "link": f"{base}/i/{link}"}
    shown = {**values, "link": LINK_SHOWN}
    headers: Headers = ()
    if claim.kind == "reminder" or "{opt_out_link}" in body_template:
        opt_out_url = f"{base}/stop/{mint_token(session, invitation.id, 'opt_out', claim.id)}"
        sent["opt_out_link"], shown["opt_out_link"] = opt_out_url, OPT_OUT_SHOWN
        if claim.channel == "email" and claim.kind == "reminder":
            # One-click unsubscribe (RFC 8058): a mail client offers it and POSTs to the URL; no page needs opening.
            headers = (("List-Unsubscribe", f"<{opt_out_url}>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    subject = render(subject_template, sent) if subject_template else ""
    outbox.record_text(session, claim, render(subject_template, shown) if subject_template else "", render(body_template, shown))
    return Prepared("ready", dataclasses.replace(claim, subject=subject, body=render(body_template, sent)), headers)


def cancel_reason(invitation: Invitation | None, kind: str, now: dt.datetime) -> str:
    """Why a patient message must no longer go ('' when it may): the invitation's state, an opt-out, a past appointment."""
    if invitation is None:
        return "the invitation no longer exists"
    state = link_state(invitation, now)
    if state in CANCEL_REASONS:
        return CANCEL_REASONS[state]
    if kind == "reminder" and invitation.reminders_opted_out_at is not None:
        return "the patient opted out of reminders"
    if invitation.appointment_at is not None and as_utc(invitation.appointment_at) <= now:
        return "the appointment has passed"
    return ""


def message_texts(templates: MessageTemplates, kind: str, channel: str, language: str) -> tuple[str, str]:
    """The subject ('' for a text message) and body templates of a message, translated when still the default."""
    subject = templates.for_message(kind, channel, "subject") if channel == "email" else ""
    body = templates.for_message(kind, channel, "body")
    if channel == "email" and field_for(kind, channel, "subject").name not in templates.customised:
        subject = _translated(subject, language)
    if field_for(kind, channel, "body").name not in templates.customised:
        body = _translated(body, language)
    return subject, body


def appointment_text(invitation: Invitation, zone: ZoneInfo, language: str) -> str:
    """The invitation's appointment date and time in the clinic's zone, in the patient's language."""
    if invitation.appointment_at is not None:
        return format_appointment(as_utc(invitation.appointment_at), zone, language)
    day = invitation.intake.appointment_date
    return format_date(day, "full", locale=_locale(language)) if day is not None else _translated(NO_APPOINTMENT, language)


def format_appointment(moment: dt.datetime, zone: ZoneInfo, language: str) -> str:
    """An appointment time as the patient reads it: the full date and the time of day, in the locale's own order."""
    locale, local = _locale(language), moment.astimezone(zone)
    # The locale's own way of joining a date and a time (CLDR), its quoted literals unquoted.
    joined = re.sub(r"'([^']*)'", r"\1", str(get_datetime_format("full", locale=locale)))
    day_text, time_text = format_date(local.date(), "full", locale=locale), format_time(local.time(), "short", locale=locale)
    return joined.replace("{1}", day_text).replace("{0}", time_text)


def _locale(language: str) -> str:
    return "en_GB" if language == "en" else language


def _translated(text: str, language: str) -> str:
    return _catalog(language).gettext(text) if language != "en" else text


@lru_cache(maxsize=16)
def _catalog(language: str) -> Translations | NullTranslations:
    """The shipped catalog of a language (the patient pages' translations/*.po), compiled in memory, read once."""
    path = resource_dir("translations") / language / "LC_MESSAGES" / "messages.po"
    if not language.isidentifier() or not path.is_file():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain="messages")
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain="messages")
