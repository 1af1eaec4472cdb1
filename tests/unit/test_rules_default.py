"""The bundled ruleset: complete, cited, honest about unconfirmed rules, and every rule test case passes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from triage.domain.engine.cases import RuleCase, load_rule_tests, run_case
from triage.domain.engine.evaluate import export_ruleset, load_ruleset, load_ruleset_from_documents
from triage.paths import resource_dir

RULESET = load_ruleset()
CASES = load_rule_tests(resource_dir("rules") / "tests", RULESET)
REQUIRED = [
    "celiac_disease",
    "crohns_disease",
    "ulcerative_colitis",
    "autoimmune_atrophic_gastritis",
    "ibs",
    "lactose_intolerance",
    "non_celiac_gluten_sensitivity",
    "gerd",
    "h_pylori",
    "nsaid_enteropathy",
    "sibo",
    "microscopic_colitis",
    "bile_acid_diarrhoea",
    "peptic_ulcer",
    "upper_gi_cancer",
    "infective_colitis",
]
BIG_FOUR = {"celiac_disease", "crohns_disease", "ulcerative_colitis", "autoimmune_atrophic_gastritis"}


def test_the_differentials_are_exactly_the_agreed_ids() -> None:
    assert sorted(d.id for d in RULESET.differentials) == sorted(REQUIRED)


def test_every_rule_cites_a_source_with_a_year_or_says_it_is_general_knowledge() -> None:
    for rule in RULESET.rules:
        assert re.search(r"(19|20)\d\d", rule.source) or "[GK]" in rule.source, rule.id
        assert rule.author and rule.explanation.endswith(".") and rule.title


def test_general_knowledge_rules_await_confirmation() -> None:
    gk = [r for r in RULESET.rules if "[GK]" in r.source]
    assert gk and all(r.reviewed is None and "awaiting clinician confirmation" in r.source for r in gk)


def test_no_rule_suggests_tests_the_knowledge_base_rules_out() -> None:
    banned = re.compile(r"permeab|zonulin|lactulose/mannitol|igg food|food.intolerance panel|anti-gliadin", re.I)
    for rule in RULESET.rules:
        if rule.kind == "investigation":
            assert not banned.search(rule.test + " " + rule.why), rule.id


def test_red_flags_say_warrants_not_refer() -> None:
    for rule in RULESET.rules:
        if rule.kind == "red_flag":
            assert rule.action.startswith("Warrants") and "refer now" not in rule.action.lower(), rule.id


def test_suspected_cancer_pathway_is_named_where_it_applies() -> None:
    for rule_id in (
        "rf_dysphagia",
        "rf_upper_gi_weight_loss",
        "rf_rectal_bleeding_over_50",
        "rf_bowel_habit_over_60",
        "rf_ida_over_60",
        "rf_jaundice_over_40",
    ):
        assert "suspected-cancer pathway" in RULESET.rule(rule_id).action


def test_thresholds_live_in_parameters_not_in_conditions() -> None:
    ages = [
        n
        for n in RULESET.plan.nodes
        if getattr(n, "fact", "") in ("age_years", "weight_loss_percent", "ppi_months_taken", "ppi_days_since_last_dose")
        and getattr(n, "op", "") not in ("answered", "unanswered")
    ]
    assert ages and all(n.params for n in ages)  # type: ignore[union-attr]


def test_the_leaky_gut_line_is_plain() -> None:
    assert "leaky gut" in RULESET.note.lower() and "not something this tool diagnoses" in RULESET.note


def test_export_round_trips_to_the_same_hash(tmp_path: Path) -> None:
    export_ruleset(RULESET, tmp_path)
    assert load_ruleset(tmp_path).sha256 == RULESET.sha256
    assert load_ruleset_from_documents(RULESET.documents).sha256 == RULESET.sha256


def test_the_hash_ignores_layout_but_not_content(tmp_path: Path) -> None:
    for path in resource_dir("rules").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        (tmp_path / path.name).write_text("# a comment\n" + text.replace("\n\n", "\n"), encoding="utf-8")
    assert load_ruleset(tmp_path).sha256 == RULESET.sha256
    header = (tmp_path / "ruleset.yaml").read_text(encoding="utf-8")
    (tmp_path / "ruleset.yaml").write_text(header.replace("value: 55", "value: 56"), encoding="utf-8")
    assert load_ruleset(tmp_path).sha256 != RULESET.sha256


def test_there_are_enough_cases_and_some_have_few_answers() -> None:
    assert len(CASES) >= 30
    assert sum(1 for c in CASES if len(c.answers) <= 3) >= 3


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(case: RuleCase) -> None:
    _, failures = run_case(RULESET, case)
    assert failures == []


def test_the_cases_touch_every_differential_red_flag_and_caveat() -> None:
    fired: set[str] = set()
    ranked: set[str] = set()
    expected_flags: set[str] = set()
    expected_caveats: set[str] = set()
    for case in CASES:
        result, _ = run_case(RULESET, case)
        fired |= set(result.fired_rules)
        ranked |= {d.id for d in result.differentials}
        expected_flags |= set(case.expect.red_flags)
        expected_caveats |= set(case.expect.caveats)
    flags = {r.id for r in RULESET.rules if r.kind == "red_flag"}
    caveats = {r.id for r in RULESET.rules if r.kind == "caveat"}
    assert flags <= expected_flags and flags <= fired
    assert caveats <= expected_caveats and caveats <= fired
    assert set(REQUIRED) <= ranked


def test_some_cases_rank_a_mimic_above_the_big_four() -> None:
    mimic_first = [c.id for c in CASES if c.expect.first and c.expect.first not in BIG_FOUR]
    assert len(mimic_first) >= 5
    for case in CASES:
        if case.id in mimic_first:
            result, _ = run_case(RULESET, case)
            assert result.top_differential not in BIG_FOUR


def test_gluten_sensitivity_is_never_listed_before_celiac_is_excluded() -> None:
    for case in CASES:
        result, _ = run_case(RULESET, case)
        excluded = case.answers.get("test_celiac_blood_result") == "normal" and case.answers.get("test_celiac_on_gluten") == "yes"
        if not excluded:
            assert "non_celiac_gluten_sensitivity" not in [d.id for d in result.differentials], case.id
