"""The clinician report reads each intake with its own questionnaire version: version 1 as before, version 2's new facts."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import pypdf

from tests.helpers.report_versions import ON, RESULT, V1, V1_ANSWERS, V2, V2_ANSWERS, intake, small_v2
from triage.db.intake_record import IntakeRecord
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.derived import derive_facts
from triage.domain.questionnaire.questions import (
    Answer,
    Questionnaire,
    default_questionnaire,
    questionnaire_for,
)
from triage.domain.report.history import history_paragraph
from triage.domain.report.model import CurrentMedicine, build_report
from triage.domain.report.versions import questionnaire_of
from triage.pdf import summary as pdf


def pdf_words(record: IntakeRecord, questionnaire: Questionnaire | None = None) -> str:
    """The rendered PDF's text, every run of whitespace as one space."""
    settings = pdf.PdfSettings()
    data = pdf.render_pdf(pdf.document_html(record, settings, "now", questionnaire), settings)
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).split())


def test_a_version_1_intake_is_read_with_the_archived_version_1_questions() -> None:
    questionnaire = questionnaire_of(V1)
    assert questionnaire is questionnaire_for(V1) and questionnaire.by_id["takes_ppi"].step == "medicines"
    report = build_report(questionnaire, V1_ANSWERS, RESULT, ON)
    assert report.history.startswith("52-year-old woman with 8 months of bloating (7/10) and loose stools (5/10).")
    assert "4 times a day" in report.history and "Takes omeprazole daily for 3 years, last dose yesterday." in report.history
    assert [(s.label, s.value) for s in report.severities] == [("Bloating", 7), ("Loose stools", 5)]
    ppi = report.medicines[0]
    assert (ppi.kind, ppi.last_dose, ppi.still_taking) == ("Proton pump inhibitor", "yesterday", False)
    assert report.group("other") is None  # every v1 answer is a question of v1
    assert (report.current_medicines, report.allergies) == ((), "")
    assert report.negatives == ("rectal bleeding",)


def test_an_unknown_questionnaire_version_is_read_with_the_current_questions() -> None:
    assert questionnaire_of("no-such-version") is default_questionnaire()
    assert questionnaire_of("") is default_questionnaire()


def test_version_2_history_names_each_symptom_with_its_own_duration_worst_first() -> None:
    text = history_paragraph(small_v2(), V2_ANSWERS, ON)
    assert text.startswith(
        "46-year-old woman with bloating (8/10, 14 months), abdominal pain (3 months) and loose stools (about 2.5 years)."
    )
    assert "Mostly loose stools, 3 to 5 times a day." in text


def test_version_2_history_tells_the_last_4_weeks_medicines_with_still_taking_and_last_dose() -> None:
    text = history_paragraph(small_v2(), V2_ANSWERS, ON)
    assert (
        "In the last 4 weeks: omeprazole daily for 2 years, still taking; bismuth, last dose 5 days ago. No NSAIDs. "
        "Allergies reported." in text
    )
    assert "Penicillin" not in text  # the allergy's free text stays in the answers, not the paragraph
    # Every medicine is named, the free-text ones included (a clinician reads levothyroxine in a history).
    assert text.endswith("Also takes Levothyroxine 50 micrograms once a day and Sertraline 50 mg each morning.")


def test_version_2_weight_loss_gives_kilograms_share_of_body_weight_and_months() -> None:
    percent = derive_facts(V2_ANSWERS, ON)["weight_loss_percent"]
    assert isinstance(percent, float)
    text = history_paragraph(small_v2(), V2_ANSWERS, ON)
    assert f"Reports unintended weight loss (6 kg, {percent:.0f}% of body weight over 3 months)." in text
    assert "Denies rectal bleeding." in text


def test_version_2_none_of_the_4_week_medicines_nor_nsaids_is_said_once() -> None:
    answers: dict[str, Answer] = {"acid_medicines": ["none"], "takes_nsaid": "no", "allergies": "none"}
    text = history_paragraph(small_v2(), answers, ON)
    assert text.endswith("No acid-suppressing medicines, bismuth, antibiotics or NSAIDs. No known allergies.")


def test_version_2_one_symptom_takes_the_worst_severity_without_a_worst_symptom_question() -> None:
    answers: dict[str, Answer] = {"symptoms": ["heartburn"], "worst_symptom_severity": 6, "heartburn_months": 5}
    report = build_report(small_v2(), answers, RESULT, ON)
    assert report.history.startswith("Person with heartburn (6/10, 5 months).")
    assert [(s.label, s.value, s.duration) for s in report.severities] == [("Heartburn", 6, "5 months")]


def test_version_2_report_lists_allergies_the_medicines_table_and_the_4_week_medicines() -> None:
    report = build_report(small_v2(), V2_ANSWERS, RESULT, ON)
    assert report.current_medicines == (
        CurrentMedicine("Levothyroxine", "50 micrograms", "once a day"),
        CurrentMedicine("Sertraline", "50 mg", "each morning"),
    )
    assert (report.allergies, report.allergy_details) == ("Yes", "Penicillin gives me a rash")
    ppi, bismuth = report.medicines
    assert (ppi.kind, ppi.drug, ppi.duration, ppi.still_taking, ppi.last_dose) == (
        "Proton pump inhibitor",
        "Omeprazole (Losec)",
        "2 years",
        True,
        "",
    )
    assert (bismuth.kind, bismuth.asks_drug, bismuth.last_dose, bismuth.highlight) == ("Bismuth", False, "5 days ago", True)
    assert [(s.label, s.value) for s in report.severities] == [("Bloating", 8)]
    assert report.negatives == ("rectal bleeding",)  # the warning-signs section's "no" answers


def test_table_rows_lose_bidi_controls_and_rows_without_a_name() -> None:
    answers: dict[str, Any] = {  # a damaged stored table: a row without a name and a row that is not a list
        **V2_ANSWERS,
        "current_medicines": [["\u202eniloxoryhtovel", "1", ""], ["", "no name", "x"], "junk"],
    }
    report = build_report(small_v2(), answers, RESULT, ON)
    assert report.current_medicines == (CurrentMedicine("niloxoryhtovel", "1", ""),)


def test_the_version_2_pdf_lists_allergies_and_each_current_medicine() -> None:
    text = pdf_words(intake("test-2", V2_ANSWERS), small_v2())
    assert "Levothyroxine" in text and "50 micrograms" in text and "once a day" in text
    assert "Sertraline" in text and "each morning" in text
    assert "Allergies: Yes · Penicillin gives me a rash" in text
    assert "Proton pump inhibitor: Omeprazole (Losec) · Every day · for 2 years · still taking" in text
    assert "Bismuth · last dose 5 days ago" in text
    assert "bloating (8/10, 14 months), abdominal pain (3 months)" in text


def test_the_version_1_pdf_reads_its_answers_with_the_version_1_questions() -> None:
    text = pdf_words(intake(V1, V1_ANSWERS))
    assert "Proton pump inhibitor: Omeprazole (Prilosec, Losec) · Every day · for 3 years · last dose yesterday" in text
    assert "Also listed by the patient: Levothyroxine" in text and "Allergies" not in text
    assert "Bloating 7/10" in text and "Questionnaire 2026.11-1" in text


def test_the_pdf_cache_key_includes_the_questionnaire_version() -> None:
    record = intake(V1, V1_ANSWERS)
    settings = pdf.PdfSettings()
    assert pdf.cache_key(record, settings) != pdf.cache_key(replace(record, questionnaire_version="2026.12-2"), settings)


def test_warning_signs_and_bowel_features_asked_as_lists_read_as_their_own_answers() -> None:
    answers: dict[str, Answer] = {
        "symptoms": ["diarrhoea"],
        "warning_signs": ["unintended_weight_loss"],
        "warning_signs_unsure": [],
        "weight_lost_kg": 4.0,
        "bowel_features": ["nocturnal_bowel", "mucus"],
    }
    report = build_report(small_v2(), answers, RESULT, ON)
    assert "Nocturnal defecation, mucus." in report.history
    assert "Reports unintended weight loss (4 kg). Denies rectal bleeding, melaena," in report.history
    assert report.negatives[:2] == ("rectal bleeding", "melaena")
    unsure = build_report(small_v2(), {"warning_signs": ["not_sure"]}, RESULT, ON)
    assert "Denies" not in unsure.history and unsure.negatives == ()  # "not sure" of which: nothing is denied


def test_nsaids_ticked_in_the_4_week_list_join_the_other_medicines_of_those_weeks() -> None:
    answers: dict[str, Answer] = {"acid_medicines": ["ppi", "nsaid"], "ppi_still_taking": "no", "ppi_last_dose_days": 10}
    answers["nsaid_frequency"] = "daily"
    report = build_report(small_v2(), answers, RESULT, ON)
    assert "In the last 4 weeks: a PPI, last dose 10 days ago; NSAIDs daily." in report.history
    assert [(m.kind, m.highlight) for m in report.medicines] == [("Proton pump inhibitor", True), ("NSAID", False)]
    none = history_paragraph(small_v2(), {"acid_medicines": ["none"]}, ON)
    assert none.endswith("No acid-suppressing medicines, bismuth, antibiotics or NSAIDs.")


def real_v2_answers() -> dict[str, Answer]:
    """Answers validated by the bundled version 2 (forms/questionnaire.yaml), with allergies and two own medicines."""
    questionnaire = questionnaire_for(V2)
    raw = {k: v for k, v in V2_ANSWERS.items() if k in questionnaire.by_id}
    raw |= {"warning_signs": ["none"], "known_anaemia": "no"}
    return validate_answers(questionnaire, raw, ON)


def test_the_bundled_version_2_intake_shows_its_new_facts_in_the_report_and_the_pdf() -> None:
    assert questionnaire_for(V2).version == V2  # still bundled now that version 3 is current
    answers = real_v2_answers()
    report = build_report(questionnaire_of(V2), answers, RESULT, ON)
    assert report.history.startswith(
        "46-year-old woman with bloating (8/10, 14 months), abdominal pain (3 months) and loose stools (about 2.5 years)."
    )
    assert "In the last 4 weeks: a PPI for 2 years, still taking; bismuth, last dose 5 days ago." in report.history
    assert [c.name for c in report.current_medicines] == ["Levothyroxine", "Sertraline"]
    assert report.allergy_details == "Penicillin gives me a rash" and report.negatives[0] == "rectal bleeding"
    assert report.group("other") is None
    signs = report.group("alarm_symptoms") or report.groups[0]
    assert [r.negative for r in signs.rows if r.question_id == "warning_signs"] == [True]  # "None of these"
    assert "known anaemia" in report.negatives and len(report.negatives) == 11
    text = pdf_words(intake(V2, answers))
    assert "Levothyroxine 50 micrograms once a day" in text and "Sertraline 50 mg each morning" in text
    assert "Allergies: Yes · Penicillin gives me a rash" in text and f"Questionnaire {V2}" in text
