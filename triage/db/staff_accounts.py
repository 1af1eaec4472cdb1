"""Staff account lifecycle: name, title and registration number, the admin's reset, and the admin pages' view of accounts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from triage.db import users
from triage.db.clock import minute_text
from triage.db.models import User

NAME_MAX = 120
# The registers a clinic's staff are usually on, with the form of their numbers; "other" takes any short reference.
REGISTRATION_TYPES = {
    "GMC": "GMC (UK doctors)",
    "NMC": "NMC (UK nurses and midwives)",
    "NPI": "NPI (US)",
    "other": "Other register",
}
_FORMATS = {
    "GMC": (re.compile(r"\d{7}"), "A GMC number has 7 digits."),
    "NMC": (re.compile(r"\d{2}[A-Z]\d{4}[A-Z]"), "An NMC PIN looks like 12A3456E: 2 digits, a letter, 4 digits, a letter."),
    "NPI": (re.compile(r"\d{10}"), "An NPI has 10 digits."),
    "other": (re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./-]{0,31}"), "Use up to 32 letters, digits, spaces, dots, dashes or slashes."),
}


def text_problem(value: str, label: str, limit: int = NAME_MAX) -> str | None:
    """Why a name or title is refused (too long, or holding control characters), or None."""
    if len(value) > limit:
        return f"{label}: use at most {limit} characters."
    if any(not c.isprintable() for c in value):
        return f"{label}: remove the control characters."
    return None


def npi_check_digit_ok(number: str) -> bool:
    """The NPI's Luhn check over the prefix 80840 and its first nine digits (CMS's published rule)."""
    digits = [int(c) for c in "80840" + number[:9]]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if position % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return (10 - total % 10) % 10 == int(number[9])


def normalise_registration(kind: str, number: str) -> tuple[str, str]:
    """The register and number as stored: a known register name, the number trimmed (upper case for NMC)."""
    number = " ".join(number.split())
    return kind, number.upper() if kind == "NMC" else number


def registration_problem(kind: str, number: str) -> str | None:
    """Why a registration is refused, or None (both empty means none is recorded)."""
    if not kind and not number:
        return None
    if kind not in REGISTRATION_TYPES:
        return "Choose the register the number belongs to."
    if not number:
        return "Enter the registration number, or choose no register."
    pattern, advice = _FORMATS[kind]
    if not pattern.fullmatch(number):
        return advice
    if kind == "NPI" and not npi_check_digit_ok(number):
        return "This NPI's check digit is wrong: check the number."
    return None


def set_profile(session: Session, user: User, display_name: str, title: str) -> list[str]:
    """Set the display name and professional title; returns what changed (ValueError on bad input)."""
    display_name, title = " ".join(display_name.split()), " ".join(title.split())
    problem = text_problem(display_name, "Display name") or text_problem(title, "Professional title")
    if problem:
        raise ValueError(problem)
    changed = [
        name
        for name, old, new in (("display name", user.display_name, display_name), ("title", user.professional_title, title))
        if old != new
    ]
    user.display_name, user.professional_title = display_name, title
    session.flush()
    return changed


def set_registration(session: Session, user: User, kind: str, number: str) -> bool:
    """Set the professional registration (type and number); returns whether it changed (ValueError on bad input)."""
    kind, number = normalise_registration(kind, number)
    problem = registration_problem(kind, number)
    if problem:
        raise ValueError(problem)
    changed = (user.registration_type, user.registration_number) != (kind, number)
    user.registration_type, user.registration_number = kind, number
    session.flush()
    return changed


def admin_reset(session: Session, user: User, temporary_password: str) -> None:
    """An admin's reset: a temporary password to replace at next sign-in, a new authenticator to enrol, sessions ended."""
    users.change_password(session, user, temporary_password)  # policy-checked; ends sessions and emailed reset links
    user.must_change_password, user.failed_logins, user.locked_until = True, 0, None
    users.reset_totp(session, user)
    session.flush()


def registration_text(kind: str, number: str) -> str:
    """A registration as one line, e.g. "GMC 1234567" (empty when none is recorded)."""
    if not kind:
        return ""
    return f"{number} ({REGISTRATION_TYPES[kind]})" if kind == "other" else f"{kind} {number}"


@dataclass(frozen=True)
class AccountView:
    """A staff account as the admin pages show it: never its password hash, TOTP secret or recovery codes."""

    id: int
    email: str
    display_name: str
    professional_title: str
    registration_type: str
    registration_number: str
    roles: frozenset[str]
    roles_text: str
    active: bool
    locked: bool
    totp_enrolled: bool
    must_change_password: bool
    last_login: str  # 'YYYY-MM-DD HH:MM UTC', or '' when the member has never signed in
    failed_since_login: int
    last_failed_login: str

    @property
    def shown_name(self) -> str:
        """How pages name this member (users.staff_display)."""
        return users.staff_display(self)

    @property
    def registration(self) -> str:
        """The registration as one line."""
        return registration_text(self.registration_type, self.registration_number)


def view_of(user: User) -> AccountView:
    """The admin pages' view of an account row."""
    return AccountView(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        professional_title=user.professional_title,
        registration_type=user.registration_type,
        registration_number=user.registration_number,
        roles=users.parse_roles(user.roles),
        roles_text=user.roles,
        active=user.active,
        locked=users.is_locked(user),
        totp_enrolled=user.totp_enrolled,
        must_change_password=user.must_change_password,
        last_login=minute_text(user.last_login_at),
        failed_since_login=user.failed_since_login,
        last_failed_login=minute_text(user.last_failed_login_at),
    )


def account_views(session: Session) -> list[AccountView]:
    """Every staff account, by email."""
    return [view_of(user) for user in users.list_users(session)]


def account_view(session: Session, user_id: int) -> AccountView | None:
    """One staff account, if it exists."""
    user = session.get(User, user_id)
    return view_of(user) if user is not None else None
