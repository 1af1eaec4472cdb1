"""An invitation's details as staff type them: each field parsed to its stored form, or refused with a message naming it."""

from __future__ import annotations

import datetime as dt

import pytest

from triage.domain.invitations.fields import (
    FieldProblem,
    Rules,
    check_invitation,
    date_of_birth_from_parts,
    parse_appointment,
    parse_date_of_birth,
    parse_email,
    parse_language,
    parse_mobile,
    rules_at,
)

TODAY = dt.date(2026, 6, 1)
RULES = Rules(today=TODAY, time_zone="Europe/London", languages=("en", "es", "pl", "ar"))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("07400 123456", "+447400123456"), ("+44 7400 123456", "+447400123456"), ("+48 512 345 678", "+48512345678"), ("", "")],
)
def test_a_mobile_number_is_stored_in_e164_read_as_uk_without_a_country_code(typed: str, stored: str) -> None:
    assert parse_mobile(typed) == stored


@pytest.mark.parametrize("typed", ["0123", "07400 12345", "not a number", "020 7946 0000"])
def test_a_number_that_cannot_take_a_text_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(FieldProblem) as refused:
        parse_mobile(typed)
    assert refused.value.name == "mobile" and refused.value.message.startswith("Mobile number:")


@pytest.mark.parametrize("typed", ["a@b.org", "First.Last+tag@Example.NHS.UK", "x@münchen.de"])
def test_plausible_email_addresses_are_kept(typed: str) -> None:
    kept = parse_email(f"  {typed} ")
    assert kept.split("@")[0] == typed.split("@")[0] and kept.split("@")[1] == typed.split("@")[1].lower()


@pytest.mark.parametrize("typed", ["a@b", "no-at.example.org", "a b@example.org", "a@@example.org", ".a@example.org", "a@-x.org"])
def test_implausible_email_addresses_are_refused(typed: str) -> None:
    with pytest.raises(FieldProblem, match="^Email:"):
        parse_email(typed)


def test_dates_of_birth_read_iso_or_uk_order_and_the_age_must_be_0_to_120() -> None:
    assert parse_date_of_birth("1980-03-27", TODAY) == dt.date(1980, 3, 27)
    assert parse_date_of_birth("27/03/1980", TODAY) == dt.date(1980, 3, 27)
    assert parse_date_of_birth("", TODAY) is None
    assert date_of_birth_from_parts("27", "3", "1980", TODAY) == dt.date(1980, 3, 27)
    assert date_of_birth_from_parts("", "", "", TODAY) is None
    for bad in ("1980-02-30", "2026-06-02", "1905-05-31", "27 March 1980"):
        with pytest.raises(FieldProblem, match="^Date of birth:"):
            parse_date_of_birth(bad, TODAY)
    assert parse_date_of_birth("1906-06-01", TODAY) == dt.date(1906, 6, 1)  # 120 today
    with pytest.raises(FieldProblem, match="four digits"):
        date_of_birth_from_parts("1", "2", "80", TODAY)


def test_the_appointment_is_clinic_local_and_stored_in_utc() -> None:
    day, moment = parse_appointment("2026-07-01 09:30", RULES)  # British Summer Time: UTC+1
    assert day == dt.date(2026, 7, 1) and moment == dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)
    winter = Rules(today=TODAY, time_zone="Europe/London")
    assert parse_appointment("01/12/2026 09:30", winter)[1] == dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
    assert parse_appointment("2026-07-01", RULES) == (dt.date(2026, 7, 1), None)
    assert parse_appointment("", RULES) == (None, None)


@pytest.mark.parametrize(
    ("typed", "field", "words"),
    [
        ("2026-05-31 10:00", "appointment", "passed"),
        ("09:30", "appointment", "date as well"),
        ("2026-07-01 25:00", "appointment_time", "HH:MM"),
        ("2027-03-28 01:30", "appointment_time", "clocks change"),
        ("tomorrow", "appointment", "YYYY-MM-DD"),
    ],
)
def test_a_bad_appointment_is_refused_with_the_reason(typed: str, field: str, words: str) -> None:
    with pytest.raises(FieldProblem, match=words) as refused:
        parse_appointment(typed, RULES)
    assert refused.value.name == field


def test_only_offered_languages_are_accepted() -> None:
    assert parse_language("", RULES) == "en" and parse_language("PL", RULES) == "pl"
    with pytest.raises(FieldProblem, match="not offered; use one of en, es, pl, ar"):
        parse_language("de", RULES)


def test_today_is_the_clinics_date_in_its_own_zone() -> None:
    late = dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.UTC)
    assert rules_at(late, "Europe/London", ["en"]).today == dt.date(2026, 6, 2)
    assert rules_at(late, "America/New_York", ["en"]).today == dt.date(2026, 6, 1)


def test_every_refused_field_is_reported_at_once_and_nothing_is_returned() -> None:
    details, problems = check_invitation(
        {"ref": "", "mobile": "12", "email": "x", "date_of_birth": "1980-13-01", "nhs_number": "123", "referrer_name": "a\x00b"},
        RULES,
    )
    assert details is None
    assert set(problems) == {"ref", "mobile", "email", "date_of_birth", "nhs_number", "referrer_name"}


def test_good_values_give_the_details_in_stored_form() -> None:
    details, problems = check_invitation(
        {
            "ref": " HOSP-1 ",
            "name": "  Alex   Example ",
            "dob_day": "27",
            "dob_month": "03",
            "dob_year": "1980",
            "email": "alex@example.org",
            "mobile": "07400 123456",
            "appointment": "2026-07-01 14:00",
            "language": "es",
            "nhs_number": "943 476 5919",
            "mrn": "MRN 1",
            "referrer_name": "Dr Grey",
        },
        RULES,
    )
    assert problems == {} and details is not None
    assert details.ref == "HOSP-1" and details.language == "es" and details.appointment_date == dt.date(2026, 7, 1)
    assert details.contact.patient_name == "Alex Example" and details.contact.date_of_birth == dt.date(1980, 3, 27)
    assert details.contact.mobile == "+447400123456" and details.contact.channels == ("email", "sms")
    assert details.contact.appointment_at == dt.datetime(2026, 7, 1, 13, 0, tzinfo=dt.UTC)
    assert details.referral["nhs_number"] == "9434765919" and details.referral["referrer_name"] == "Dr Grey"
