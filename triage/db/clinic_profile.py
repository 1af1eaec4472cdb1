"""The clinic's details as an admin sets them in the app, over the environment's settings, each with where it came from."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from triage.config import Settings
from triage.config.zones import known_time_zone
from triage.db.clock import utcnow
from triage.db.models import AppSetting
from triage.domain import retention
from triage.domain.invitations.schedule import parse_days

PREFIX = "clinic."
LOGO_KEY = PREFIX + "logo"
LOGO_MAX_BYTES = 300 * 1024
LOGO_MAX_PIXELS = 2400
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# field → (the environment setting it overrides, or "" when only the app sets it; the default when neither is set)
FIELDS: dict[str, tuple[str, str]] = {
    "name": ("CLINIC_NAME", "Gastroenterology clinic"),
    "address": ("CLINIC_ADDRESS", ""),
    "phone": ("CLINIC_PHONE", ""),
    "emergency_instruction": ("EMERGENCY_INSTRUCTION", "Call 999 or go to A&E now."),
    "letterhead": ("", ""),
    "privacy_notice": ("", ""),
    "page_size": ("PDF_PAGE_SIZE", "A4"),
    "time_zone": ("CLINIC_TIME_ZONE", "UTC"),
    "invite_expiry_days": ("INVITE_EXPIRY_DAYS", "30"),
    "alert_email": ("ALERT_EMAIL", ""),
    "escalation_email": ("ESCALATION_EMAIL", ""),
    "reminder_days": ("REMINDER_DAYS", "7,2"),
    # How long records are kept (triage.domain.retention); only the app sets them.
    "retention_intake_years": ("", str(retention.DEFAULT_INTAKE_YEARS)),
    "retention_letter_years": ("", str(retention.DEFAULT_LETTER_YEARS)),
    "retention_message_days": ("", str(retention.DEFAULT_MESSAGE_DAYS)),
}
NO_REMINDERS = "none"
SOURCES = ("set in the app", "environment", "default", "set in the app over the environment")


class ClinicDetailsRefused(ValueError):
    """A value an admin entered cannot be used; `field` says which, and the message names it."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class Logo:
    """The letterhead logo: checked image bytes and their type."""

    data: bytes
    mime: str

    @property
    def data_uri(self) -> str:
        """The image inline, for a page preview (no request to fetch it)."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode()}"

    @property
    def version(self) -> str:
        """A short digest of the image, for a URL that changes with it (patient pages fetch it once and cache it)."""
        return hashlib.sha256(self.data).hexdigest()[:16]


@dataclass(frozen=True)
class ClinicProfile:
    """What pages, letters and invitations say about the clinic, and for each field where its value came from."""

    name: str
    address: str
    phone: str
    emergency_instruction: str
    letterhead: str
    page_size: str
    invite_expiry_days: int
    privacy_notice: str = ""
    time_zone: str = "UTC"
    alert_email: str = ""
    escalation_email: str = ""
    logo: Logo | None = None
    retention_intake_years: int = retention.DEFAULT_INTAKE_YEARS
    retention_letter_years: int = retention.DEFAULT_LETTER_YEARS
    retention_message_days: int = retention.DEFAULT_MESSAGE_DAYS
    reminder_days: str = "7,2"  # days before the appointment, "7,2"; "none" (or '' from the environment): no reminders
    sources: Mapping[str, str] = field(default_factory=dict)
    changed_at: dt.datetime | None = None

    @property
    def reminder_schedule(self) -> tuple[int, ...]:
        """The days before the appointment a reminder goes, largest first; () for none."""
        return () if self.reminder_days == NO_REMINDERS else parse_days(self.reminder_days)

    @property
    def address_lines(self) -> tuple[str, ...]:
        """The address one line at a time (for letters); a one-line address breaks at its commas."""
        lines = self.address.splitlines() if "\n" in self.address else self.address.split(",")
        return tuple(line.strip() for line in lines if line.strip())


def _environment(settings: Settings, name: str) -> str | None:
    # Only a setting the environment (or the caller) actually gave counts as "environment"; the rest are defaults.
    setting, _default = FIELDS[name]
    if not setting or setting not in settings.model_fields_set:
        return None
    return str(getattr(settings, setting))


def clean_value(name: str, value: str) -> str:
    """The value as stored; raises ClinicDetailsRefused with a message naming the field."""
    text = value.replace("\r\n", "\n").strip()
    if name == "name" and not text:
        raise ClinicDetailsRefused(name, "Clinic name: enter the clinic's name.")
    if name == "page_size":
        sizes = {"A4": "A4", "LETTER": "Letter"}
        if text.upper() not in sizes:
            raise ClinicDetailsRefused(name, "Page size: choose A4 or Letter.")
        return sizes[text.upper()]
    if name == "invite_expiry_days" and not (text.isdigit() and 1 <= int(text) <= 365):
        raise ClinicDetailsRefused(name, "Days a patient link lasts: enter a whole number from 1 to 365.")
    if name == "time_zone" and not known_time_zone(text):
        raise ClinicDetailsRefused(name, "Time zone: use a name such as Europe/London or America/New_York.")
    if name == "reminder_days":
        return _reminder_days(text)
    if name.startswith("retention_"):
        period = name.removeprefix("retention_")
        problem = retention.period_problem(period, int(text) if text.isdigit() else -1)
        if problem:
            raise ClinicDetailsRefused(name, problem)
        return str(int(text))
    if name in ("alert_email", "escalation_email") and text and not EMAIL.fullmatch(text):
        raise ClinicDetailsRefused(name, "Email address: enter an address such as clinic@example.org, or leave it empty.")
    limit = {"address": 600, "letterhead": 600, "privacy_notice": 4000}.get(name, 200)
    if len(text) > limit:
        raise ClinicDetailsRefused(name, f"{name.replace('_', ' ').capitalize()}: use at most {limit} characters.")
    return text


def checked_logo(data: bytes) -> Logo:
    """A logo upload as a PNG or JPEG image of sensible size; raises ClinicDetailsRefused naming the problem."""
    if len(data) > LOGO_MAX_BYTES:
        raise ClinicDetailsRefused("logo", f"Logo: the file is larger than {LOGO_MAX_BYTES // 1024} KB.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, size = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ClinicDetailsRefused("logo", "Logo: the file is not a PNG or JPEG image.") from None
    if kind not in LOGO_FORMATS:
        raise ClinicDetailsRefused("logo", "Logo: use a PNG or JPEG image.")
    if max(size) > LOGO_MAX_PIXELS:
        raise ClinicDetailsRefused("logo", f"Logo: the image is larger than {LOGO_MAX_PIXELS} pixels across.")
    return Logo(data, LOGO_FORMATS[str(kind)])


def _stored(session: Session) -> tuple[dict[str, str], dt.datetime | None]:
    rows = session.execute(
        select(AppSetting.key, AppSetting.value, AppSetting.changed_at).where(AppSetting.key.startswith(PREFIX))
    )
    values, newest = {}, None
    for key, value, changed in rows:
        values[key[len(PREFIX) :]] = value
        newest = changed if newest is None or (changed is not None and changed > newest) else newest
    return values, newest


def _logo(encoded: str | None) -> Logo | None:
    if not encoded:
        return None
    mime, _, body = encoded.partition(";")
    return Logo(base64.b64decode(body), mime) if mime in LOGO_FORMATS.values() else None


def load_clinic_profile(session: Session, settings: Settings) -> ClinicProfile:
    """The clinic's details: a value set in the app wins, then the environment's setting, then the default."""
    stored, changed = _stored(session)
    return profile_from(stored, settings, changed)


def profile_from(stored: Mapping[str, str], settings: Settings, changed: dt.datetime | None = None) -> ClinicProfile:
    """The profile from stored values (empty: the environment's settings and the defaults alone)."""
    values, sources = {}, {}
    for name, (setting, default) in FIELDS.items():
        env = _environment(settings, name)
        if name in stored:
            values[name], sources[name] = stored[name], SOURCES[3] if env is not None else SOURCES[0]
        elif env is not None:
            values[name], sources[name] = env, SOURCES[1]
        else:
            values[name] = str(getattr(settings, setting)) if setting else default
            sources[name] = SOURCES[2]
    logo = _logo(stored.get("logo"))
    sources["logo"] = SOURCES[0] if logo else SOURCES[2]
    return ClinicProfile(
        name=values["name"],
        address=values["address"],
        phone=values["phone"],
        emergency_instruction=values["emergency_instruction"],
        letterhead=values["letterhead"],
        page_size=values["page_size"],
        invite_expiry_days=int(values["invite_expiry_days"]),
        privacy_notice=values["privacy_notice"],
        time_zone=values["time_zone"],
        alert_email=values["alert_email"],
        escalation_email=values["escalation_email"] or values["alert_email"],
        logo=logo,
        retention_intake_years=int(values["retention_intake_years"]),
        retention_letter_years=int(values["retention_letter_years"]),
        retention_message_days=int(values["retention_message_days"]),
        reminder_days=values["reminder_days"],
        sources=sources,
        changed_at=changed,
    )


def _reminder_days(text: str) -> str:
    """The reminder days as stored ("7,2", largest first), or "none"."""
    if text.lower() == NO_REMINDERS:
        return NO_REMINDERS
    try:
        days = parse_days(text)
    except ValueError as problem:
        raise ClinicDetailsRefused("reminder_days", f"Reminders: {problem}, or write none.") from None
    return ",".join(str(day) for day in days) or NO_REMINDERS


def _put(session: Session, key: str, value: str, now: dt.datetime) -> None:
    row = session.get(AppSetting, key)
    if row is None:
        session.add(AppSetting(key=key, value=value, changed_at=now))
    elif row.value != value:
        row.value, row.changed_at = value, now


def save_clinic_details(
    session: Session, values: Mapping[str, str | None], logo: Logo | None = None, remove_logo: bool = False
) -> list[str]:
    """Store the fields given (None: back to the environment's value); returns the names of the fields changed."""
    before, _ = _stored(session)
    now, changed = utcnow(), []
    for name, value in values.items():
        if name not in FIELDS:
            raise ClinicDetailsRefused(name, f"'{name}' is not a clinic detail.")
        if value is None:
            if name in before:
                session.execute(delete(AppSetting).where(AppSetting.key == PREFIX + name))
                changed.append(name)
            continue
        cleaned = clean_value(name, value)
        if before.get(name) != cleaned:
            _put(session, PREFIX + name, cleaned, now)
            changed.append(name)
    if logo is not None:
        _put(session, LOGO_KEY, f"{logo.mime};{base64.b64encode(logo.data).decode()}", now)
        changed.append("logo")
    elif remove_logo and "logo" in before:
        session.execute(delete(AppSetting).where(AppSetting.key == LOGO_KEY))
        changed.append("logo")
    return changed
