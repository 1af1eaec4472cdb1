"""The derived age: whole years on the day, and unknown (not an error) for a date of birth that is not a real date."""

from __future__ import annotations

import datetime as dt

from triage.domain.questionnaire.derived_history import age


def test_the_age_is_in_whole_years_on_the_day() -> None:
    on = dt.date(2026, 12, 3)
    assert age({"date_of_birth": "1980-12-03"}, on) == 46
    assert age({"date_of_birth": "1980-12-04"}, on) == 45


def test_a_malformed_or_missing_date_of_birth_gives_no_age() -> None:
    on = dt.date(2026, 12, 3)
    assert age({"date_of_birth": "1980-13-45"}, on) is None
    assert age({"date_of_birth": "not a date"}, on) is None
    assert age({}, on) is None
