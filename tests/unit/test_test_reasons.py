"""Each test shows the trigger that applies to this patient, and elective tests wait while an emergency stands."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from triage.domain.engine.evaluate import evaluate, load_ruleset_from_documents
from triage.domain.engine.result import Result
from triage.domain.engine.result_view import investigation_items
from triage.domain.questionnaire.questions import default_questionnaire

ON = dt.date(2026, 11, 1)
SYMPTOMS = default_questionnaire().by_id["symptoms"]
BLOATING = {"question": "symptoms", "includes": "bloating"}
FATIGUE = {"question": "symptoms", "includes": "fatigue"}
NUMB = {"question": "symptoms", "includes": "numbness"}
NIGHT = {"question": "nocturnal_bowel", "equals": "yes"}
BLOOD = {"question": "blood_in_stool", "equals": "yes"}


def rule(rule_id: str, kind: str, when: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One rule in the shape the files use."""
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


def suggests(rule_id: str, name: str, when: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An investigation rule suggesting this test."""
    return rule(rule_id, "investigation", when, test=name, why=f"Why {rule_id}.", **extra)


def result_of(rules: list[dict[str, Any]], answers: dict[str, Any]) -> Result:
    """The result of these answers under a small ruleset of these rules."""
    differentials = [{"id": "ibs", "name": "IBS", "description": "d", "thresholds": {"low": 1, "moderate": 2, "high": 3}}]
    header = {"version": "t", "title": "t", "note": "Leaky gut note.", "differentials": differentials}
    ruleset = load_ruleset_from_documents({"ruleset.yaml": header, "r.yaml": {"topic": "t", "rules": rules}})
    return evaluate(ruleset, answers, on=ON)


def test_a_test_shows_only_the_indication_that_fired_for_this_patient() -> None:
    b12 = suggests("b12", "Serum B12", {"any": [FATIGUE, NUMB, {"question": "family_history", "includes": "pernicious_anaemia"}]})
    (inv,) = result_of([b12], {"symptoms": ["numbness", "bloating"], "family_history": ["none"]}).investigations
    assert [(a.question, a.answer) for a in inv.because] == [("symptoms", SYMPTOMS.choice_label("numbness"))]
    assert inv.why == ("Why b12.",)


def test_what_a_rule_requires_to_be_absent_is_not_given_as_a_reason() -> None:
    ferritin = suggests("fe", "Ferritin", {"all": [FATIGUE, {"not": {"question": "conditions", "includes": "celiac"}}]})
    (inv,) = result_of([ferritin], {"symptoms": ["fatigue"]}).investigations
    assert [a.question for a in inv.because] == ["symptoms"]
    only_not = suggests("nn", "Smoking advice", {"not": {"question": "smoking", "equals": "current"}})
    (alone,) = result_of([only_not], {"smoking": "never"}).investigations
    assert [(a.question, a.answer) for a in alone.because] == [("smoking", "No, never")]  # no trigger but the exclusion


def test_a_test_merged_from_several_rules_gathers_each_fired_trigger_once() -> None:
    rules = [suggests("t1", "tTG-IgA", {"any": [BLOATING, NUMB]}), suggests("t2", "tTG-IgA", {"any": [FATIGUE, BLOATING]})]
    (inv,) = result_of(rules, {"symptoms": ["bloating", "fatigue"]}).investigations
    assert inv.rules == ("t1", "t2") and inv.why == ("Why t1.", "Why t2.")
    assert [a.answer for a in inv.because] == [f"{SYMPTOMS.choice_label('bloating')}; {SYMPTOMS.choice_label('fatigue')}"]


def test_the_patients_trigger_is_shown_in_the_clinicians_view_and_text() -> None:
    result = result_of([suggests("t1", "Ferritin", {"any": [FATIGUE, NUMB]})], {"symptoms": ["fatigue"]})
    (item,) = investigation_items(result, default_questionnaire())
    tired = SYMPTOMS.choice_label("fatigue")
    assert item.because == (f"{SYMPTOMS.label} {tired}",)
    assert "For this patient:" in result.to_text() and f'"{tired}"' in result.to_text()


EMERGENCY = rule("rf_em", "red_flag", BLOOD, urgency="emergency", action="Warrants same-day assessment.")
URGENT = rule("rf_ur", "red_flag", NIGHT, urgency="urgent", action="Warrants review.")
ELECTIVE = [
    suggests("scan", "Bile-acid scan", BLOATING, elective=True),
    suggests("mood", "GAD-7", BLOATING, elective=True),
    suggests("mood_too", "GAD-7", FATIGUE),
    suggests("fbc", "Full blood count", BLOATING),
]


def test_elective_tests_are_deferred_while_an_emergency_flag_stands() -> None:
    result = result_of([EMERGENCY, *ELECTIVE], {"symptoms": ["bloating"], "blood_in_stool": "yes"})
    assert [(i.test, i.deferred) for i in result.investigations] == [
        ("Full blood count", False),
        ("Bile-acid scan", True),
        ("GAD-7", True),
    ]
    assert [i.test for i in result.suggested_investigations] == ["Full blood count"]
    assert [i.test for i in result.deferred_investigations] == ["Bile-acid scan", "GAD-7"]
    text = result.to_text()
    deferred_at = text.index("TESTS DEFERRED UNTIL THE EMERGENCY IS DEALT WITH")
    assert text.index("* Full blood count") < deferred_at < text.index("* Bile-acid scan")


def test_elective_tests_are_suggested_without_an_emergency_and_a_non_elective_reason_keeps_a_test() -> None:
    urgent_only = result_of([URGENT, *ELECTIVE], {"symptoms": ["bloating"], "nocturnal_bowel": "yes"})
    assert not any(i.deferred for i in urgent_only.investigations)
    both = result_of([EMERGENCY, *ELECTIVE], {"symptoms": ["bloating", "fatigue"], "blood_in_stool": "yes"})
    deferred = {i.test: i.deferred for i in both.investigations}
    assert deferred == {"Bile-acid scan": True, "GAD-7": False, "Full blood count": False}


def test_reasons_and_deferral_round_trip_and_older_rows_read_with_defaults() -> None:
    result = result_of([EMERGENCY, *ELECTIVE], {"symptoms": ["bloating"], "blood_in_stool": "yes"})
    data = json.loads(json.dumps(result.to_dict()))
    assert {"because", "deferred"} <= set(data["investigations"][0]) and Result.from_dict(data) == result
    for item in data["investigations"]:
        del item["because"], item["deferred"]
    old = Result.from_dict(data)
    assert all(i.because == () and not i.deferred for i in old.investigations)
    assert len(old.suggested_investigations) == len(old.investigations)
