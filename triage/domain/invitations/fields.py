"""An invitation's details as staff give them (form, `triage invite`, CSV row): parsed and checked, one rule set for all."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import phonenumbers

from triage.domain.invitations.contact import InvitationContact
from triage.domain.report.identifiers import mrn_problem, nhs_number_problem, normalise_nhs_number

REF_MAX = 64
NAME_MAX = 200
EMAIL_MAX = 254
AGE_MAX = 120
APPOINTMENT_YEARS_AHEAD = 2
DEFAULT_REGION = "GB"
REFERRAL_LIMITS = {"referrer_name": 120, "referrer_practice": 200, "referrer_contact": 200}
# What each field is called where it is reported (a CSV report names the column, a form the field).
LABELS = {
    "ref": "Patient reference",
    "name": "Name",
    "date_of_birth": "Date of birth",
    "email": "Email",
    "mobile": "Mobile number",
    "appointment": "Appointment",
    "appointment_time": "Appointment time",
    "language": "Language",
    "nhs_number": "NHS number",
    "mrn": "Hospital number (MRN)",
    "referrer_name": "Referring clinician",
    "referrer_practice": "Practice or service",
    "referrer_contact": "Referrer's contact",
}
NEEDS_BIRTH_DATE = "Date of birth: needed to send the link by email or text; the patient proves it before anything is shown."
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)(?::[0-5]\d)?$")
_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
T = TypeVar("T")
_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


class FieldProblem(ValueError):
    """One refused value: the field's name (a key of LABELS) and a message that says what to change."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass(frozen=True)
class Rules:
    """What a check depends on besides the values: the clinic's date and time zone, and the languages offered."""

    today: dt.date
    time_zone: str = "UTC"
    languages: Sequence[str] = ("en",)
    region: str = DEFAULT_REGION


def rules_at(now: dt.datetime, time_zone: str, languages: Sequence[str], region: str = DEFAULT_REGION) -> Rules:
    """The rules at this moment: "today" is the clinic's date in its own time zone."""
    return Rules(now.astimezone(ZoneInfo(time_zone)).date(), time_zone, tuple(languages), region)


@dataclass(frozen=True)
class InvitationDetails:
    """Everything one invitation records, checked and in stored form (referral values by field name)."""

    ref: str
    contact: InvitationContact = InvitationContact()
    language: str = "en"
    appointment_date: dt.date | None = None
    referral: Mapping[str, str] = field(default_factory=dict)


def _printable(name: str, text: str) -> str:
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text):
        raise FieldProblem(name, f"{LABELS[name]}: remove the control characters (tabs, line breaks and the like).")
    return text


def parse_ref(text: str) -> str:
    """The clinic's patient reference: required, 1-64 printable characters."""
    ref = _printable("ref", (text or "").strip())
    if not ref:
        raise FieldProblem("ref", "Enter the clinic's patient reference.")
    if len(ref) > REF_MAX:
        raise FieldProblem("ref", f"Keep the patient reference to at most {REF_MAX} characters.")
    return ref


def parse_name(text: str) -> str:
    """The patient's name as the clinic records it ('' when not given), spaces collapsed."""
    name = " ".join(_printable("name", text or "").split())
    if len(name) > NAME_MAX:
        raise FieldProblem("name", f"Keep the name to at most {NAME_MAX} characters.")
    return name


def _real_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _birth_date(born: dt.date | None, today: dt.date) -> dt.date:
    if born is None:
        raise FieldProblem("date_of_birth", "Date of birth: that day does not exist; check the day and the month.")
    if born > today:
        raise FieldProblem("date_of_birth", "Date of birth: the date is in the future.")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age > AGE_MAX:
        raise FieldProblem("date_of_birth", f"Date of birth: that makes the patient older than {AGE_MAX}; check the year.")
    return born


def date_from_text(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a date written YYYY-MM-DD or DD/MM/YYYY (as a UK spreadsheet saves it), else None."""
    text = (text or "").strip()
    if iso := _ISO_DATE.match(text):
        return int(iso[1]), int(iso[2]), int(iso[3])
    if uk := _UK_DATE.match(text):
        return int(uk[3]), int(uk[2]), int(uk[1])
    return None


def parse_date_of_birth(text: str, today: dt.date) -> dt.date | None:
    """A date of birth written YYYY-MM-DD or DD/MM/YYYY (None when blank); the patient's age must be 0-120."""
    if not (text or "").strip():
        return None
    parts = date_from_text(text)
    if parts is None:
        raise FieldProblem("date_of_birth", "Date of birth: write it as YYYY-MM-DD (1980-03-27) or DD/MM/YYYY.")
    return _birth_date(_real_date(*parts), today)


def date_of_birth_from_parts(day: str, month: str, year: str, today: dt.date) -> dt.date | None:
    """A date of birth from three boxes, as on the patient's form (None when all three are blank)."""
    parts = [(p or "").strip() for p in (day, month, year)]
    if not any(parts):
        return None
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise FieldProblem("date_of_birth", "Date of birth: enter the day, month and year as numbers, for example 27 3 1980.")
    if len(parts[2]) != 4:
        raise FieldProblem("date_of_birth", "Date of birth: enter the year with four digits, for example 1980.")
    return _birth_date(_real_date(int(parts[2]), int(parts[1]), int(parts[0])), today)


def parse_email(text: str) -> str:
    """An email address ('' when blank): one @, a plausible local part and a domain with a dot; the domain lowercased."""
    address = (text or "").strip()
    if not address:
        return ""
    problem = FieldProblem("email", "Email: enter an address like name@example.org, with no spaces.")
    local, at, domain = address.rpartition("@")
    if not at or len(address) > EMAIL_MAX or len(local) > 64 or not _EMAIL_LOCAL.match(local):
        raise problem
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise problem
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise problem from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise problem
    return f"{local}@{domain.lower()}"


def parse_mobile(text: str, region: str = DEFAULT_REGION) -> str:
    """A mobile number in E.164 ('' when blank); a number without a country code is read as in `region`."""
    raw = (text or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise FieldProblem(
            "mobile", "Mobile number: this is not a valid phone number; check the digits, for example 07400 123456."
        )
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise FieldProblem("mobile", "Mobile number: this is not a mobile number, so it cannot receive text messages.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_appointment(text: str, rules: Rules) -> tuple[dt.date | None, dt.datetime | None]:
    """The appointment's local date and its moment in UTC, from "YYYY-MM-DD HH:MM" (or DD/MM/YYYY) in the clinic's zone.

    A date alone gives no moment; blank gives neither. The date may not be before the clinic's today.
    """
    text = " ".join((text or "").replace("T", " ").split())
    if not text:
        return None, None
    day_text, _, time_text = text.partition(" ")
    if _TIME.match(day_text) and not time_text:
        raise FieldProblem("appointment", "Appointment: enter the date as well as the time.")
    parts = date_from_text(day_text)
    if parts is None:
        raise FieldProblem("appointment", "Appointment: write it as YYYY-MM-DD HH:MM, for example 2026-03-27 14:30.")
    day = _real_date(*parts)
    if day is None:
        raise FieldProblem("appointment", "Appointment: that day does not exist; check the day and the month.")
    if day < rules.today:
        raise FieldProblem("appointment", "Appointment: the date has passed.")
    if day.year > rules.today.year + APPOINTMENT_YEARS_AHEAD:
        raise FieldProblem("appointment", f"Appointment: the date is more than {APPOINTMENT_YEARS_AHEAD} years ahead.")
    return day, appointment_moment(day, time_text, rules.time_zone)


def appointment_moment(day: dt.date, time_text: str, time_zone: str) -> dt.datetime | None:
    """The appointment's moment in UTC from its local date and "HH:MM" in the clinic's zone (None with no time)."""
    time_text = (time_text or "").strip()
    if not time_text:
        return None
    clock = _TIME.match(time_text)
    if clock is None:
        raise FieldProblem(
            "appointment_time", "Appointment time: write the time as HH:MM on the 24-hour clock, for example 14:30."
        )
    zone = ZoneInfo(time_zone)
    local = dt.datetime.combine(day, dt.time(int(clock[1]), int(clock[2])), tzinfo=zone)
    moment = local.astimezone(dt.UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise FieldProblem("appointment_time", "Appointment time: the clocks change then, so that time does not exist.")
    return moment


def parse_language(text: str, rules: Rules) -> str:
    """A language code the questionnaire offers (the first offered, English, when blank)."""
    code = (text or "").strip().lower().replace("_", "-")
    if not code:
        return rules.languages[0]
    if code not in rules.languages:
        raise FieldProblem("language", f"Language: “{code[:16]}” is not offered; use one of {', '.join(rules.languages)}.")
    return code


def _referral(raw: Mapping[str, str], problems: dict[str, str]) -> dict[str, str]:
    values = {"nhs_number": normalise_nhs_number(raw.get("nhs_number", "")), "mrn": " ".join(raw.get("mrn", "").split())}
    for name, check in (("nhs_number", nhs_number_problem), ("mrn", mrn_problem)):
        if problem := check(raw.get(name, "")):
            problems[name] = f"{LABELS[name]}: {problem}"
    for name, limit in REFERRAL_LIMITS.items():
        try:
            values[name] = " ".join(_printable(name, raw.get(name, "")).split())
        except FieldProblem as refused:
            problems[name] = refused.message
            continue
        if len(values[name]) > limit:
            problems[name] = f"{LABELS[name]}: keep it to at most {limit} characters."
    return values


def check_invitation(raw: Mapping[str, str], rules: Rules) -> tuple[InvitationDetails | None, dict[str, str]]:
    """The details from raw text values by field name, or None and each refused field's message (naming it).

    The date of birth is `date_of_birth` text or `dob_day`, `dob_month`, `dob_year`; the appointment "date time" text.
    """
    problems: dict[str, str] = {}

    def attempt(parse: Callable[..., T], *args: Any) -> T | None:
        try:
            return parse(*args)
        except FieldProblem as refused:
            problems.setdefault(refused.name, refused.message)
            return None

    ref = attempt(parse_ref, raw.get("ref", ""))
    name = attempt(parse_name, raw.get("name", ""))
    if any(key in raw for key in ("dob_day", "dob_month", "dob_year")):
        parts = (raw.get("dob_day", ""), raw.get("dob_month", ""), raw.get("dob_year", ""))
        dob = attempt(date_of_birth_from_parts, *parts, rules.today)
    else:
        dob = attempt(parse_date_of_birth, raw.get("date_of_birth", ""), rules.today)
    email = attempt(parse_email, raw.get("email", ""))
    mobile = attempt(parse_mobile, raw.get("mobile", ""), rules.region)
    appointment = attempt(parse_appointment, raw.get("appointment", ""), rules)
    language = attempt(parse_language, raw.get("language", ""), rules)
    referral = _referral(raw, problems)
    if (email or mobile) and dob is None and "date_of_birth" not in problems:  # a link sent by message must be proven
        problems["date_of_birth"] = NEEDS_BIRTH_DATE
    if problems:
        return None, problems
    day, moment = appointment or (None, None)
    contact = InvitationContact(
        patient_name=name or "", date_of_birth=dob, email=email or "", mobile=mobile or "", appointment_at=moment
    )
    return InvitationDetails(ref or "", contact, language or rules.languages[0], day, referral), problems
