"""The report model, the severity chart and result comparison: plain data from answers and a stored result."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import jinja2

from triage.domain.engine.result_view import compare_results
from triage.domain.questionnaire.questions import Questionnaire, questionnaire_for
from triage.domain.report.chart import MAX_BARS, severity_chart
from triage.domain.report.model import Severity, build_report
from triage.paths import resource_dir

ON = dt.date(2026, 11, 27)


def version_1() -> Questionnaire:
    """Version 1 (2026.11-1): the questions these answers were written for."""
    return questionnaire_for("2026.11-1")


ANSWERS: dict[str, Any] = {
    "full_name": "Maya Example",
    "date_of_birth": "1974-05-14",
    "sex_at_birth": "female",
    "main_concern": "Bloating for a year",
    "symptoms": ["bloating", "diarrhoea", "fatigue"],
    "bloating_severity": 7,
    "diarrhoea_severity": 5,
    "fatigue_severity": 9,
    "fatigue_frequency": "daily",
    "fatigue_months": 12,
    "blood_in_stool": "no",
    "black_stools": "no",
    "jaundice": "yes",
    "takes_ppi": "yes",
    "ppi_drug": "omeprazole",
    "ppi_frequency": "daily",
    "ppi_months": 36,
    "ppi_last_dose_days": 1,
    "takes_nsaid": "yes",
    "nsaid_drugs": ["ibuprofen"],
    "gluten_status": "regular",
    "legacy_question": "kept",
}


def answer(question: str, label: str, text: str) -> dict[str, str]:
    """A matched answer as the engine stores it."""
    return {"question": question, "label": label, "answer": text}


def finding(rule: str, weight: int, source: str) -> dict[str, Any]:
    """A finding as the engine stores it."""
    return {
        "rule": rule,
        "title": f"Title {rule}",
        "explanation": f"Because {rule}",
        "weight": weight,
        "answers": [answer("gluten_status", "Eats gluten", "Yes, most days")],
        "source": source,
    }


def differential(ident: str, name: str, score: int, level: str, pro: list[Any], con: list[Any] | None = None) -> dict[str, Any]:
    """A differential as the engine stores it."""
    return {
        "id": ident,
        "name": name,
        "description": f"About {name}",
        "score": score,
        "level": level,
        "held_back": False,
        "for": pro,
        "against": con or [],
    }


def result(
    version: str = "1.0", flags: tuple[str, ...] = ("rf_jaundice",), order: tuple[str, ...] = ("celiac_disease", "ibs")
) -> dict[str, Any]:
    """A stored result in the shape of Result.to_dict()."""
    known = {
        "celiac_disease": differential("celiac_disease", "Coeliac disease", 5, "high", [finding("cd_gluten", 2, "ACG 2023")]),
        "ibs": differential(
            "ibs",
            "Irritable bowel syndrome",
            1,
            "low",
            [finding("ibs_pain", 1, "Rome IV")],
            [finding("ibs_alarm", -2, "NICE CG61")],
        ),
        "gerd": differential("gerd", "Reflux disease", 0, "minimal", []),
    }
    red = {
        "rf_jaundice": {
            "id": "rf_jaundice",
            "title": "Jaundice",
            "urgency": "soon",
            "action": "Check liver tests",
            "because": [answer("jaundice", "Yellow skin", "Yes")],
            "explanation": "Jaundice needs work-up.",
            "source": "NICE NG12",
        },
        "rf_bleed": {
            "id": "rf_bleed",
            "title": "Haematemesis",
            "urgency": "emergency",
            "action": "Send to the emergency department",
            "because": [],
            "explanation": "",
            "source": "BSG",
        },
    }
    return {
        "ruleset": {"version": version, "hash": "ab" * 32},
        "red_flags": [red[f] for f in flags],
        "differentials": [known[d] for d in order],
        "investigations": [{"test": "tTG-IgA", "why": ["Coeliac suspected", "while eating gluten"], "rules": ["inv_ttg"]}],
        "caveats": [
            {
                "id": "cav_ppi",
                "title": "Recent PPI",
                "explanation": "Breath tests unreliable within 2 weeks.",
                "because": [],
                "source": "Maastricht VI",
            }
        ],
        "missing": [{"question": "nocturnal_bowel", "label": "Wakes at night to open bowels", "rules": ["ibd_night"]}],
        "note": "Leaky gut is not a diagnosis.",
        "fired_rules": ["cd_gluten"],
    }


def test_report_holds_result_parts_in_order_with_answers_and_sources() -> None:
    report = build_report(version_1(), ANSWERS, result(flags=("rf_jaundice", "rf_bleed")), ON)
    assert [f.urgency for f in report.red_flags] == ["emergency", "soon"]
    assert report.top_urgency == "emergency"
    assert report.red_flags[1].because == ("Yellow skin: Yes",)
    first = report.differentials[0]
    assert (first.rank, first.name, first.level, first.suggested) == (1, "Coeliac disease", "high", True)
    assert first.findings_for[0].rule_id == "cd_gluten" and first.findings_for[0].source == "ACG 2023"
    assert first.findings_for[0].answers == ("Eats gluten: Yes, most days",)
    assert report.differentials[1].findings_against[0].title == "Title ibs_alarm"
    assert (
        report.investigations[0].title == "tTG-IgA" and report.investigations[0].text == "Coeliac suspected; while eating gluten"
    )
    assert report.caveats[0].text.startswith("Breath tests")
    assert report.missing == ("Wakes at night to open bowels",)
    assert report.note == "Leaky gut is not a diagnosis."
    assert (report.ruleset_version, report.ruleset_hash) == ("1.0", "ab" * 32)


def test_patient_facts_answers_by_step_and_pertinent_negatives() -> None:
    report = build_report(version_1(), ANSWERS, result(), ON)
    assert (report.patient.name, report.patient.age, report.patient.sex) == ("Maya Example", 52, "Female")
    steps = [g.id for g in report.groups]
    assert steps.index("about_you") < steps.index("alarm_symptoms") < steps.index("medicines") and steps[-1] == "other"
    alarms = report.group("alarm_symptoms")
    assert alarms is not None
    assert [(r.question_id, r.negative) for r in alarms.rows] == [
        ("blood_in_stool", True),
        ("black_stools", True),
        ("jaundice", False),
    ]
    assert report.negatives == ("rectal bleeding", "melaena")
    assert report.group("other") is not None and report.group("other").rows[0].value == "kept"  # type: ignore[union-attr]


def test_acid_suppression_is_highlighted_with_its_details() -> None:
    medicines = build_report(version_1(), ANSWERS, result(), ON).medicines
    ppi, nsaid = medicines
    assert (ppi.kind, ppi.drug, ppi.frequency, ppi.duration, ppi.last_dose, ppi.highlight) == (
        "Proton pump inhibitor",
        "Omeprazole (Prilosec, Losec)",
        "Every day",
        "3 years",
        "yesterday",
        True,
    )
    assert (nsaid.kind, nsaid.highlight) == ("NSAID", False)


def test_severities_feed_a_chart_built_from_numbers() -> None:
    report = build_report(version_1(), ANSWERS, result(), ON)
    assert [(s.label, s.value) for s in report.severities] == [("Fatigue", 9), ("Bloating", 7), ("Loose stools", 5)]
    assert (report.severities[0].frequency, report.severities[0].duration) == ("Every day", "12 months")
    chart = severity_chart(report.severities)
    assert chart is not None
    assert [b.width for b in chart.bars] == [180, 140, 100]
    assert [b.level for b in chart.bars] == ["severe", "severe", "moderate"]
    assert severity_chart(()) is None


def test_chart_clamps_values_and_limits_bars() -> None:
    chart = severity_chart([Severity("x" * 80, 99), Severity("y", -5)] + [Severity(f"s{i}", 3) for i in range(20)])
    assert chart is not None and len(chart.bars) == MAX_BARS
    assert (chart.bars[0].value, chart.bars[1].value, chart.bars[1].width) == (10, 0, 0)
    assert len(chart.bars[0].label) <= 34 and chart.bars[0].label.endswith("\u2026")


def test_chart_svg_template_escapes_labels_and_has_no_style_attributes() -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(resource_dir("templates") / "pdf")), autoescape=True)
    chart = severity_chart([Severity('<script>alert(1)</script>" onmouseover="x', 5)])
    svg = env.get_template("_chart.html").render(chart=chart, chart_id="c")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'onmouseover="x' not in svg
    assert not re.search(r"\sstyle=|\son\w+=", svg)


def test_compare_reports_flags_gained_lost_and_differential_moves() -> None:
    questionnaire = version_1()
    old = result(version="1.0", flags=("rf_jaundice",), order=("celiac_disease", "ibs"))
    new = result(version="2.0", flags=("rf_bleed",), order=("ibs", "celiac_disease", "gerd"))
    new["differentials"][0]["level"] = "moderate"
    changes = compare_results(questionnaire, old, new)
    assert (changes.old_ruleset, changes.new_ruleset) == ("1.0", "2.0")
    assert changes.flags_gained == ("Haematemesis",) and changes.flags_lost == ("Jaundice",)
    moves = {c.id: (c.old_rank, c.new_rank, c.old_level, c.new_level) for c in changes.differentials}
    assert moves == {"ibs": (2, 1, "low", "moderate"), "celiac_disease": (1, 2, "high", "high"), "gerd": (None, 3, "", "minimal")}
    assert (changes.old_top, changes.new_top) == ("Coeliac disease", "Irritable bowel syndrome")
    assert compare_results(questionnaire, old, old).unchanged


def test_a_damaged_result_degrades_to_empty_parts() -> None:
    report = build_report(version_1(), {}, {"red_flags": "nonsense", "differentials": [None, 3]}, ON)
    assert report.red_flags == () and report.differentials == () and report.groups == ()
