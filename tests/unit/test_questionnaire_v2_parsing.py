"""Reading version 2 input: dates in three boxes or one string, imperial units, exclusive choices and table rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.domain.errors import AnswerError
from triage.domain.questionnaire.answers import Parsed, clean_text, display_answer, parse_field, validate_answers
from triage.domain.questionnaire.dates import age_on
from triage.domain.questionnaire.questions import parse_questionnaire

TODAY = dt.date(2026, 12, 1)
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"]  # fmt: skip
Q = parse_questionnaire(
    {
        "version": "t-2",
        "steps": [
            {
                "id": "about",
                "title": "About you",
                "questions": [
                    {"id": "date_of_birth", "type": "date", "label": "Your date of birth", "short": "Date of birth",
                     "min_age": 16, "max_age": 110},
                    {"id": "height_cm", "type": "number", "label": "Your height", "short": "Height", "unit": "cm",
                     "min": 50, "max": 250, "imperial": "feet_inches"},
                    {"id": "weight_kg", "type": "number", "label": "Your weight", "short": "Weight", "unit": "kg",
                     "min": 20, "max": 400, "imperial": "stones_pounds"},
                    {"id": "acid_medicines", "type": "multi", "label": "In the last 4 weeks, have you taken any of these?",
                     "choices": [
                         {"value": "ppi", "label": "A PPI"},
                         {"value": "h2_blocker", "label": "An H2 blocker"},
                         {"value": "antacid", "label": "An antacid"},
                         {"value": "none", "label": "None of these", "exclusive": True},
                         {"value": "not_sure", "label": "Not sure", "exclusive": True},
                     ]},
                    {"id": "current_medicines", "type": "table", "label": "Medicines you take now", "max_rows": 4,
                     "columns": [{"id": "name", "label": "Medicine"}, {"id": "dose", "label": "Dose"},
                                 {"id": "how_often", "label": "How often"}]},
                ],
            }
        ],
    }
)  # fmt: skip
DOB, HEIGHT, WEIGHT, ACID, TABLE = (
    Q.by_id[i] for i in ("date_of_birth", "height_cm", "weight_kg", "acid_medicines", "current_medicines")
)


@pytest.mark.parametrize(
    ("parts", "value"),
    [
        (["14", "5", "1981"], "1981-05-14"),
        (["14", "05", "1981"], "1981-05-14"),
        (["04", "May", "1981"], "1981-05-04"),
        (["4", "sept", "1981"], "1981-09-04"),
        (["4", "Dec.", "1981"], "1981-12-04"),
        (["29", "2", "1980"], "1980-02-29"),
        ([" 1 ", " 1 ", " 1930 "], "1930-01-01"),
        (["", "", ""], None),
    ],
)
def test_three_date_boxes_become_an_iso_date(parts: list[str], value: str | None) -> None:
    assert parse_field(DOB, parts, TODAY) == Parsed(value)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["", "5", "1981"], "Date of birth must include a day"),
        (["14", "", "1981"], "Date of birth must include a month"),
        (["14", "5", ""], "Date of birth must include a year"),
        (["", "", "1981"], "Date of birth must include a day and a month"),
        (["14", "5", "81"], "Year must include 4 numbers"),
        (["14", "5", "19811"], "Year must include 4 numbers"),
        (["31", "2", "1981"], "Date of birth must be a real date"),
        (["29", "2", "1981"], "Date of birth must be a real date"),
        (["14", "13", "1981"], "Date of birth must be a real date"),
        (["14", "Smarch", "1981"], "Date of birth must be a real date"),
        (["fourteen", "5", "1981"], "Date of birth must be a real date"),
        (["14", "5", "19a1"], "Date of birth must be a real date"),
        (["1", "1", "2020"], "Please check the year: this would make you 6. Enter a date of birth for an age from 16 to 110."),
        (["1", "1", "1900"], "Please check the year: this would make you 126. Enter a date of birth for an age from 16 to 110."),
        (["1", "1", "2030"], "Date of birth must be in the past"),
    ],
)
def test_wrong_date_boxes_get_the_message_that_says_what_to_fix(parts: list[str], message: str) -> None:
    assert parse_field(DOB, parts, TODAY).error == message


@pytest.mark.parametrize(
    "text", ["1981-05-14", "14/05/1981", "14.05.1981", "14-05-1981", "14 May 1981", "May 14 1981", "14/5/1981", "May 14, 1981"]
)
def test_one_string_dates_in_every_listed_format(text: str) -> None:
    assert parse_field(DOB, [text], TODAY).value == "1981-05-14"
    assert validate_answers(Q, {"date_of_birth": text}, TODAY) == {"date_of_birth": "1981-05-14"}


@pytest.mark.parametrize("text", ["1981-02-30", "05/14/1981", "14 Mai 1981", "yesterday", "1981/05/14"])
def test_a_one_string_date_that_is_not_real_says_so(text: str) -> None:
    assert parse_field(DOB, [text], TODAY).error == "Please enter a real date, for example 21/03/1974 or 1974-03-21."


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    born=st.dates(dt.date(1916, 12, 2), dt.date(2010, 12, 1)),
    month_style=st.sampled_from(["number", "padded", "name", "abbreviation", "upper"]),
)
def test_any_real_date_within_the_ages_round_trips_to_iso(born: dt.date, month_style: str) -> None:
    name = MONTH_NAMES[born.month - 1]
    month = {
        "number": str(born.month),
        "padded": f"{born.month:02d}",
        "name": name,
        "abbreviation": name[:3].lower(),
        "upper": name.upper(),
    }[month_style]
    parsed = parse_field(DOB, [str(born.day), month, str(born.year)], TODAY)
    assert parsed.error is None and parsed.value == born.isoformat()
    for text in (born.isoformat(), f"{born.day:02d}/{born.month:02d}/{born.year}", f"{born.day} {name} {born.year}"):
        assert parse_field(DOB, [text], TODAY).value == born.isoformat()


@settings(max_examples=200, derandomize=True, deadline=None)
@given(born=st.dates(dt.date(1800, 1, 1), dt.date(2026, 11, 30)))
def test_a_date_outside_the_ages_names_the_age_it_would_give(born: dt.date) -> None:
    age = age_on(born, TODAY)
    parsed = parse_field(DOB, [str(born.day), str(born.month), str(born.year)], TODAY)
    if 16 <= age <= 110:
        assert parsed.value == born.isoformat()
    else:
        assert (
            parsed.error == f"Please check the year: this would make you {age}. Enter a date of birth for an age from 16 to 110."
        )


def test_a_date_question_without_ages_keeps_the_1900_to_today_range() -> None:
    plain = parse_questionnaire(
        {"version": "1", "steps": [{"id": "s", "title": "S", "questions": [{"id": "d", "type": "date", "label": "When"}]}]}
    ).by_id["d"]
    assert parse_field(plain, ["1974-03-21"], TODAY).value == "1974-03-21"
    assert parse_field(plain, ["21", "3", "1974"], TODAY).value == "1974-03-21"
    assert parse_field(plain, ["1", "1", "1899"], TODAY).error == "Please enter a date between 1900 and today."
    assert parse_field(plain, ["", "3", "1974"], TODAY).error == "When must include a day"


@pytest.mark.parametrize(
    ("question", "parts", "value"),
    [
        ("height_cm", ["170", "", ""], 170.0),
        ("height_cm", ["170,5", "", ""], 170.5),
        ("height_cm", ["", "5", "9"], 175.3),
        ("height_cm", ["", "6", ""], 182.9),
        ("height_cm", ["", "", "70"], 177.8),
        ("height_cm", ["", "5", "9,5"], 176.5),
        ("weight_kg", ["", "11", "4"], 71.7),
        ("weight_kg", ["", "", "154"], 69.9),
        ("weight_kg", ["", "", ""], None),
    ],
)
def test_imperial_boxes_are_stored_in_metric(question: str, parts: list[str], value: float | None) -> None:
    parsed = parse_field(Q.by_id[question], parts, TODAY)
    assert parsed.error is None and parsed.value == value


@pytest.mark.parametrize(
    ("question", "parts", "message"),
    [
        ("height_cm", ["170", "5", "9"], "Please give your height in one way only: cm, or feet and inches."),
        ("height_cm", ["170", "", "2"], "Please give your height in one way only: cm, or feet and inches."),
        ("weight_kg", ["70", "11", ""], "Please give your weight in one way only: kg, or stones and pounds."),
        ("height_cm", ["", "9", "0"], "Please enter a number from 50 to 250 (cm), or from 1 ft 8 in to 8 ft 2 in."),
        ("height_cm", ["", "five", "9"], "Please enter a number from 50 to 250 (cm), or from 1 ft 8 in to 8 ft 2 in."),
        ("height_cm", ["", "-5", "9"], "Please enter a number from 50 to 250 (cm), or from 1 ft 8 in to 8 ft 2 in."),
        ("height_cm", ["", "1e999", ""], "Please enter a number from 50 to 250 (cm), or from 1 ft 8 in to 8 ft 2 in."),
        ("height_cm", ["300", "", ""], "Please enter a number from 50 to 250 (cm), or from 1 ft 8 in to 8 ft 2 in."),
        ("weight_kg", ["", "2", "0"], "Please enter a number from 20 to 400 (kg), or from 3 st 3 lb to 62 st 13 lb."),
    ],
)
def test_imperial_mistakes_get_a_message_naming_both_units(question: str, parts: list[str], message: str) -> None:
    assert parse_field(Q.by_id[question], parts, TODAY).error == message


def test_the_json_path_gives_the_metric_value_as_one_number() -> None:
    assert validate_answers(Q, {"height_cm": 170, "weight_kg": 70.5}, TODAY) == {"height_cm": 170.0, "weight_kg": 70.5}
    assert parse_field(HEIGHT, ["170"], TODAY).value == 170.0


@settings(max_examples=300, derandomize=True, deadline=None)
@given(major=st.integers(0, 8), minor=st.decimals(0, Decimal("11.9"), places=1))
def test_feet_and_inches_stay_within_a_tenth_of_the_exact_conversion(major: int, minor: Decimal) -> None:
    exact = major * 30.48 + float(minor) * 2.54
    parsed = parse_field(HEIGHT, ["", str(major), str(minor)], TODAY)
    if 50 <= round(exact, 1) <= 250:
        assert isinstance(parsed.value, float) and abs(parsed.value - exact) <= 0.1
    else:
        assert parsed.value is None and parsed.error is not None and "ft" in parsed.error


@settings(max_examples=300, derandomize=True, deadline=None)
@given(major=st.integers(0, 63), minor=st.decimals(0, Decimal("13.9"), places=1))
def test_stones_and_pounds_stay_within_a_tenth_of_the_exact_conversion(major: int, minor: Decimal) -> None:
    exact = major * 6.35029318 + float(minor) * 0.45359237
    parsed = parse_field(WEIGHT, ["", str(major), str(minor)], TODAY)
    if 20 <= round(exact, 1) <= 400:
        assert isinstance(parsed.value, float) and abs(parsed.value - exact) <= 0.1
    else:
        assert parsed.value is None and parsed.error is not None and "st" in parsed.error


def test_an_exclusive_choice_cannot_be_ticked_with_another() -> None:
    assert parse_field(ACID, ["none"], TODAY).value == ["none"]
    assert parse_field(ACID, ["ppi", "antacid"], TODAY).value == ["ppi", "antacid"]
    assert parse_field(ACID, ["ppi", "none"], TODAY).error == "'None of these' cannot be ticked together with other answers."
    assert parse_field(ACID, ["not_sure", "none"], TODAY).error == "'Not sure' cannot be ticked together with other answers."
    with pytest.raises(AnswerError, match="'acid_medicines': 'None of these' cannot be ticked together with other answers."):
        validate_answers(Q, {"acid_medicines": ["none", "h2_blocker"]}, TODAY)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(["ppi", "h2_blocker", "antacid", "none", "not_sure"]), unique=True, min_size=1))
def test_exclusive_values_never_combine(ticked: list[str]) -> None:
    parsed = parse_field(ACID, ticked, TODAY)
    exclusive = {"none", "not_sure"} & set(ticked)
    if exclusive and len(ticked) > 1:
        assert parsed.value is None and parsed.error is not None and "cannot be ticked together" in parsed.error
    else:
        assert parsed.value == ticked


def test_table_cells_become_rows_and_blank_rows_are_dropped() -> None:
    cells = ["Omeprazole", "20 mg", "once a day", "", "", "", " Levothyroxine ", "", "", "", "", ""]
    parsed = parse_field(TABLE, cells, TODAY)
    assert parsed.error is None
    assert parsed.value == [["Omeprazole", "20 mg", "once a day"], ["Levothyroxine", "", ""]]
    assert parse_field(TABLE, [""] * 9, TODAY).value is None


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (["Omeprazole", "", "", "", "20 mg", ""], "Row 2: please give the medicine's name."),
        (
            ["", "", "daily", "", "", "", "", "5 mg", ""],
            "Row 1: please give the medicine's name. Row 3: please give the medicine's name.",
        ),
        (["a", "b"], "Please fill in the table as shown."),
        (["x", "", ""] * 5, "Please give at most 4 rows."),
        (["x" * 201, "", ""], "Row 1: please shorten 'Medicine' to at most 200 characters."),
        (["Ome\x00prazole", "", ""], "control character"),
    ],
)
def test_a_wrong_table_says_which_row_to_fix(cells: list[str], message: str) -> None:
    parsed = parse_field(TABLE, cells, TODAY)
    assert parsed.value is None and parsed.error is not None and message in parsed.error


CELL = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=12)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(st.tuples(CELL, CELL, CELL), max_size=6))
def test_table_rows_round_trip_through_the_form_and_the_json_path(rows: list[tuple[str, str, str]]) -> None:
    cells = [cell for row in rows for cell in row]
    parsed = parse_field(TABLE, cells, TODAY)
    cleaned = [[clean_text(c) for c in row] for row in rows]
    kept = [row for row in cleaned if any(row)]
    if any(not row[0] for row in kept) or len(kept) > 4:
        assert parsed.value is None and parsed.error is not None
        return
    assert parsed.error is None and parsed.value == (kept or None)
    if kept:
        assert validate_answers(Q, {"current_medicines": kept}, TODAY) == {"current_medicines": kept}


def test_the_json_path_takes_a_list_of_rows() -> None:
    answers = validate_answers(Q, {"current_medicines": [["Omeprazole", "20 mg"], ["Aspirin"]]}, TODAY)
    assert answers == {"current_medicines": [["Omeprazole", "20 mg", ""], ["Aspirin", "", ""]]}
    with pytest.raises(AnswerError, match="'current_medicines' must be a list of rows, each a list of up to 3 strings"):
        validate_answers(Q, {"current_medicines": ["Omeprazole"]}, TODAY)
    with pytest.raises(AnswerError, match="must be a list of rows"):
        validate_answers(Q, {"current_medicines": [["a", "b", "c", "d"]]}, TODAY)


def test_a_table_is_shown_as_one_line_of_rows() -> None:
    rows = [["Omeprazole", "20 mg", "once a day"], ["Levothyroxine", "", "every morning"]]
    assert display_answer(TABLE, rows) == "Omeprazole, 20 mg, once a day; Levothyroxine, every morning"
    assert display_answer(TABLE, None) == "Not answered"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    qid=st.sampled_from(sorted(Q.by_id)),
    raw=st.one_of(st.lists(st.text(max_size=30), min_size=3, max_size=3), st.lists(st.text(max_size=30), max_size=10)),
)
def test_parse_field_never_raises_on_version_2_questions(qid: str, raw: list[str]) -> None:
    parsed = parse_field(Q.by_id[qid], raw, TODAY)
    assert (parsed.value is None) or (parsed.error is None)
