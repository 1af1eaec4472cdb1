"""Quiet hours and reminder days: read from settings text, applied in the clinic's time zone across midnight and DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from triage.config import Settings
from triage.domain.invitations.schedule import QuietHours, parse_days

LONDON = ZoneInfo("Europe/London")
NIGHT = QuietHours(dt.time(21), dt.time(8))


@pytest.mark.parametrize(
    ("utc_hour", "expected"),
    [
        (20, dt.datetime(2026, 12, 2, 20, 30, tzinfo=dt.UTC)),  # before the span: sent now
        (21, dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)),  # the span's first minute: held to the next morning
        (3, dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)),  # after midnight: held to this morning
        (12, dt.datetime(2026, 12, 2, 12, 30, tzinfo=dt.UTC)),
    ],
)
def test_a_message_in_the_quiet_span_waits_for_its_end(utc_hour: int, expected: dt.datetime) -> None:
    moment = dt.datetime(2026, 12, 2, utc_hour, 30, tzinfo=dt.UTC)
    assert NIGHT.next_allowed(moment, LONDON) == expected


def test_the_end_is_local_time_in_summer_too() -> None:
    # 23:30 UTC on 1 July is 00:30 in London (BST): held until 08:00 BST, which is 07:00 UTC.
    moment = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)
    assert NIGHT.next_allowed(moment, LONDON) == dt.datetime(2026, 7, 2, 7, 0, tzinfo=dt.UTC)


def test_a_daytime_span_does_not_wrap() -> None:
    lunch = QuietHours.parse("12:00-13:00")
    assert lunch is not None and lunch.contains(dt.time(12, 30)) and not lunch.contains(dt.time(13, 0))


@given(st.datetimes(timezones=st.just(dt.UTC)), st.times(), st.times())
def test_the_time_given_is_never_quiet_nor_earlier(moment: dt.datetime, start: dt.time, end: dt.time) -> None:
    if start.replace(second=0, microsecond=0) == end.replace(second=0, microsecond=0):
        return
    quiet = QuietHours(start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0))
    allowed = quiet.next_allowed(moment, dt.UTC)  # UTC: no DST gap can move the end
    assert allowed >= moment
    assert not quiet.contains(allowed.time())


@pytest.mark.parametrize("text", ["9-17", "25:00-08:00", "21:00", "08:00-08:00", "21:00-08:00-09:00"])
def test_bad_quiet_hours_name_the_expected_form(text: str) -> None:
    with pytest.raises(ValueError, match="quiet hours"):
        QuietHours.parse(text)


def test_no_quiet_hours_and_reminder_days() -> None:
    assert QuietHours.parse("") is None
    assert parse_days("2, 7,7") == (7, 2)
    assert parse_days("") == ()
    with pytest.raises(ValueError, match="reminder days"):
        parse_days("7,tomorrow")


@pytest.mark.parametrize(("name", "value"), [("PATIENT_QUIET_HOURS", "late"), ("REMINDER_DAYS", "0")])
def test_bad_values_stop_the_start(name: str, value: str) -> None:
    with pytest.raises(ValidationError, match=name):
        Settings(**{name: value})  # type: ignore[arg-type]
