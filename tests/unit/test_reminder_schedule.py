"""Which reminder is due when: N local days before the appointment, once, never before the invitation or after the appointment."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.domain.invitations.schedule import (
    DATE_ONLY_TIME,
    REMINDER_GRACE,
    appointment_moment,
    due_occasion,
    reminder_time,
    reminder_window,
)

UTC = ZoneInfo("UTC")
LONDON = ZoneInfo("Europe/London")
ZONES = [UTC, LONDON, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata")]
APPOINTMENT = dt.datetime(2027, 3, 15, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)

moments = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2029, 1, 1), timezones=st.just(dt.UTC))
schedules = st.sets(st.integers(1, 14), min_size=1, max_size=4).map(lambda s: tuple(sorted(s, reverse=True)))


@pytest.mark.parametrize(
    ("made_before", "expected"),
    [
        (14 * DAY, {7: APPOINTMENT - 7 * DAY, 2: APPOINTMENT - 2 * DAY}),
        (3 * DAY, {2: APPOINTMENT - 2 * DAY}),  # the 7-day time came before the invitation: only the 2-day one
        (DAY, {}),  # made the day before: the invitation itself is the reminder
    ],
)
def test_the_reminders_an_invitation_gets_depend_on_when_it_was_made(
    made_before: dt.timedelta, expected: dict[int, dt.datetime]
) -> None:
    first_due: dict[int, dt.datetime] = {}
    now = APPOINTMENT - made_before
    while now < APPOINTMENT + DAY:
        days = due_occasion(APPOINTMENT, APPOINTMENT - made_before, now, (7, 2), UTC)
        if days is not None:
            first_due.setdefault(days, now)
        now += dt.timedelta(minutes=30)
    assert first_due == expected


def test_a_date_only_appointment_is_at_nine_local_time() -> None:
    moment = appointment_moment(None, dt.date(2027, 7, 20), LONDON)
    assert moment == dt.datetime(2027, 7, 20, 8, 0, tzinfo=dt.UTC) and DATE_ONLY_TIME == dt.time(9)
    assert appointment_moment(None, None, LONDON) is None
    assert appointment_moment(APPOINTMENT.astimezone(LONDON), None, UTC) == APPOINTMENT


def test_days_before_are_calendar_days_in_the_clinic_zone_across_the_clock_change() -> None:
    # 10:30 BST on 1 April; 7 days before is 25 March, still GMT: 10:30 local is 10:30 UTC (not 09:30).
    appointment = dt.datetime(2027, 4, 1, 9, 30, tzinfo=dt.UTC)
    assert reminder_time(appointment, 7, LONDON) == dt.datetime(2027, 3, 25, 10, 30, tzinfo=dt.UTC)
    assert reminder_time(appointment, 7, UTC) == dt.datetime(2027, 3, 25, 9, 30, tzinfo=dt.UTC)


def test_a_reminder_can_be_late_by_less_than_a_day_not_more() -> None:
    made = APPOINTMENT - 10 * DAY
    assert due_occasion(APPOINTMENT, made, APPOINTMENT - 7 * DAY + REMINDER_GRACE - dt.timedelta(seconds=1), (7, 2), UTC) == 7
    assert due_occasion(APPOINTMENT, made, APPOINTMENT - 7 * DAY + REMINDER_GRACE, (7, 2), UTC) is None


def test_consecutive_days_cut_the_earlier_window_short() -> None:
    made = APPOINTMENT - 10 * DAY
    assert reminder_window(APPOINTMENT, 2, (2, 1), UTC) == (APPOINTMENT - 2 * DAY, APPOINTMENT - DAY)
    assert reminder_window(APPOINTMENT, 1, (2, 1), UTC) == (APPOINTMENT - DAY, APPOINTMENT)
    assert due_occasion(APPOINTMENT, made, APPOINTMENT - DAY, (2, 1), UTC) == 1


@settings(max_examples=300, deadline=None)
@given(moments, moments, moments, schedules, st.sampled_from(ZONES))
def test_a_due_reminder_is_never_before_the_invitation_nor_after_the_appointment(
    appointment: dt.datetime, made: dt.datetime, now: dt.datetime, schedule: tuple[int, ...], zone: ZoneInfo
) -> None:
    days = due_occasion(appointment, made, now, schedule, zone)
    if days is None:
        return
    start, end = reminder_window(appointment, days, schedule, zone)
    assert days in schedule
    assert made <= start <= now < end <= appointment
    assert now - start < REMINDER_GRACE
    assert dt.timedelta(days=days - 1) < appointment - now <= dt.timedelta(days=days, hours=3)


@settings(max_examples=60, deadline=None)
@given(moments, schedules, st.sampled_from(ZONES), st.integers(1, 120))
def test_a_worker_polling_regularly_finds_each_reminder_once_in_order(
    appointment: dt.datetime, schedule: tuple[int, ...], zone: ZoneInfo, poll_minutes: int
) -> None:
    # Made well before every reminder time, polled every few minutes: each occasion is due in one unbroken stretch.
    made = appointment - dt.timedelta(days=max(schedule) + 2)
    seen: list[int] = []
    now = made
    while now < appointment + DAY:
        days = due_occasion(appointment, made, now, schedule, zone)
        if days is not None and (not seen or seen[-1] != days):
            seen.append(days)
        now += dt.timedelta(minutes=poll_minutes)
    assert seen == list(schedule)


@given(moments, st.integers(1, 60), st.sampled_from(ZONES))
def test_the_reminder_keeps_the_appointment_local_time_of_day_when_it_exists(
    appointment: dt.datetime, days: int, zone: ZoneInfo
) -> None:
    wanted = appointment.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=days)
    shown = reminder_time(appointment, days, zone).astimezone(zone).replace(tzinfo=None)
    exists = wanted.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == wanted
    assert shown == wanted if exists else abs(shown - wanted) <= dt.timedelta(hours=1)  # a time the clocks skipped
