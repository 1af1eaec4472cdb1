"""A CSV of appointments: every row checked before anything is made; any input gives a report, never an exception."""

from __future__ import annotations

import csv
import datetime as dt
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from triage.domain.invitations.csv_rows import COLUMNS, MAX_BYTES, MAX_ROWS, NO_ADDRESS, read_csv, template_csv
from triage.domain.invitations.fields import Rules

RULES = Rules(today=dt.date(2026, 6, 1), time_zone="Europe/London", languages=("en", "es", "pl", "ar"))


def csv_bytes(*rows: list[str] | tuple[str, ...], header: tuple[str, ...] = COLUMNS) -> bytes:
    """A CSV file with this header and rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def row(ref: str, **values: str) -> list[str]:
    """A row in COLUMNS order (with an email unless given a mobile or told otherwise, and a date of birth)."""
    if "mobile" not in values:
        values.setdefault("email", f"{ref or 'x'}@example.org")
    values.setdefault("date_of_birth", "1980-03-27")  # needed with an address: the patient proves it at the link
    return [ref if name == "ref" else values.get(name, "") for name in COLUMNS]


def test_the_template_is_accepted_as_it_is() -> None:
    report = read_csv(template_csv().encode(), RULES)
    assert report.accepted and [r.details.ref for r in report.rows] == ["HOSP-1001"]


def test_good_rows_give_their_details_with_line_numbers() -> None:
    data = csv_bytes(
        row("A-1", name="Ann", mobile="07400 123456", appointment="2026-06-02 09:30"),
        row("A-2", email="b@example.org", language="pl", date_of_birth="02/01/1970"),
    )
    report = read_csv(b"\xef\xbb\xbf" + data, RULES)  # Excel's "CSV UTF-8" starts with a byte order mark
    assert report.accepted and [r.line for r in report.rows] == [2, 3]
    first, second = (r.details for r in report.rows)
    assert first.contact.mobile == "+447400123456" and first.contact.appointment_at == dt.datetime(
        2026, 6, 2, 8, 30, tzinfo=dt.UTC
    )
    assert second.language == "pl" and second.contact.date_of_birth == dt.date(1970, 1, 2)


def test_each_bad_row_is_reported_with_its_line_reference_and_column() -> None:
    data = csv_bytes(
        row("B-1"),
        row("B-2", date_of_birth="1980-02-30"),
        row("B-3", mobile="0123"),
        row("B-1"),
        row("", name="Ann"),
        row("B-6", language="xx"),
        row("B-7", appointment="2026-06-02 9h"),
    )
    report = read_csv(data, RULES)
    assert not report.accepted
    reasons = {(r.line, r.ref): r.reasons for r in report.refusals}
    assert reasons[(3, "B-2")][0].startswith("date_of_birth: ")
    assert reasons[(4, "B-3")][0].startswith("mobile: ")
    assert reasons[(5, "B-1")] == ("ref: “B-1” is already on line 2 of this file.",)
    assert reasons[(6, "")] == ("ref: Enter the clinic's patient reference.",)
    assert reasons[(7, "B-6")][0].startswith("language: ")
    assert reasons[(8, "B-7")][0].startswith("appointment: ")
    assert [r.line for r in report.rows] == [2]


def test_a_row_with_neither_email_nor_mobile_is_refused_as_its_link_could_not_reach_the_patient() -> None:
    report = read_csv(csv_bytes(row("N-1", email="", name="Ann")), RULES)
    assert report.refusals[0].reasons == (NO_ADDRESS,) and NO_ADDRESS.startswith("email, mobile: ")


def test_references_differing_only_in_case_are_duplicates() -> None:
    report = read_csv(csv_bytes(row("abc-1"), row("ABC-1")), RULES)
    assert [(r.line, r.reasons[0][:4]) for r in report.refusals] == [(3, "ref:")]


def test_control_characters_in_a_value_are_refused_naming_the_column() -> None:
    report = read_csv(csv_bytes(row("C-1", name="Ann\x07"), row("C-2", referrer_name="a\tb")), RULES)
    assert [r.reasons[0].split(":")[0] for r in report.refusals] == ["name", "referrer_name"]


def test_the_header_may_leave_out_columns_and_change_their_order() -> None:
    report = read_csv(b"Mobile,REF,Date_of_birth\r\n07400 123456,D-1,1980-03-27\r\n", RULES)
    assert report.accepted and report.rows[0].details.contact.mobile == "+447400123456"


def test_problems_with_the_whole_file_are_reported_alone() -> None:
    cases = {
        "not UTF-8": "Naïve".encode("cp1252") + b",x\r\n",
        "header": b"HOSP-1,Ann\r\n",
        "twice": b"ref,ref\r\nA,A\r\n",
        "empty": b"",
        "no appointments": b"ref,name\r\n\r\n,\r\n",
        "larger": b"ref\r\n" + b"x" * MAX_BYTES,
        f"more than {MAX_ROWS}": b"ref\r\n" + b"".join(f"R-{n}\r\n".encode() for n in range(MAX_ROWS + 1)),
        "quotes": b'ref,name\r\nA,"Ann\r\n',
    }
    for words, data in cases.items():
        report = read_csv(data, RULES)
        assert words in report.file_problem, (words, report.file_problem)
        assert not report.rows and not report.accepted


def test_a_row_with_too_many_or_too_few_values_is_refused() -> None:
    report = read_csv(b"ref,email,date_of_birth\r\nA,a@example.org,1980-03-27,x\r\nB\r\nC,c@example.org,1980-03-27\r\n", RULES)
    assert [(r.line, r.ref) for r in report.refusals] == [(2, "A"), (3, "B")]
    assert "3 columns" in report.refusals[0].reasons[0]


def test_exactly_the_row_limit_is_accepted() -> None:
    rows = b"".join(f"R-{n},r{n}@example.org,1980-03-27\r\n".encode() for n in range(MAX_ROWS))
    report = read_csv(b"ref,email,date_of_birth\r\n" + rows, RULES)
    assert report.accepted and len(report.rows) == MAX_ROWS


cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "07400 123456", "2026-06-02 10:00", "1980-01-01", "a@b.org", "pl", "943 476 5919", "x" * 300]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(cells, min_size=0, max_size=13), max_size=8), st.permutations(COLUMNS))
def test_random_rows_never_raise_they_are_created_or_refused(rows: list[list[str]], header: list[str]) -> None:
    data = csv_bytes(*rows, header=tuple(header))
    report = read_csv(data, RULES)
    if report.file_problem:
        assert not report.rows
        return
    lines = [r.line for r in report.rows] + [r.line for r in report.refusals]
    assert len(lines) == len(set(lines))
    assert all(r.reasons for r in report.refusals)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    report = read_csv(b"ref,name,mobile\r\n" + data, RULES)
    assert report.file_problem or report.rows or report.refusals or not data.strip()
