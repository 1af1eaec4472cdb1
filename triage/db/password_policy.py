"""The staff password and email rules (NIST SP 800-63B / ASVS 6.2): length, common passwords, no composition rules."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

PASSWORD_MIN = 12
PASSWORD_MAX = 128
COMMON_PASSWORDS = Path(__file__).resolve().parent / "common_passwords.txt"
_NOT_IN_EMAIL = r"@\s<>\"(),;:\\\[\]\x00-\x1f\x7f"
EMAIL = re.compile(rf"[^{_NOT_IN_EMAIL}]{{1,64}}@[^{_NOT_IN_EMAIL}]+\.[^{_NOT_IN_EMAIL}.]+")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords (case-folded); a missing file is an error, never an empty list."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.casefold() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is refused, or None: length 12-128, not common, not the email; no composition rules."""
    if len(password) > PASSWORD_MAX:
        return f"Use at most {PASSWORD_MAX} characters."
    if len(password) < PASSWORD_MIN:
        return f"Use at least {PASSWORD_MIN} characters (15 or more is better); a few unrelated words work well."
    folded = password.casefold()
    if folded in common_passwords():
        return "This password is too common. Choose a different one."
    if email and folded in (email.casefold(), email.split("@")[0].casefold()):
        return "Do not use your email address as your password."
    return None


def normalise_email(email: str) -> str:
    """Email addresses are compared trimmed and lower-cased (passwords never are)."""
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """Why an email address is refused, or None (no spaces, controls, double quotes or angle brackets; a dotted domain)."""
    return None if len(email) <= 254 and EMAIL.fullmatch(email) else "Enter an email address like name@example.org."
