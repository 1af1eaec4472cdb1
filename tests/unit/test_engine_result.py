"""The Result: JSON shape, round trip, ranking and ties, the red-flag guard, evidence, gaps and the text a clinician reads."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from triage.domain.engine.evaluate import evaluate, explain_rule, fired_rules, load_ruleset, load_ruleset_from_documents
from triage.domain.engine.result import Result, ResultFormatError
from triage.domain.questionnaire.derived_version import DERIVED_FACTS_VERSION

ON = dt.date(2026, 11, 1)
DEFAULT = load_ruleset()


def rule(rule_id: str, when: dict[str, Any], kind: str = "differential", **extra: Any) -> dict[str, Any]:
    base = {
        "id": rule_id,
        "title": f"Title {rule_id}",
        "explanation": "Plain sentence.",
        "kind": kind,
        "when": when,
        "source": "Src (2020)",
        "author": "T",
        "reviewed": None,
    }
    return base | extra


def small_ruleset(rules: list[dict[str, Any]]) -> Any:
    differentials = [
        {
            "id": "celiac_disease",
            "name": "Coeliac disease",
            "description": "d",
            "thresholds": {"low": 2, "moderate": 4, "high": 6},
        },
        {
            "id": "crohns_disease",
            "name": "Crohn's disease",
            "description": "d",
            "thresholds": {"low": 2, "moderate": 4, "high": 6},
        },
        {
            "id": "ibs",
            "name": "IBS",
            "description": "d",
            "thresholds": {"low": 1, "moderate": 2, "high": 3},
            "held_back_by_red_flags": True,
        },
    ]
    header = {"version": "small", "title": "t", "note": "Leaky gut note.", "differentials": differentials}
    return load_ruleset_from_documents({"ruleset.yaml": header, "r.yaml": {"topic": "t", "rules": rules}})


BLOATING = {"question": "symptoms", "includes": "bloating"}
FATIGUE = {"question": "symptoms", "includes": "fatigue"}
NIGHT = {"question": "nocturnal_bowel", "equals": "yes"}


def test_to_dict_has_the_documented_top_level_shape() -> None:
    answers = {
        "date_of_birth": "1960-01-01",
        "sex_at_birth": "male",
        "symptoms": ["diarrhoea"],
        "warning_signs": ["blood_in_stool"],
        "known_anaemia": "iron_deficiency",
        "acid_medicines": ["ppi"],
        "ppi_still_taking": "yes",
        "ppi_months": 24,
    }
    data = evaluate(DEFAULT, answers, on=ON).to_dict()
    assert {"ruleset", "red_flags", "differentials", "investigations", "caveats", "missing", "note", "fired_rules"} <= set(data)
    assert data["ruleset"] == {"version": DEFAULT.version, "hash": DEFAULT.sha256, "derived_facts": DERIVED_FACTS_VERSION}
    assert {"id", "title", "urgency", "action", "because"} <= set(data["red_flags"][0])
    assert {"id", "name", "score", "level", "for", "against"} <= set(data["differentials"][0])
    assert {"rule", "title", "explanation", "answers", "source"} <= set(data["differentials"][0]["for"][0])
    assert {"question", "label", "answer"} <= set(data["red_flags"][0]["because"][0])
    assert {"test", "why", "rules"} <= set(data["investigations"][0])
    assert "leaky gut" in data["note"].lower()
    json.dumps(data)  # storable as JSON


def test_from_dict_reads_back_what_to_dict_wrote() -> None:
    answers = {
        "date_of_birth": "1998-05-14",
        "sex_at_birth": "female",
        "symptoms": ["diarrhoea", "bloating"],
        "known_anaemia": "iron_deficiency",
        "menopause_status": "still_periods",
        "heavy_periods": "no",
    }
    result = evaluate(DEFAULT, answers, on=ON)
    again = Result.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result
    assert again.top_differential == result.top_differential and again.top_urgency == result.top_urgency


def test_from_dict_refuses_other_shapes() -> None:
    with pytest.raises(ResultFormatError):
        Result.from_dict({"ruleset": {}})


def test_red_flags_most_urgent_first_and_top_urgency() -> None:
    answers = {
        "date_of_birth": "1960-01-01",
        "sex_at_birth": "male",
        "vomited_blood": "yes",
        "nocturnal_bowel": "yes",
        "family_history": ["bowel_cancer"],
    }
    result = evaluate(DEFAULT, answers, on=ON)
    urgencies = [f.urgency for f in result.red_flags]
    assert urgencies == sorted(urgencies, key=["emergency", "urgent", "soon"].index)
    assert result.top_urgency == "emergency" and urgencies[-1] == "soon"


def test_scores_levels_and_findings_for_and_against() -> None:
    ruleset = small_ruleset(
        [
            rule("c1", BLOATING, differential="celiac_disease", weight=3),
            rule("c2", FATIGUE, differential="celiac_disease", weight=2),
            rule("c3", {"question": "nocturnal_bowel", "equals": "no"}, differential="celiac_disease", weight=-1),
        ]
    )
    result = evaluate(ruleset, {"symptoms": ["bloating", "fatigue"], "nocturnal_bowel": "no"}, on=ON)
    (celiac,) = result.differentials
    assert (celiac.score, celiac.level) == (4, "moderate")
    assert [f.rule for f in celiac.findings_for] == ["c1", "c2"] and [f.rule for f in celiac.findings_against] == ["c3"]
    assert celiac.findings_for[0].answers[0].answer == "Bloating"


def test_ties_are_broken_by_findings_then_declaration_order() -> None:
    rules = [
        rule("k1", BLOATING, differential="crohns_disease", weight=2),
        rule("c1", BLOATING, differential="celiac_disease", weight=2),
    ]
    result = evaluate(small_ruleset(rules), {"symptoms": ["bloating"]}, on=ON)
    assert [d.id for d in result.differentials] == ["celiac_disease", "crohns_disease"]  # equal scores: ruleset.yaml order
    rules.append(rule("k2", FATIGUE, differential="crohns_disease", weight=1))
    rules.append(rule("k3", {"question": "smoking", "equals": "never"}, differential="crohns_disease", weight=-1))
    result = evaluate(small_ruleset(rules), {"symptoms": ["bloating", "fatigue"], "smoking": "never"}, on=ON)
    assert [d.id for d in result.differentials] == ["crohns_disease", "celiac_disease"]  # same score 2, more findings for


def test_a_functional_label_is_held_back_while_a_red_flag_stands() -> None:
    rules = [
        rule("i1", BLOATING, differential="ibs", weight=5),
        rule("c1", BLOATING, differential="celiac_disease", weight=1),
        rule("night", NIGHT, kind="red_flag", urgency="urgent", action="Warrants review."),
    ]
    ruleset = small_ruleset(rules)
    calm = evaluate(ruleset, {"symptoms": ["bloating"], "nocturnal_bowel": "no"}, on=ON)
    assert calm.top_differential == "ibs"
    alarm = evaluate(ruleset, {"symptoms": ["bloating"], "nocturnal_bowel": "yes"}, on=ON)
    assert [d.id for d in alarm.differentials] == ["celiac_disease", "ibs"] and alarm.differentials[1].held_back
    assert alarm.top_differential == "celiac_disease"
    alone = evaluate(small_ruleset(rules[:1] + rules[2:]), {"symptoms": ["bloating"], "nocturnal_bowel": "yes"}, on=ON)
    assert alone.top_differential is None  # held back even with nothing else to rank


def test_investigations_are_merged_by_test_with_every_reason() -> None:
    rules = [
        rule("t1", BLOATING, kind="investigation", test="tTG-IgA", why="Bloating."),
        rule("t2", FATIGUE, kind="investigation", test="tTG-IgA", why="Tiredness."),
        rule("t3", FATIGUE, kind="investigation", test="Ferritin", why="Tiredness."),
    ]
    result = evaluate(small_ruleset(rules), {"symptoms": ["bloating", "fatigue"]}, on=ON)
    assert [(i.test, i.why, i.rules) for i in result.investigations] == [
        ("tTG-IgA", ("Bloating.", "Tiredness."), ("t1", "t2")),
        ("Ferritin", ("Tiredness.",), ("t3",)),
    ]


def test_missing_lists_shown_blank_questions_that_could_change_a_rule() -> None:
    rules = [
        rule("m1", {"all": [BLOATING, {"question": "bloating_months", "gte": 5}]}, kind="caveat"),
        rule("m2", {"all": [FATIGUE, {"question": "smoking", "equals": "current"}]}, kind="caveat"),
        rule("m3", {"any": [BLOATING, {"question": "mucus", "equals": "yes"}]}, kind="caveat"),
    ]
    result = evaluate(small_ruleset(rules), {"symptoms": ["bloating"]}, on=ON)
    asked = {m.question: m.rules for m in result.missing}
    # bloating_months is shown (bloating ticked) and blank; smoking does not matter (no fatigue); m3 already fired.
    assert asked == {"bloating_months": ("m1",)}
    hidden = evaluate(small_ruleset(rules), {"symptoms": ["fatigue"], "smoking": "never"}, on=ON)
    # bloating_months is not shown without bloating; mucus (a tick in bowel_features) could still make m3 fire.
    assert [(m.question, m.rules) for m in hidden.missing] == [("bowel_features", ("m3",))]


def test_not_shows_the_answers_it_read() -> None:
    rules = [rule("n1", {"not": {"question": "smoking", "equals": "current"}}, kind="caveat")]
    result = evaluate(small_ruleset(rules), {"smoking": "never"}, on=ON)
    assert [(a.question, a.answer) for a in result.caveats[0].because] == [("smoking", "No, never")]


def test_answers_of_the_wrong_type_count_as_unanswered() -> None:
    rules = [
        rule("w1", {"question": "age_years", "gte": 50}, kind="caveat"),
        rule("w2", {"question": "symptoms", "includes": "bloating"}, kind="caveat"),
    ]
    ruleset = small_ruleset(rules)
    assert fired_rules(ruleset, {"symptoms": "bloating", "weight_kg": "heavy"}, ON) == []
    assert evaluate(ruleset, {"symptoms": 5}, on=ON).fired_rules == ()


def test_evaluation_is_pure_and_deterministic() -> None:
    answers = {
        "date_of_birth": "1970-02-11",
        "sex_at_birth": "female",
        "symptoms": ["fatigue", "numbness"],
        "known_anaemia": "b12_deficiency",
    }
    before = json.dumps(answers, sort_keys=True)
    first, second = evaluate(DEFAULT, answers, on=ON), evaluate(DEFAULT, answers, on=ON)
    assert first == second and json.dumps(answers, sort_keys=True) == before


def test_the_text_reads_without_knowing_the_engine() -> None:
    answers = {
        "date_of_birth": "1990-01-01",
        "sex_at_birth": "male",
        "symptoms": ["diarrhoea"],
        "blood_in_stool": "yes",
        "bloody_stools_per_day": 3,
        "gluten_status": "gluten_free",
    }
    text = evaluate(DEFAULT, answers, on=ON).to_text()
    for heading in (
        "ALARM FEATURES",
        "CONDITIONS TO CONSIDER",
        "TESTS TO CONSIDER",
        "CAVEATS ABOUT TESTS",
        "ASK ABOUT THIS AT THE VISIT",
        "NOTE",
    ):
        assert heading in text
    assert "Bloody diarrhoea" in text and "Source:" in text and '"Yes"' in text and "Leaky gut" in text


def test_explain_rule_traces_every_condition() -> None:
    lines = explain_rule(DEFAULT, "rf_rectal_bleeding_over_50", {"blood_in_stool": "yes", "date_of_birth": "2000-01-01"}, ON)
    assert lines[0] == "rule rf_rectal_bleeding_over_50: does not fire"
    assert any("blood_in_stool is yes" in line and ": yes" in line for line in lines)
    assert any("age_years is at least 50 (parameter rectal_bleeding_cancer_age)" in line for line in lines)
