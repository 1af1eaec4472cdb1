"""Red flags ordered by tier, priority and file order, grouped under the most urgent; differentials held back by named flags."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from triage.domain.engine.evaluate import RulesetError, evaluate, export_ruleset, load_ruleset, load_ruleset_from_documents
from triage.domain.engine.red_flags import compile_red_flags
from triage.domain.engine.result import Result
from triage.domain.engine.result_view import flag_views
from triage.domain.questionnaire.derived import facts_for_rules
from triage.domain.questionnaire.questions import default_questionnaire

ON = dt.date(2026, 11, 1)
BLOOD = {"question": "blood_in_stool", "equals": "yes"}
NIGHT = {"question": "nocturnal_bowel", "equals": "yes"}
BLOATING = {"question": "symptoms", "includes": "bloating"}
ANSWERS: dict[str, Any] = {"blood_in_stool": "yes", "nocturnal_bowel": "yes", "symptoms": ["bloating"]}


def flag(rule_id: str, urgency: str, when: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A red-flag rule in the shape the files use."""
    return {
        "id": rule_id,
        "title": f"Title {rule_id}",
        "explanation": "Plain sentence.",
        "kind": "red_flag",
        "urgency": urgency,
        "action": f"Warrants {rule_id}.",
        "when": when or BLOOD,
        "source": "Src (2020)",
        "author": "T",
        "reviewed": None,
    } | extra


def finding(rule_id: str, differential: str, weight: int = 3) -> dict[str, Any]:
    """A differential rule that fires on bloating."""
    return flag(rule_id, "soon", BLOATING, kind="differential", differential=differential, weight=weight) | {"urgency": None}


def documents(rules: list[dict[str, Any]], differentials: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A small ruleset's documents."""
    for r in rules:
        if r.get("urgency") is None:
            r.pop("urgency", None)
            r.pop("action", None)
    declared = differentials or diffs_with()[:1]
    header = {"version": "t", "title": "t", "note": "Leaky gut note.", "differentials": declared}
    return {"ruleset.yaml": header, "r.yaml": {"topic": "t", "rules": rules}}


def evaluated(rules: list[dict[str, Any]], answers: dict[str, Any] = ANSWERS) -> Result:
    """The result of these answers under a small ruleset of these rules."""
    return evaluate(load_ruleset_from_documents(documents(rules)), answers, on=ON)


def test_within_a_tier_flags_follow_priority_then_ruleset_order_and_tiers_come_first() -> None:
    rules = [
        flag("u_default", "urgent"),
        flag("u_first", "urgent", priority=1),
        flag("s_top", "soon", priority=1),
        flag("e_late", "emergency", priority=9),
        flag("u_also_default", "urgent", NIGHT),
    ]
    result = evaluated(rules)
    assert [f.id for f in result.red_flags] == ["e_late", "u_first", "u_default", "u_also_default", "s_top"]
    assert result.top_urgency == "emergency"


def test_the_red_flag_pass_orders_flags_exactly_as_the_full_evaluation() -> None:
    rules = [flag("u_default", "urgent"), flag("u_first", "urgent", NIGHT, priority=2), flag("s", "soon", priority=1)]
    ruleset = load_ruleset_from_documents(documents(rules))
    passed = compile_red_flags(ruleset).fired(facts_for_rules(ANSWERS, ON))
    full = evaluate(ruleset, ANSWERS, on=ON).red_flags
    assert [f.rule_id for f in passed] == [f.id for f in full] == ["u_first", "u_default", "s"]


def test_a_group_is_led_by_its_most_urgent_flag_with_the_others_under_it() -> None:
    rules = [
        flag("bleed_soon", "soon", group="bleeding"),
        flag("bleed_urgent", "urgent", group="bleeding", priority=3),
        flag("bleed_urgent_2", "urgent", NIGHT, group="bleeding", priority=4),
        flag("alone", "urgent", NIGHT, priority=5),
    ]
    result = evaluated(rules)
    by_id = {f.id: f for f in result.red_flags}
    assert [f.id for f in result.grouped_red_flags] == ["bleed_urgent", "alone"]
    assert [(a.id, a.title, a.urgency) for a in by_id["bleed_urgent"].also] == [
        ("bleed_urgent_2", "Title bleed_urgent_2", "urgent"),
        ("bleed_soon", "Title bleed_soon", "soon"),
    ]
    assert by_id["bleed_soon"].under == by_id["bleed_urgent_2"].under == "bleed_urgent" and by_id["alone"].under == ""
    # Nothing is lost: every raised flag is still listed and fired, and the intake's tier is the most urgent one.
    assert set(by_id) == {"bleed_soon", "bleed_urgent", "bleed_urgent_2", "alone"} <= set(result.fired_rules)
    assert result.top_urgency == "urgent"
    text = result.to_text()
    assert "also: Title bleed_urgent_2 (urgent) [rule bleed_urgent_2]" in text and "[FLAG - " not in text


def test_grouped_flags_are_one_item_in_the_clinicians_view() -> None:
    rules = [flag("bleed_urgent", "urgent", group="bleeding"), flag("bleed_soon", "soon", NIGHT, group="bleeding")]
    views = flag_views(default_questionnaire(), evaluated(rules).red_flags)
    assert [v.id for v in views] == ["bleed_urgent"]
    assert [(a.id, a.urgency) for a in views[0].also] == [("bleed_soon", "soon")]
    assert views[0].also[0].because == ("Wakes at night needing to open the bowels: Yes",)


def test_groups_round_trip_and_rows_stored_before_groups_still_load() -> None:
    result = evaluated([flag("a", "urgent", group="g"), flag("b", "soon", NIGHT, group="g")])
    data = json.loads(json.dumps(result.to_dict()))
    assert data["red_flags"][0]["also"] == [{"id": "b", "title": "Title b", "urgency": "soon"}]
    assert data["red_flags"][1]["under"] == "a" and Result.from_dict(data) == result
    for item in data["red_flags"]:
        for key in ("group", "also", "under"):
            del item[key]
    old = Result.from_dict(data)
    assert [f.id for f in old.grouped_red_flags] == ["a", "b"] and old.red_flags[0].also == ()


def problems_in(folder: Path, files: dict[str, str]) -> list[str]:
    """The problems `triage rules check` reports for these files, as text."""
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    with pytest.raises(RulesetError) as raised:
        load_ruleset(folder)
    return [str(p) for p in raised.value.problems]


def test_priority_must_be_a_whole_number_from_1_to_9_and_group_an_identifier(tmp_path: Path) -> None:
    text = "topic: t\nrules:\n" + "".join(
        f"  - {{id: {rid}, title: T, explanation: E, kind: red_flag, urgency: urgent, action: Warrants x.,"
        f" when: {{question: blood_in_stool, equals: 'yes'}}, source: S, author: A, {extra}}}\n"
        for rid, extra in (("p0", "priority: 0"), ("p_word", "priority: high"), ("g_bad", "group: Bad Group"))
    )
    header = yaml.safe_dump(documents([])["ruleset.yaml"])
    found = problems_in(tmp_path, {"ruleset.yaml": header, "r.yaml": text})
    assert any("r.yaml, line 3" in p and "priority must be a whole number from 1" in p for p in found)
    assert any("r.yaml, line 4" in p and "'priority' must be a whole number" in p for p in found)
    assert any("r.yaml, line 5" in p and "'Bad Group' is not a valid group" in p for p in found)


def diffs_with(**extra: Any) -> list[dict[str, Any]]:
    """GERD, with these extra fields, and IBS."""
    return [
        {"id": "gerd", "name": "GERD", "description": "d", "thresholds": {"low": 1, "moderate": 2, "high": 3}} | extra,
        {"id": "ibs", "name": "IBS", "description": "d", "thresholds": {"low": 1, "moderate": 2, "high": 3}},
    ]


def test_held_back_by_names_the_flags_that_hold_a_differential_back() -> None:
    rules = [flag("rf_dysphagia", "urgent", NIGHT), flag("rf_blood", "urgent"), finding("g1", "gerd", 5), finding("i1", "ibs", 1)]
    ruleset = load_ruleset_from_documents(documents(rules, diffs_with(held_back_by=["rf_dysphagia"])))
    other_flag = evaluate(ruleset, {"blood_in_stool": "yes", "symptoms": ["bloating"]}, on=ON)
    assert other_flag.top_differential == "gerd" and not other_flag.differentials[0].held_back
    named_flag = evaluate(ruleset, {"nocturnal_bowel": "yes", "symptoms": ["bloating"]}, on=ON)
    assert [(d.id, d.held_back, d.rank) for d in named_flag.differentials] == [("ibs", False, 1), ("gerd", True, 2)]
    assert named_flag.top_differential == "ibs"


def test_held_back_by_must_name_red_flag_rules_of_the_ruleset_with_file_and_line(tmp_path: Path) -> None:
    header = (
        "version: t\ntitle: t\nnote: n\ndifferentials:\n"
        "  - id: gerd\n    name: GERD\n    description: d\n    thresholds: {low: 1, moderate: 2, high: 3}\n"
        "    held_back_by:\n      - rf_dysphagai\n      - g1\n"
        "  - id: ibs\n    name: IBS\n    description: d\n    thresholds: {low: 1, moderate: 2, high: 3}\n"
        "    held_back_by_red_flags: true\n    held_back_by: [rf_dysphagia]\n"
    )
    rules = documents([flag("rf_dysphagia", "urgent"), finding("g1", "gerd")])["r.yaml"]
    found = problems_in(tmp_path, {"ruleset.yaml": header, "r.yaml": yaml.safe_dump(rules)})
    assert any(
        "ruleset.yaml, line 10" in p and "'rf_dysphagai', but no rule has this id" in p and "Did you mean 'rf_dysphagia'?" in p
        for p in found
    )
    assert any("ruleset.yaml, line 11" in p and "'g1', but it is a differential rule, not a red flag" in p for p in found)
    assert any("ruleset.yaml, line 17" in p and "keep one of the two" in p for p in found)


def test_the_new_fields_are_exported_and_load_back_to_the_same_hash(tmp_path: Path) -> None:
    rules = [flag("rf_a", "urgent", group="g", priority=2), finding("g1", "gerd")]
    rules.append(
        {**flag("t1", "soon", BLOATING), "kind": "investigation", "test": "Scan", "why": "Why.", "elective": True}
        | {"urgency": None}
    )
    ruleset = load_ruleset_from_documents(documents(rules, diffs_with(held_back_by=["rf_a"])))
    export_ruleset(ruleset, tmp_path)
    again = load_ruleset(tmp_path)
    assert again.sha256 == ruleset.sha256
    assert (again.rule("rf_a").group, again.rule("rf_a").priority, again.rule("t1").elective) == ("g", 2, True)
    assert again.differentials[0].held_back_by == ["rf_a"]
    text = (tmp_path / "r.yaml").read_text(encoding="utf-8")
    assert text.index("action:") < text.index("group:") < text.index("priority:") < text.index("when:")
