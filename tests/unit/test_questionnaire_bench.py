"""bench/questionnaire.py: its personas are valid intakes of every version and its time model adds up (no timing)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bench import questionnaire as bench
from bench.questionnaire_personas import FOURTEEN_SYMPTOMS, PERSONAS, Persona
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import questionnaire_for

TODAY = dt.date(2026, 12, 1)
CASES = [pytest.param(version, persona, id=f"{version}-{persona.key}") for version in bench.BUILDERS for persona in PERSONAS]


def _persona(key: str) -> Persona:
    return next(p for p in PERSONAS if p.key == key)


def test_there_are_at_least_ten_personas_including_the_fourteen_symptom_one() -> None:
    assert len(PERSONAS) >= 10 and len({p.key for p in PERSONAS}) == len(PERSONAS)
    fourteen = _persona(FOURTEEN_SYMPTOMS)
    assert len(fourteen.symptoms) == 14 and fourteen.age == 45
    assert {"bloating", "diarrhoea", "wind", "fatigue"} <= set(fourteen.symptoms)
    assert fourteen.ppi_months == 24 and fourteen.ppi_stopped_days is None
    assert fourteen.gluten == "gluten_free" and fourteen.gluten_months == 2


@pytest.mark.parametrize(("version", "persona"), CASES)
def test_each_builder_answers_only_questions_of_its_own_version(version: str, persona: Persona) -> None:
    answers = bench.BUILDERS[version](persona, TODAY)
    assert sorted(set(answers) - set(questionnaire_for(version).by_id)) == []


@pytest.mark.parametrize(("version", "persona"), CASES)
def test_each_persona_is_a_valid_complete_intake_of_each_version(version: str, persona: Persona) -> None:
    questionnaire = questionnaire_for(version)
    walked = bench.walk(questionnaire, bench.BUILDERS[version](persona, TODAY))
    assert validate_answers(questionnaire, walked.answers, TODAY) == walked.answers
    unanswered = [
        q.id
        for step in questionnaire.steps
        for q in step.questions
        if q.required and q.is_shown(walked.answers) and q.id not in walked.answers
    ]
    assert unanswered == []
    assert walked.pages >= 2 and walked.words > 0 and walked.minutes > 0


def test_the_time_model_is_reading_plus_answers_plus_page_loads() -> None:
    walked = bench.Walk(words=400, closed=6, free_text=2, pages=5)
    assert walked.seconds == pytest.approx(120 + 30 + 60 + 10)
    assert walked.minutes == pytest.approx(220 / 60)


def test_words_are_counted_as_a_reader_sees_them() -> None:
    assert bench.count_words("Tummy (abdominal) pain or cramps", "", "Crohn's disease", "low-FODMAP") == 5 + 2 + 1


def test_follow_ups_are_shown_only_when_their_condition_holds() -> None:
    questionnaire = questionnaire_for(bench.V2)
    bloody = bench.walk(questionnaire, bench.answers_v2(_persona("uc_like_19"), TODAY)).answers
    reflux = bench.walk(questionnaire, bench.answers_v2(_persona("reflux_41"), TODAY)).answers
    assert bloody["bloody_stools_per_day"] == 5 and "bloody_stools_per_day" not in reflux
    assert [k for k in reflux if k.endswith("_months")] == ["heartburn_months"]  # one for_each copy per ticked symptom


def test_choices_from_counts_only_the_ticked_options() -> None:
    questionnaire = questionnaire_for(bench.V2)
    worst = questionnaire.by_id["worst_symptom"]
    one = bench.question_words(worst, {"symptoms": ["headaches", "wind"]})
    assert one == bench.count_words(worst.label, worst.help, "Headaches", "Wind")


def test_json_output_has_every_persona_in_both_versions_and_the_targets(capsys: pytest.CaptureFixture[str]) -> None:
    code = bench.main(["--json"])
    data = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert set(data["versions"]) == set(bench.BUILDERS) and data["current"] == bench.CURRENT
    for figures in data["versions"].values():
        assert set(figures["personas"]) == {p.key for p in PERSONAS}
        assert figures["median_persona"] in figures["personas"]
    targets = data["versions"][bench.CURRENT]["targets"]
    assert len(targets) == 4 and code == (0 if all(t["met"] for t in targets) else 1)
    assert set(data["invitations"]) == {p.key for p in PERSONAS}
    assert data["versions"][bench.CURRENT]["without_invitation_details"]["median_persona"] in figures["personas"]


def test_answers_from_the_invitation_are_read_not_asked() -> None:
    persona = _persona("ibs_d_28")
    assert persona.invitation == ("patient_name", "date_of_birth")
    invited = bench.walk_persona(bench.V3, persona, TODAY)
    asked = bench.walk_persona(bench.V3, persona, TODAY, invited=False)
    assert invited.answers["full_name"] == asked.answers["full_name"] == "Sam Example"
    assert invited.answers["date_of_birth"] == asked.answers["date_of_birth"]
    # Asked: the name is a free-text answer and the date a closed one; given: neither, and 2 questions fewer.
    assert (asked.free_text - invited.free_text, asked.closed - invited.closed) == (1, 1)
    assert asked.questions - invited.questions == 2
    questionnaire = questionnaire_for(bench.V3)
    name, born = questionnaire.by_id["full_name"], questionnaire.by_id["date_of_birth"]
    shown = bench.count_words(bench.GIVEN_NOTE, f"{name.label} Sam Example", f"{born.label} 1 January 1998")
    assert invited.words_by_step["about_you"] - asked.words_by_step["about_you"] == shown - bench.count_words(
        name.label, born.label, born.help
    )


def test_version_2_has_nothing_from_the_invitation_and_a_link_without_a_date_shows_nothing() -> None:
    persona = _persona("ibs_d_28")
    assert bench.walk_persona(bench.V2, persona, TODAY) == bench.walk_persona(bench.V2, persona, TODAY, invited=False)
    by_hand = _persona("dysphagia_68")
    assert by_hand.invitation == ()
    assert bench.walk_persona(bench.V3, by_hand, TODAY) == bench.walk_persona(bench.V3, by_hand, TODAY, invited=False)


def test_a_grid_is_one_question_whose_rows_are_closed_answers() -> None:
    questionnaire = questionnaire_for(bench.V2)
    walked = bench.walk(questionnaire, bench.answers_v2(_persona("ibs_d_28"), TODAY))
    shown = [(s, q) for s in questionnaire.steps for q in s.questions if q.is_shown(walked.answers)]
    rows = [q for s, q in shown if q in s.grid]
    grids = {s.id for s, q in shown if q in s.grid}
    assert len(rows) == 5 + 4 + 2 and grids == {"symptom_details", "bowel_habits", "wellbeing"}  # months, mood, pain
    assert walked.questions == len(shown) - len(rows) + len(grids)
    assert all(q.id in walked.answers for q in rows)  # each row answered, so each is one closed answer


def test_a_grid_legend_and_its_column_headings_are_read_once() -> None:
    questionnaire = questionnaire_for(bench.V2)
    step = questionnaire.step("wellbeing")
    answers: dict[str, bench.Answer] = {"smoking": "never"}
    answers |= {q.id: "1" for q in step.grid}
    words = bench.walk(questionnaire, answers).words_by_step["wellbeing"]
    headings = [c.label for c in step.grid_choices]
    smoking = bench.question_words(questionnaire.by_id["smoking"], answers)
    assert words == bench.count_words(step.title, step.intro, *headings, *(q.label for q in step.grid)) + smoking


def test_a_grid_with_no_row_shown_hides_its_legend_too() -> None:
    questionnaire = questionnaire_for(bench.V2)
    walked = bench.walk(questionnaire, {"symptoms": ["fatigue", "headaches"]})  # no gut symptom: no months asked
    step = questionnaire.step("symptom_details")
    assert not [q for q in step.grid if q.is_shown(walked.answers)]
    expected = sum(bench.question_words(q, walked.answers) for q in step.questions if q.is_shown(walked.answers))
    assert walked.words_by_step["symptom_details"] == bench.count_words(step.title) + expected


def test_version_4_asks_about_heavy_periods_only_of_a_woman_told_of_anaemia() -> None:
    no_anaemia, iron_deficient = _persona("ibs_d_28"), _persona("coeliac_like_27")
    assert (no_anaemia.sex, no_anaemia.periods, no_anaemia.anaemia) == ("female", "still_periods", "no")
    assert (iron_deficient.sex, iron_deficient.periods, iron_deficient.anaemia) == ("female", "still_periods", "iron_deficiency")
    for persona, fewer in ((no_anaemia, 1), (iron_deficient, 0)):
        v3, v4 = bench.walk_persona(bench.V3, persona, TODAY), bench.walk_persona(bench.V4, persona, TODAY)
        assert (v3.questions - v4.questions, v3.closed - v4.closed) == (fewer, fewer), persona.key
        assert ("heavy_periods" in v4.answers) == (fewer == 0)
