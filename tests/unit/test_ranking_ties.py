"""Ranking: level before score, ties share a rank shown as "=N", held-back differentials keep their real rank."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.domain.engine.evaluate import evaluate, load_ruleset_from_documents
from triage.domain.engine.result import Result
from triage.domain.engine.result_view import result_parts
from triage.domain.questionnaire.questions import default_questionnaire
from triage.domain.scales import Level

ON = dt.date(2026, 11, 1)
BLOATING = {"question": "symptoms", "includes": "bloating"}
FATIGUE = {"question": "symptoms", "includes": "fatigue"}
NIGHT = {"question": "nocturnal_bowel", "equals": "yes"}
SETTINGS = settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rule(rule_id: str, when: dict[str, Any], kind: str = "differential", **extra: Any) -> dict[str, Any]:
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


def differential(diff_id: str, low: int = 2, moderate: int = 4, high: int = 6, **extra: Any) -> dict[str, Any]:
    """One differential declared in ruleset.yaml."""
    thresholds = {"low": low, "moderate": moderate, "high": high}
    return {"id": diff_id, "name": diff_id.upper(), "description": "d", "thresholds": thresholds} | extra


def ruleset(differentials: list[dict[str, Any]], rules: list[dict[str, Any]]) -> Any:
    """A small ruleset of these differentials and rules."""
    header = {"version": "t", "title": "t", "note": "Leaky gut note.", "differentials": differentials}
    return load_ruleset_from_documents({"ruleset.yaml": header, "r.yaml": {"topic": "t", "rules": rules}})


def ranks(result: Result) -> list[tuple[str, str]]:
    """(id, rank as shown) of every differential, in order."""
    return [(d.id, d.rank_label) for d in result.differentials]


def test_equal_scores_and_levels_share_a_rank_shown_with_an_equals_sign() -> None:
    rules = [
        rule("a1", BLOATING, differential="aaa", weight=4),
        rule("b1", BLOATING, differential="bbb", weight=4),
        rule("c1", BLOATING, differential="ccc", weight=2),
    ]
    diffs = [differential("aaa"), differential("bbb"), differential("ccc")]
    result = evaluate(ruleset(diffs, rules), {"symptoms": ["bloating"]}, on=ON)
    assert ranks(result) == [("aaa", "=1"), ("bbb", "=1"), ("ccc", "3")]
    assert [d.tied for d in result.differentials] == [True, True, False]
    assert result.ranked_first == ("aaa", "bbb")
    text = result.to_text()
    assert "=1. AAA (tied): moderate suspicion (score 4)" in text and "=1. BBB (tied)" in text and "  3. CCC:" in text


def test_the_number_of_findings_does_not_break_a_tie_in_the_rank_but_the_order_stays_deterministic() -> None:
    rules = [
        rule("a1", BLOATING, differential="aaa", weight=3),
        rule("b1", BLOATING, differential="bbb", weight=2),
        rule("b2", FATIGUE, differential="bbb", weight=1),
    ]
    diffs = [differential("aaa"), differential("bbb")]
    answers = {"symptoms": ["bloating", "fatigue"]}
    first = evaluate(ruleset(diffs, rules), answers, on=ON)
    assert ranks(first) == [("bbb", "=1"), ("aaa", "=1")]  # listed with more findings first, ranked equal
    again = evaluate(ruleset(diffs, list(reversed(rules))), answers, on=ON)
    assert ranks(again) == ranks(first) and first.to_dict() == evaluate(ruleset(diffs, rules), answers, on=ON).to_dict()


def test_a_low_condition_never_ranks_above_a_moderate_one_whatever_the_scores() -> None:
    # "strict" needs 6 for low; "easy" reaches moderate at 3: the higher score is the lower level.
    rules = [rule("s1", BLOATING, differential="strict", weight=7), rule("e1", BLOATING, differential="easy", weight=3)]
    diffs = [differential("strict", low=6, moderate=8, high=10), differential("easy", low=1, moderate=3, high=9)]
    result = evaluate(ruleset(diffs, rules), {"symptoms": ["bloating"]}, on=ON)
    assert [(d.id, d.level, d.rank) for d in result.differentials] == [("easy", "moderate", 1), ("strict", "low", 2)]
    assert result.top_differential == "easy"


def test_a_held_back_differential_shows_its_real_rank_and_never_reads_ranked_first() -> None:
    rules = [
        rule("i1", BLOATING, differential="ibs", weight=6),
        rule("a1", BLOATING, differential="aaa", weight=1),
        rule("b1", BLOATING, differential="bbb", weight=1),
        rule("night", NIGHT, kind="red_flag", urgency="urgent", action="Warrants review."),
    ]
    ibs = differential("ibs", low=1, moderate=2, high=3, held_back_by_red_flags=True)
    diffs = [differential("aaa"), differential("bbb"), ibs]
    result = evaluate(ruleset(diffs, rules), {"symptoms": ["bloating"], "nocturnal_bowel": "yes"}, on=ON)
    assert ranks(result) == [("aaa", "=1"), ("bbb", "=1"), ("ibs", "3")]
    held = result.differentials[2]
    assert held.held_back and held.level == "high"
    text = result.to_text()
    assert "Ranked first" not in text and "3. IBS: high suspicion (score 6)" in text and "Held back" in text
    _, views = result_parts(default_questionnaire(), result)
    assert (views[2].rank_label, views[2].held_back) == ("3", True)


def test_ranks_and_ties_round_trip_through_the_stored_json() -> None:
    rules = [rule("a1", BLOATING, differential="aaa", weight=4), rule("b1", BLOATING, differential="bbb", weight=4)]
    result = evaluate(ruleset([differential("aaa"), differential("bbb")], rules), {"symptoms": ["bloating"]}, on=ON)
    data = json.loads(json.dumps(result.to_dict()))
    assert [(d["rank"], d["tied"]) for d in data["differentials"]] == [(1, True), (1, True)]
    assert Result.from_dict(data) == result


def stored_differential(diff_id: str, score: int, level: str, held_back: bool = False) -> dict[str, Any]:
    """A differential as rows stored before ranks were written hold it (no rank, no tied)."""
    return {"id": diff_id, "name": diff_id, "score": score, "level": level, "held_back": held_back, "for": [], "against": []}


def test_rows_stored_before_ranks_get_them_from_the_stored_order_and_scores() -> None:
    old = {
        "ruleset": {"version": "1", "hash": "ab" * 32},
        "differentials": [
            stored_differential("crohns_disease", 9, "high"),
            stored_differential("ulcerative_colitis", 9, "high"),
            stored_differential("celiac_disease", 3, "low"),
            stored_differential("ibs", 5, "moderate", held_back=True),
        ],
    }
    result = Result.from_dict(old)
    assert ranks(result) == [("crohns_disease", "=1"), ("ulcerative_colitis", "=1"), ("celiac_disease", "3"), ("ibs", "4")]
    assert result.answers_too_few is False and result.ranked_first == ("crohns_disease", "ulcerative_colitis")


@st.composite
def scored_differentials(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[int]]:
    """Three to five differentials with random rising thresholds, and a random weight for each."""
    count = draw(st.integers(3, 5))
    diffs, weights = [], []
    for i in range(count):
        low = draw(st.integers(1, 8))
        moderate = draw(st.integers(low + 1, 12))
        high = draw(st.integers(moderate + 1, 16))
        diffs.append(differential(f"d{i}", low, moderate, high))
        weights.append(draw(st.integers(1, 10)))
    return diffs, weights


@SETTINGS
@given(scored_differentials())
def test_property_a_lower_level_never_ranks_above_a_higher_one(case: tuple[list[dict[str, Any]], list[int]]) -> None:
    diffs, weights = case
    rules = [rule(f"r{i}", BLOATING, differential=d["id"], weight=w) for i, (d, w) in enumerate(zip(diffs, weights, strict=True))]
    result = evaluate(ruleset(diffs, rules), {"symptoms": ["bloating"]}, on=ON)
    listed = result.differentials
    assert len(listed) == len(diffs)
    for above, below in zip(listed, listed[1:], strict=False):
        assert Level(above.level).rank <= Level(below.level).rank  # level never contradicts the order
        assert above.rank <= below.rank
        same = (above.level, above.score) == (below.level, below.score)
        assert (above.rank == below.rank) == same  # shared rank exactly when level and score are equal
        if above.level == below.level:
            assert above.score >= below.score
    assert [d.rank for d in listed][0] == 1 and all(d.tied == ([x.rank for x in listed].count(d.rank) > 1) for d in listed)
