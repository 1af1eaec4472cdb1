"""Patient identifiers on a referral: the NHS number (10 digits, modulus-11 check digit) and a hospital MRN."""

from __future__ import annotations

import re

NHS_DIGITS = 10
MRN_MAX = 32
MRN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 /-]*$")


def normalise_nhs_number(text: str) -> str:
    """The NHS number without the spaces or dashes people type between its 3-3-4 groups."""
    return re.sub(r"[\s-]", "", text or "")


def nhs_number_problem(text: str) -> str | None:
    """Why an NHS number is refused, or None ('' is fine: the field is optional)."""
    digits = normalise_nhs_number(text)
    if not digits:
        return None
    if not digits.isascii() or not digits.isdigit() or len(digits) != NHS_DIGITS:
        return "An NHS number has 10 digits, for example 943 476 5919."
    total = sum(int(d) * (NHS_DIGITS - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(digits[9]):
        return "This NHS number's check digit is wrong: check each digit against the patient's record."
    return None


def nhs_number_shown(digits: str) -> str:
    """An NHS number as printed, in its 3-3-4 groups."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == NHS_DIGITS else digits


def mrn_problem(text: str) -> str | None:
    """Why a hospital number (MRN) is refused, or None ('' is fine)."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > MRN_MAX:
        return f"Keep the hospital number to at most {MRN_MAX} characters."
    if not text.isascii() or not MRN_PATTERN.match(text):
        return "A hospital number has letters, digits, spaces, dashes or slashes only."
    return None
