"""The patient widgets: date, imperial and table boxes, exclusive and pictured choices, compact rows, the error summary."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask

from tests.helpers.apps import build_app
from tests.helpers.widgets import QUESTIONNAIRE, elements, post, questions, render
from triage.web.patient.forms import shown_values

STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> Flask:
    """A testing app: its Jinja env renders the field macro (no database work here)."""
    return build_app(sqlite_url, tmp_path)


def test_a_date_is_three_labelled_numeric_boxes_in_a_fieldset_named_by_the_question(app: Flask) -> None:
    page = elements(render(app, questions("date_of_birth")))
    boxes = page.inputs()
    assert [boxes[i]["name"] for i in ("f-date_of_birth", "f-date_of_birth-month", "f-date_of_birth-year")] == [
        "date_of_birth-day",
        "date_of_birth-month",
        "date_of_birth-year",
    ]
    assert {b["inputmode"] for b in boxes.values()} == {"numeric"}
    assert [b["autocomplete"] for b in boxes.values()] == ["bday-day", "bday-month", "bday-year"]
    assert page.texts["label"] == ["Day", "Month", "Year"]
    assert page.texts["legend"] == ["What is your date of birth?"]  # required: no "(optional)"


def test_a_stored_date_shows_in_its_three_boxes(app: Flask) -> None:
    shown = shown_values(questions("date_of_birth"), {"date_of_birth": "1981-05-04"}, {})
    assert shown == {"date_of_birth": ["4", "5", "1981"]}
    boxes = elements(render(app, questions("date_of_birth"), shown)).inputs()
    assert [b["value"] for b in boxes.values()] == ["4", "5", "1981"]


def test_posted_date_boxes_are_stored_as_an_iso_date() -> None:
    reading = post("about", {"date_of_birth-day": "14", "date_of_birth-month": "May", "date_of_birth-year": "1981"})
    assert reading.errors == {}
    assert reading.values["date_of_birth"] == "1981-05-14"
    assert reading.shown["date_of_birth"] == ["14", "5", "1981"]


def test_a_date_that_is_not_real_keeps_the_typed_boxes_with_the_message(app: Flask) -> None:
    typed = {"date_of_birth-day": "31", "date_of_birth-month": "feb", "date_of_birth-year": "1981"}
    reading = post("about", typed)
    assert reading.errors["date_of_birth"] == "Date of birth must be a real date"
    assert reading.pending["date_of_birth"] == ["31", "feb", "1981"]
    page = elements(render(app, questions("date_of_birth"), reading.shown, reading.errors))
    assert [b["value"] for b in page.inputs().values()] == ["31", "feb", "1981"]
    assert {b["aria-invalid"] for b in page.inputs().values()} == {"true"}
    assert "Date of birth must be a real date" in page.texts["p"][-1]


def test_a_date_with_a_missing_part_names_the_part() -> None:
    reading = post("about", {"date_of_birth-day": "14", "date_of_birth-year": "1981"})
    assert reading.errors["date_of_birth"] == "Date of birth must include a month"
    assert reading.pending["date_of_birth"] == ["14", "", "1981"]


def test_imperial_boxes_follow_the_metric_box_under_their_own_legend(app: Flask) -> None:
    page = elements(render(app, questions("height_cm", "weight_kg"), {"height_cm": ["170", "", ""]}))
    boxes = page.inputs()
    assert boxes["f-height_cm"]["name"] == "height_cm" and boxes["f-height_cm"]["value"] == "170"
    assert boxes["f-height_cm-major"]["name"] == "height_cm-major"
    assert boxes["f-weight_kg-minor"]["name"] == "weight_kg-minor"
    assert page.texts["legend"] == ["Or in feet and inches", "Or in stones and pounds"]
    assert [t for t in page.texts["label"] if "(" not in t] == ["Feet", "Inches", "Stones", "Pounds"]


def test_feet_and_inches_are_stored_in_centimetres_and_shown_in_the_metric_box() -> None:
    reading = post("about", {"height_cm-major": "5", "height_cm-minor": "10", "weight_kg-major": "12", "weight_kg-minor": "7"})
    assert "height_cm" not in reading.errors and "weight_kg" not in reading.errors
    assert reading.values["height_cm"] == pytest.approx(177.8)
    assert reading.values["weight_kg"] == pytest.approx(79.4)
    assert reading.shown["height_cm"] == ["177.8", "", ""]
    assert shown_values(questions("height_cm"), {"height_cm": 170.0}, {}) == {"height_cm": ["170", "", ""]}


def test_height_given_both_ways_keeps_every_box_with_the_message(app: Flask) -> None:
    reading = post("about", {"height_cm": "170", "height_cm-major": "5", "height_cm-minor": "7"})
    assert reading.errors["height_cm"] == "Please give your height in one way only: cm, or feet and inches."
    assert reading.pending["height_cm"] == ["170", "5", "7"]
    boxes = elements(render(app, questions("height_cm"), reading.shown, reading.errors)).inputs()
    assert [b["value"] for b in boxes.values()] == ["170", "5", "7"]


def test_a_table_shows_the_stored_rows_then_three_blank_rows_up_to_its_most(app: Flask) -> None:
    stored = {"current_medicines": [["Omeprazole", "20 mg", "once a day"]]}
    shown = shown_values(questions("current_medicines"), stored, {})
    assert shown == {"current_medicines": ["Omeprazole", "20 mg", "once a day"]}
    page = elements(render(app, questions("current_medicines"), shown))
    assert page.texts["legend"] == ["Which medicines do you take? (optional)", "Row 1", "Row 2", "Row 3", "Row 4"]
    names = [b["name"] for b in page.inputs().values()]
    assert names[:3] == ["current_medicines-0-name", "current_medicines-0-dose", "current_medicines-0-how_often"]
    assert len(names) == 12 and [b["value"] for b in page.inputs().values()][:3] == ["Omeprazole", "20 mg", "once a day"]
    full = elements(render(app, questions("current_medicines"), {"current_medicines": ["x", "", ""] * 4})).inputs()
    assert len(full) == 15  # four typed rows and one blank: the question's max_rows is 5


def test_posted_table_rows_are_stored_as_rows_without_the_blank_ones() -> None:
    reading = post(
        "medicines",
        {
            "current_medicines-0-name": "Omeprazole",
            "current_medicines-0-dose": "20 mg",
            "current_medicines-0-how_often": "once a day",
            "current_medicines-2-name": "Levothyroxine",
        },
    )
    assert reading.errors == {}
    assert reading.values["current_medicines"] == [["Omeprazole", "20 mg", "once a day"], ["Levothyroxine", "", ""]]


def test_a_row_with_a_dose_but_no_name_keeps_the_rows_with_the_message(app: Flask) -> None:
    reading = post("medicines", {"current_medicines-0-name": "Omeprazole", "current_medicines-1-dose": "5 mg"})
    assert reading.errors["current_medicines"] == "Row 2: please give the medicine's name."
    assert reading.pending["current_medicines"] == ["Omeprazole", "", "", "", "5 mg", ""]
    boxes = elements(render(app, questions("current_medicines"), reading.shown, reading.errors)).inputs()
    assert boxes["f-current_medicines"]["value"] == "Omeprazole"
    assert boxes["f-current_medicines-1-dose"]["value"] == "5 mg"


def test_exclusive_choices_come_after_an_or_with_the_static_script(app: Flask) -> None:
    html = render(app, questions("symptoms"))
    page = elements(html)
    assert html.index("Diarrhoea") < html.index('<p class="opts-or">or</p>') < html.index("None of these")
    exclusive = [b["value"] for b in page.inputs().values() if "data-exclusive-choice" in b]
    assert exclusive == ["none", "not_sure"]
    assert [s["src"] for s in page.all("script")] == ["/static/js/exclusive.js"]
    assert "data-exclusive" in page.all("fieldset")[0]


def test_without_javascript_an_exclusive_choice_with_another_is_refused_and_kept() -> None:
    reading = post("gut", {"symptoms": ["bloating", "none"], "severity": "3"})
    assert reading.errors["symptoms"] == "'None of these' cannot be ticked together with other answers."
    assert reading.pending["symptoms"] == ["bloating", "none"]


def test_optional_questions_say_so_and_required_and_consent_ones_do_not(app: Flask) -> None:
    page = elements(render(app, questions("nickname", "symptoms", "consent_true")))
    assert page.texts["label"][0] == "What should we call you? (optional)"
    assert page.texts["legend"] == ["Which of these do you have?"]
    assert "(optional)" not in " ".join(page.texts["label"][1:])


def test_pictured_choices_show_a_decorative_picture_beside_their_text(app: Flask) -> None:
    page = elements(render(app, questions("bristol_type")))
    images = page.all("img")
    assert [i["src"] for i in images] == [f"/static/img/bristol-{n}.svg" for n in range(1, 8)]
    assert {i["alt"] for i in images} == {""}  # the label's text is the accessible name
    assert [t.strip() for t in page.texts["label"]] == [f"Type {n}" for n in range(1, 8)]


@pytest.mark.parametrize("number", range(1, 8))
def test_each_bristol_picture_is_a_small_svg_drawing(number: int) -> None:
    picture = STATIC / "img" / f"bristol-{number}.svg"
    assert picture.stat().st_size < 3000
    root = ET.fromstring(picture.read_text())  # noqa: S314 - our own file
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert not [e for e in root.iter() if e.tag.endswith("script") or any(a.startswith("on") for a in e.attrib)]


def test_a_compact_question_is_marked_for_the_compact_grid(app: Flask) -> None:
    html = render(app, questions("bloating_months", "severity"))
    assert '<div class="q compact" id="q-bloating_months">' in html
    assert '<div class="q" id="q-severity">' in html


def test_choices_from_shows_only_the_options_ticked_on_an_earlier_page(app: Flask) -> None:
    page = elements(render(app, questions("worst_symptom"), answers={"symptoms": ["bloating", "diarrhoea"]}))
    assert [b["value"] for b in page.inputs().values()] == ["bloating", "diarrhoea"]
    assert page.inputs()["f-worst_symptom"]["value"] == "bloating"


def test_choices_from_on_the_same_page_hides_the_options_not_ticked_for_followups_js(app: Flask) -> None:
    html = render(app, questions("symptoms", "worst_symptom"), {"symptoms": ["heartburn", "diarrhoea"]})
    assert 'data-choices-from="symptoms"' in html
    options = re.findall(r'<label( hidden)?><input type="radio" name="worst_symptom" value="(\w+)"', html)
    assert [value for hidden, value in options if not hidden] == ["heartburn", "diarrhoea"]
    assert '<input type="radio" name="worst_symptom" value="heartburn" id="f-worst_symptom">' in html


def test_the_error_summary_names_each_question_without_trailing_punctuation_and_takes_the_focus(app: Flask) -> None:
    errors = {
        "height_cm": "Please enter a number from 100 to 250 (cm).",
        "date_of_birth": "Date of birth must include a day",
        "nickname": "Please shorten this answer.",
    }
    page = elements(render(app, questions("date_of_birth", "height_cm", "nickname"), errors=errors))
    assert page.texts["a"] == [
        "Height: Please enter a number from 100 to 250 (cm).",  # the short label
        "Date of birth must include a day",  # a message that names the field already says it all
        "What should we call you: Please shorten this answer.",  # the label, without its "?"
    ]
    assert [a["href"] for a in page.all("a")] == ["#f-height_cm", "#f-date_of_birth", "#f-nickname"]
    summary = page.all("div")[0]
    assert summary["class"] == "error-summary" and summary["tabindex"] == "-1" and "autofocus" in summary
    assert [s["src"] for s in page.all("script")] == ["/static/js/focus-errors.js"]
    assert {"f-height_cm", "f-date_of_birth"} <= set(page.inputs())


def test_widget_scripts_are_static_files_only(app: Flask) -> None:
    html = render(app, QUESTIONNAIRE.questions, errors={"symptoms": "Please choose at least one answer."})
    assert not re.search(r"<script[^>]*>[^<]", html)
    assert not [name for _, attrs in elements(html).tags for name in attrs if name.startswith("on") or name == "style"]
    for script in re.findall(r'<script src="/static/(js/[\w-]+\.js)"', html):
        assert (STATIC / script).is_file()


def test_the_scale_takes_at_most_two_rows_of_44px_answers_at_320px() -> None:
    css = (STATIC / "css" / "app.css").read_text()
    assert ".opts.scale { grid-template-columns: repeat(6, minmax(2.75rem, 1fr)); gap: .125rem; }" in css
    # 320px - 2 x .75rem main padding - 5px error border - .75rem padding = 279px >= 6 x 44px + 5 x 2px = 274px
    assert "@media (max-width: 22.49rem) {\n  main { padding: .75rem; }" in css


def test_a_date_posted_as_one_string_by_a_page_from_before_the_boxes_is_still_read() -> None:
    assert post("about", {"date_of_birth": "1981-05-14"}).values["date_of_birth"] == "1981-05-14"
    kept = post("about", {"date_of_birth": "1981-02-30"})
    assert kept.pending["date_of_birth"] == ["1981-02-30"] and "date_of_birth" in kept.errors
