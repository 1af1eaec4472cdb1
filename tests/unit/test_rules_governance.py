"""Finding rules and reading what a draft changes: word search and facets, values ("high threshold: 8 → 6"), test cases."""

from __future__ import annotations

from typing import Any

from triage.db.evaluations import bundled_ruleset
from triage.domain.engine.diff import rules_by_id
from triage.domain.governance.change_diff import case_changes, joined, value_lines, word_diff
from triage.domain.governance.rule_index import Filters, facet_counts, group_rules, is_general_knowledge, matches

RULES: list[dict[str, Any]] = [
    {"id": "cd_iron_deficiency", "title": "Iron-deficiency anaemia", "kind": "differential", "differential": "celiac_disease"}
    | {"sentence": "IF anaemia is iron deficiency THEN Coeliac disease +2", "source": "BSG 2021", "reviewed": "", "fired": 3},
    {"id": "ibs_fatty", "title": "Worse after fatty meals", "kind": "differential", "differential": "ibs"}
    | {"sentence": "IF Bristol type is 6 or 7 THEN IBS +1", "source": "General knowledge [GK]", "reviewed": "2026-01-02"},
    {"id": "rf_blood", "title": "Blood in the stool", "kind": "red_flag", "urgency": "urgent", "sentence": "IF blood THEN"}
    | {"source": "NICE NG12", "reviewed": "", "fired": 1},
]
DIFFERENTIALS = [("celiac_disease", "Coeliac disease"), ("ibs", "Irritable bowel syndrome")]


def ids(filters: Filters) -> list[str]:
    """The ids of the rules that match."""
    return [r["id"] for r in RULES if matches(r, filters)]


def test_search_finds_a_rule_by_every_word_of_its_title_sentence_source_or_id_in_any_case() -> None:
    assert ids(Filters(q="fatty")) == ["ibs_fatty"]
    assert ids(Filters(q="IRON anaemia")) == ["cd_iron_deficiency"]
    assert ids(Filters(q="bsg")) == ["cd_iron_deficiency"]  # the source
    assert ids(Filters(q="iron deficiency")) == ["cd_iron_deficiency"]  # the id, underscores read as spaces
    assert ids(Filters(q="iron fatty")) == []  # every word must be there
    assert ids(Filters()) == [r["id"] for r in RULES]


def test_facets_narrow_by_kind_differential_urgency_review_general_knowledge_and_firing() -> None:
    assert ids(Filters(kind="red_flag")) == ["rf_blood"]
    assert ids(Filters(differential="ibs")) == ["ibs_fatty"]
    assert ids(Filters(urgency="urgent")) == ["rf_blood"]
    assert ids(Filters(reviewed="yes")) == ["ibs_fatty"]
    assert ids(Filters(reviewed="no")) == ["cd_iron_deficiency", "rf_blood"]
    assert ids(Filters(general=True)) == ["ibs_fatty"] and is_general_knowledge(RULES[1])
    assert ids(Filters(never_fired=True)) == ["ibs_fatty"]
    assert not Filters().active and Filters(q="x").active and Filters(never_fired=True).active


def test_rules_are_grouped_by_differential_then_red_flags_with_their_totals_and_matching_counts() -> None:
    groups = group_rules(RULES, DIFFERENTIALS, Filters(q="iron"))
    assert [(g.key, g.name, g.total, g.count) for g in groups] == [
        ("celiac_disease", "Coeliac disease", 1, 1),
        ("ibs", "Irritable bowel syndrome", 1, 0),
        ("red_flag", "Red flags", 1, 0),
        ("investigation", "Investigations", 0, 0),
        ("caveat", "Caveats", 0, 0),
    ]
    counts = facet_counts(RULES)
    assert counts["kind"] == {"differential": 2, "red_flag": 1} and counts["reviewed"] == {"yes": 1, "no": 2}
    assert counts["special"] == {"general": 1, "never_fired": 1}


def test_every_bundled_rule_lands_in_exactly_one_group() -> None:
    ruleset = bundled_ruleset()
    items = [{**rule, "differential": rule.get("differential") or ""} for _file, rule in rules_by_id(ruleset.documents).values()]
    groups = group_rules(items, [(d.id, d.name) for d in ruleset.differentials], Filters())
    assert sum(g.total for g in groups) == len(items) == sum(g.count for g in groups)


def test_changed_values_read_as_label_old_arrow_new_in_clinical_names() -> None:
    before = {"name": "Coeliac disease", "thresholds": {"low": 2, "moderate": 4, "high": 8}}
    after = {"name": "Coeliac disease", "thresholds": {"low": 2, "moderate": 4, "high": 6}, "held_back_by_red_flags": True}
    assert value_lines(before, after) == ["high threshold: 8 → 6", "ranked last while a red flag stands: none → yes"]
    rule_before = {"weight": 2, "differential": "celiac_disease", "when": {"question": "a"}, "title": "Iron"}
    rule_after = {"weight": 1, "differential": "ibs", "when": {"question": "b"}, "title": "Iron"}
    names = {"celiac_disease": "Coeliac disease", "ibs": "Irritable bowel syndrome"}
    assert value_lines(rule_before, rule_after, names) == [
        "weight: 2 → 1",
        "differential: Coeliac disease → Irritable bowel syndrome",
    ]  # the condition is shown as two sentences, not as data
    assert value_lines({"value": 50, "unit": "years"}, {"value": 45, "unit": "years"}) == ["value: 50 → 45"]


def test_test_case_changes_show_added_removed_and_changed_expectations_and_answers() -> None:
    old = {
        "celiac.yaml": {
            "cases": [
                {"id": "keeps", "description": "Unchanged", "answers": {"sex_at_birth": "female"}, "expect": {"first": "x"}},
                {"id": "blocks", "description": "The case that blocks the change", "expect": {"first": "celiac_disease"}},
                {
                    "id": "moves",
                    "description": "A woman",
                    "answers": {"symptoms": ["bloating"]},
                    "expect": {"first": "celiac_disease", "red_flags": []},
                },
            ]
        }
    }
    new = {
        "celiac.yaml": {
            "cases": [
                {"id": "keeps", "description": "Unchanged", "answers": {"sex_at_birth": "female"}, "expect": {"first": "x"}},
                {
                    "id": "moves",
                    "description": "A woman",
                    "answers": {"symptoms": ["bloating", "wind"]},
                    "expect": {"first": "ibs", "red_flags": ["rf_blood"]},
                },
            ]
        },
        "from_intakes.yaml": {"cases": [{"id": "fresh", "description": "New", "expect": {"no_red_flags": True}}]},
    }
    names = {"celiac_disease": "Coeliac disease", "ibs": "IBS", "rf_blood": "Blood in the stool"}
    changes = case_changes(old, new, names, {"symptoms": "Your symptoms"})
    assert [(c.id, c.change) for c in changes] == [("moves", "changed"), ("fresh", "added"), ("blocks", "removed")]
    moved = changes[0]
    assert moved.lines == (
        "expects first: Coeliac disease → IBS",
        "expects red flags: none → Blood in the stool",
        "answer “Your symptoms”: bloating → bloating, wind",
    )
    assert changes[1].lines == ("expects no red flag: none → yes",)
    assert changes[2].description == "The case that blocks the change" and changes[2].file == "celiac.yaml"
    assert case_changes(old, old) == []


def test_changed_words_of_two_sentences_are_marked_and_run_together() -> None:
    before, after = word_diff("IF anaemia THEN Coeliac disease +2", "IF anaemia THEN Coeliac disease +1")
    assert [w for w, marked in before if marked] == ["+2"] and [w for w, marked in after if marked] == ["+1"]
    assert joined(after) == [("IF anaemia THEN Coeliac disease", False), ("+1", True)]
