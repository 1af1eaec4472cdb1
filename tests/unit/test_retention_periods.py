"""Retention periods: calendar years back (29 February included), the cutoffs of each kind, and the limits an admin meets."""

from __future__ import annotations

import datetime as dt

from triage.domain.retention import RetentionPeriods, period_problem, years_before

MOMENT = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)


def test_years_before_keeps_the_calendar_date_and_moves_29_february_to_the_28th() -> None:
    assert years_before(MOMENT, 8) == dt.datetime(2018, 12, 2, 9, 30, tzinfo=dt.UTC)
    assert years_before(dt.datetime(2028, 2, 29, tzinfo=dt.UTC), 1) == dt.datetime(2027, 2, 28, tzinfo=dt.UTC)


def test_the_defaults_keep_intakes_and_letters_8_years_and_messages_90_days() -> None:
    cutoffs = RetentionPeriods().cutoffs(MOMENT)
    assert cutoffs.intakes == cutoffs.letters == dt.datetime(2018, 12, 2, 9, 30, tzinfo=dt.UTC)
    assert cutoffs.messages == MOMENT - dt.timedelta(days=90)
    assert RetentionPeriods(3, 10, 30).text() == "intakes 3 years, letters 10 years, messages 30 days"


def test_a_period_out_of_range_is_refused_with_the_field_named() -> None:
    assert period_problem("intake_years", 1) == period_problem("message_days", 3650) == ""
    assert period_problem("intake_years", 0) == "Keep intakes for: enter a whole number of years from 1 to 50."
    assert period_problem("letter_years", 51) == "Keep letters for: enter a whole number of years from 1 to 50."
    assert period_problem("message_days", 0) == "Keep sent messages for: enter a whole number of days from 1 to 3650."
