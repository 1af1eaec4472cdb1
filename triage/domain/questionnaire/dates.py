"""Reading a date: three boxes (day, month, year) from the web, or one string, checked against the allowed ages."""

from __future__ import annotations

import datetime as dt
import re

from triage.domain.questionnaire.model import Question
from triage.domain.questionnaire.parsed import Parsed, lower_first

EARLIEST_BIRTH = dt.date(1900, 1, 1)
ONE_STRING_MESSAGE = "Please enter a real date, for example 21/03/1974 or 1974-03-21."
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_NUMBER = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{4}")
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_NUMERIC = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})")
_DAY_FIRST = re.compile(r"([0-9]{1,2})\s+([A-Za-z]+)\.?,?\s+([0-9]{4})")
_MONTH_FIRST = re.compile(r"([A-Za-z]+)\.?\s+([0-9]{1,2}),?\s+([0-9]{4})")


def month_number(text: str) -> int | None:
    """A month box: 1 to 12 (with or without a leading 0), or an English month name or abbreviation."""
    word = text.strip().lower().rstrip(".")
    if _NUMBER.fullmatch(word):
        return int(word) if 1 <= int(word) <= 12 else None
    return MONTHS.get(word)


def age_on(born: dt.date, on: dt.date) -> int:
    """Age in whole years on a day (one less until the birthday)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _real(year: int, month: int | None, day: int) -> dt.date | None:
    if month is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _age_range(question: Question) -> str:
    low, high = question.min_age, question.max_age
    if low is not None and high is not None:
        return f"from {low} to {high}"
    return f"of at least {low}" if low is not None else f"of at most {high}"


def _in_range(question: Question, value: dt.date, today: dt.date) -> Parsed:
    """The date as ISO text, or why it is outside the allowed ages (or, with no ages set, 1900 to today)."""
    if question.min_age is None and question.max_age is None:
        if not EARLIEST_BIRTH <= value <= today:
            return Parsed(None, "Please enter a date between 1900 and today.")
        return Parsed(value.isoformat())
    if value > today:
        return Parsed(None, f"{question.name} must be in the past")
    age = age_on(value, today)
    if (question.min_age is not None and age < question.min_age) or (question.max_age is not None and age > question.max_age):
        return Parsed(
            None,
            f"Please check the year: this would make you {age}."
            f" Enter a {lower_first(question.name)} for an age {_age_range(question)}.",
        )
    return Parsed(value.isoformat())


def parse_date_parts(question: Question, parts: list[str], today: dt.date) -> Parsed:
    """Three cleaned boxes [day, month, year]; all blank means unanswered."""
    day, month, year = parts
    if not (day or month or year):
        return Parsed(None)
    missing = [word for word, text in (("a day", day), ("a month", month), ("a year", year)) if not text]
    if missing:
        listed = missing[0] if len(missing) == 1 else f"{missing[0]} and {missing[1]}"
        return Parsed(None, f"{question.name} must include {listed}")
    if year.isdigit() and not _YEAR.fullmatch(year):
        return Parsed(None, "Year must include 4 numbers")
    value = None
    if _NUMBER.fullmatch(day) and _YEAR.fullmatch(year):
        value = _real(int(year), month_number(month), int(day))
    if value is None:
        return Parsed(None, f"{question.name} must be a real date")
    return _in_range(question, value, today)


def read_one_string(text: str) -> dt.date | None:
    """A date written in one string: YYYY-MM-DD, DD/MM/YYYY, DD.MM.YYYY, DD-MM-YYYY, 14 May 1981 or May 14 1981."""
    if match := _ISO.fullmatch(text):
        year, month, day = match.groups()
        return _real(int(year), int(month), int(day))
    if match := _NUMERIC.fullmatch(text):
        day, _, month, year = match.groups()
        return _real(int(year), int(month), int(day))
    if match := _DAY_FIRST.fullmatch(text):
        day, month, year = match.groups()
        return _real(int(year), month_number(month), int(day))
    if match := _MONTH_FIRST.fullmatch(text):
        month, day, year = match.groups()
        return _real(int(year), month_number(month), int(day))
    return None


def parse_date_text(question: Question, text: str, today: dt.date) -> Parsed:
    """One non-blank cleaned string (the JSON and CLI path)."""
    value = read_one_string(text)
    if value is None:
        return Parsed(None, ONE_STRING_MESSAGE)
    return _in_range(question, value, today)
