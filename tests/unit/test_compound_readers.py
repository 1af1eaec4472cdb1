"""What reasons about when a question is asked honours a combination condition (heavy_periods in 2026.12-4: a woman
who still has periods, told of anaemia): the rule lint, the facts' labels, the draft impact screen and the case library."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from triage.db.evaluations import bundled_ruleset
from triage.domain.engine.case_library import load_case_library
from triage.domain.engine.evaluate import RulesetError, load_ruleset_from_documents
from triage.domain.engine.facts import fact_catalog
from triage.domain.engine.impact import Screen
from triage.domain.governance.lint import never_fires
from triage.domain.questionnaire.questions import CompoundShownWhen, default_questionnaire

RULESET = bundled_ruleset()
FACTS = RULESET.facts
HEAVY = {"question": "heavy_periods", "equals": "yes"}


def rule(when: Any) -> dict[str, Any]:
    """A red-flag rule with this condition."""
    return {"id": "heavy_test", "kind": "differential", "differential": "ibs", "weight": 1, "title": "", "when": when}


def test_the_bundled_follow_up_is_a_combination() -> None:
    assert isinstance(default_questionnaire().by_id["heavy_periods"].shown_when, CompoundShownWhen)


def test_the_lint_finds_a_rule_whose_required_answer_fails_one_test_of_an_all() -> None:
    when = {"all": [{"question": "known_anaemia", "equals": "no"}, HEAVY]}
    [message] = never_fires(rule(when), FACTS)
    assert message == (
        f"This rule can never fire: it needs an answer to “{FACTS['heavy_periods'].label}”, which is only asked for other"
        f" answers to “{FACTS['known_anaemia'].label}” than “{FACTS['known_anaemia'].display('no')}”, the answer the rule"
        " also requires."
    )
    both = {
        "all": [{"question": "known_anaemia", "equals": "no"}, {"question": "menopause_status", "equals": "postmenopause"}, HEAVY]
    }
    [named] = never_fires(rule(both), FACTS)
    assert "which is not asked when" in named and f"“{FACTS['menopause_status'].label}” is" in named


def test_the_lint_does_not_flag_a_rule_whose_required_answers_leave_the_combination_open() -> None:
    # Iron deficiency meets one test; the periods answer the rule does not pin may meet the other.
    assert never_fires(rule({"all": [{"question": "known_anaemia", "equals": "iron_deficiency"}, HEAVY]}), FACTS) == []
    assert never_fires(rule(HEAVY), FACTS) == []
    both = {
        "all": [
            {"question": "known_anaemia", "equals": "other"},
            {"question": "menopause_status", "equals": "perimenopause"},
            HEAVY,
        ]
    }
    assert never_fires(rule(both), FACTS) == []


def test_a_follow_up_of_a_combination_is_labelled_on_its_own() -> None:
    questionnaire = default_questionnaire()
    facts = fact_catalog(questionnaire)
    assert facts["heavy_periods"].label == questionnaire.by_id["heavy_periods"].label
    # A follow-up of one question still reads on from it.
    parent, child = questionnaire.by_id["gluten_status"], questionnaire.by_id["gluten_reduced_months"]
    assert facts["gluten_reduced_months"].label == f"{parent.label} {child.label}"


def test_the_impact_screen_reads_every_answer_a_combination_depends_on() -> None:
    documents = copy.deepcopy(RULESET.documents)
    documents["ruleset.yaml"]["version"] = "draft"
    topic = sorted(name for name in documents if name != "ruleset.yaml")[0]
    documents[topic]["rules"].append(
        {
            "id": "heavy_periods_alone",
            "title": "Heavy periods",
            "explanation": "A test rule reading only the follow-up.",
            "kind": "caveat",
            "when": HEAVY,
            "source": "test",
            "author": "test",
            "reviewed": None,
        }
    )
    screen = Screen(RULESET, load_ruleset_from_documents(documents))
    assert screen.touched == {"heavy_periods_alone"}
    # To tell a blank answer from a question not asked, the screen reads both answers that decide whether it is asked.
    assert {"heavy_periods", "menopause_status", "known_anaemia"} <= screen.questions


def test_a_library_case_answering_a_combination_follow_up_it_would_not_be_asked_is_refused(tmp_path: Path) -> None:
    case = """\
cases:
  - id: heavy_without_anaemia
    source: {title: "A test case", published: "Nowhere, 2026", kind: teaching_case}
    summary: A woman with periods and no anaemia.
    diagnosis: None
    on: "2026-11-01"
    answers:
      date_of_birth: "1990-01-01"
      sex_at_birth: female
      menopause_status: still_periods
      known_anaemia: "no"
      heavy_periods: "yes"
    expect:
      not_first: [ibs]
"""
    (tmp_path / "case.yaml").write_text(case, encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_case_library(tmp_path, RULESET)
    assert "answers: 'heavy_periods' is not asked with these answers (its shown_when does not hold)" in str(caught.value)
