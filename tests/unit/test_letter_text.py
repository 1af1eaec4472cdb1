"""The letter's generated text: urgency from the decision, kept and struck differentials, test reasons, caveats, edits."""

from __future__ import annotations

from dataclasses import replace

import pytest

from triage.domain.engine.result_view import DifferentialView, Item
from triage.domain.report.identifiers import mrn_problem, nhs_number_problem, nhs_number_shown, normalise_nhs_number
from triage.domain.report.letter import FIELDS, build_letter, clinician_edits, generated_texts
from triage.domain.report.letter_words import at_clinic, gp_caveats, patient_caveats, short_reason
from triage.domain.report.model import Patient, Report
from triage.domain.scales import Level


def _differential(id_: str, name: str, level: str, rank: int) -> DifferentialView:
    return DifferentialView(id_, name, rank, 10 - rank, Level(level), "", False, (), ())


def _report(**changes: object) -> Report:
    report = Report(
        patient=Patient("Cora Example", "1999-03-02", 27, "Female"),
        main_concern="Bloating and tiredness.",
        hopes="",
        history="",
        red_flags=(),
        differentials=(
            _differential("celiac", "Coeliac disease", "high", 1),
            _differential("ibs", "Irritable bowel syndrome", "moderate", 2),
            _differential("crohns", "Crohn's disease", "low", 3),
        ),
        investigations=(
            Item("tTG", "tTG-IgA with total IgA (while eating gluten)", "", "", reasons=("Coeliac risk (NICE NG20; BSG 2014).",)),
            Item("hp", "H. pylori urea breath test or stool antigen test", "", "", reasons=("Dyspepsia (ACG 2017).",)),
            Item("ogd", "Gastroscopy with duodenal biopsies", "", "", reasons=("Iron deficiency.",)),
        ),
        caveats=(Item("ppi", "PPI in the last 2 weeks - H. pylori breath and stool tests unreliable", "", ""),),
        missing=(),
        note="",
        severities=(),
        medicines=(),
        current_medicines=(),
        allergies="",
        allergy_details="",
        groups=(),
        negatives=(),
        ruleset_version="1",
        ruleset_hash="0" * 64,
    )
    return replace(report, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("decision", "heading"),
    [("emergency_now", "Emergency"), ("urgent", "Urgent"), ("soon", "Soon"), ("routine", "Routine"), ("", "Not yet triaged")],
)
def test_the_heading_says_the_recorded_decision_never_a_fixed_word(decision: str, heading: str) -> None:
    letter = build_letter(_report(), decision, {})
    assert letter.urgency == heading and letter.decided == bool(decision)


def test_impression_keeps_moderate_and_high_differentials_unless_struck() -> None:
    assert build_letter(_report(), "soon", {}).lines("impression") == [
        "Coeliac disease: high suspicion",
        "Irritable bowel syndrome: moderate suspicion",
    ]
    struck = build_letter(_report(), "soon", {}, struck=["ibs"])
    assert struck.lines("impression") == ["Coeliac disease: high suspicion"] and [d.id for d in struck.struck] == ["ibs"]


def test_gp_actions_carry_the_caveats_that_change_the_tests_and_leave_endoscopy_to_the_clinic() -> None:
    letter = build_letter(_report(), "routine", {}, appointment="2026-12-20")
    gp = letter.lines("gp_actions")
    assert gp[0] == "Please arrange: tTG-IgA with total IgA (while eating gluten) - Coeliac risk"
    assert any("keep eating gluten" in line for line in gp) and any("Stop the PPI 2 weeks before" in line for line in gp)
    assert not any("Gastroscopy" in line for line in gp)
    assert "At the clinic: Gastroscopy with duodenal biopsies." in letter.lines("plan")
    assert letter.lines("plan")[0].endswith("The appointment is on 2026-12-20.")
    patient = letter.lines("patient_actions")
    assert any("Keep eating foods with gluten" in line for line in patient) and "call 111" in patient[-1]


def test_an_emergency_sends_the_patient_today_instead_of_tests() -> None:
    letter = build_letter(_report(), "emergency_now", {})
    assert letter.lines("gp_actions") == ["Arrange same-day hospital assessment today."]
    assert "same-day hospital assessment" in letter.texts["bottom_line"] and "Please arrange" not in letter.texts["bottom_line"]


def test_bottom_line_names_the_patient_the_decision_and_the_top_differential() -> None:
    text = generated_texts(_report(), "urgent")["bottom_line"]
    assert text.startswith("Cora Example (27-year-old woman). Triage decision: urgent.")
    assert "Most likely Coeliac disease (high suspicion)." in text and "Please arrange 2 tests before the visit" in text


@pytest.mark.parametrize(
    ("reason", "short"),
    [
        ("Diarrhoea, where IBD must be excluded (NICE DG11; ACG 2018).", "Diarrhoea, where IBD must be excluded"),
        ("First part; second part (A; B).", "First part"),
        ("Ratio (a. b; c) holds. Next sentence.", "Ratio (a. b; c) holds"),
        ("Unclosed bracket (NICE DG11", "Unclosed bracket"),
        (
            "A malabsorption work-up (iron deficiency, fatty stools, weight loss with diarrhoea, or coeliac disease) has B12.",
            "A malabsorption work-up\u2026",
        ),
        ("word " * 40, ("word " * 16).strip() + "\u2026"),
    ],
)
def test_test_reasons_are_never_cut_mid_bracket(reason: str, short: str) -> None:
    assert short_reason(reason) == short
    assert short_reason(reason).count("(") == short_reason(reason).count(")")


def test_stool_microscopy_is_the_gps_and_endoscopy_the_clinics() -> None:
    assert not at_clinic("Stool microscopy and culture, and C. difficile toxin")
    assert at_clinic("Ileocolonoscopy with biopsies") and at_clinic("MR enterography (small-bowel imaging)")


def test_caveats_only_when_their_test_is_asked_for() -> None:
    ppi = (Item("ppi", "PPI in the last 2 weeks - H. pylori breath and stool tests unreliable", "", ""),)
    assert gp_caveats(ppi, ["Faecal calprotectin"]) == [] and patient_caveats(ppi, ["Faecal calprotectin"]) == []
    assert gp_caveats((), ["H. pylori stool antigen test"]) == []  # no PPI, nothing to stop


def test_clinician_edits_store_only_what_the_clinician_wrote() -> None:
    base = dict.fromkeys(FIELDS, "same")
    generated = {**base, "plan": "A", "impression": "X\nY"}
    after_strike = {**base, "plan": "A", "impression": "X"}
    assert clinician_edits(generated, after_strike, generated, {}) == {}  # sent back as shown: nothing written
    assert clinician_edits({**after_strike, "plan": "B"}, after_strike, generated, {}) == {"plan": "B"}
    assert clinician_edits(after_strike, after_strike, generated, {"plan": "A"}) == {"plan": "A"}  # kept as saved
    assert build_letter(_report(), "soon", {"plan": "Seen in clinic."}).lines("plan") == ["Seen in clinic."]


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", None),
        ("943 476 5919", None),
        ("943-476-5919", None),
        ("943 476 5918", "check digit"),
        ("12345", "10 digits"),
        ("94347659１9", "10 digits"),  # a full-width digit is not an NHS number
        ("4010232137", None),
        ("0000000000", None),
        ("1000000010", "check digit"),  # the check digit would be 10: never issued
    ],
)
def test_nhs_number_modulus_11(typed: str, problem: str | None) -> None:
    found = nhs_number_problem(typed)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_identifiers_are_stored_plain_and_printed_grouped() -> None:
    assert normalise_nhs_number(" 943 476-5919 ") == "9434765919" and nhs_number_shown("9434765919") == "943 476 5919"
    assert mrn_problem("RX1 2345/B") is None and mrn_problem("<script>") is not None and mrn_problem("x" * 33) is not None
