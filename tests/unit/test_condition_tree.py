"""A rule's condition as a tree: ALL / ANY / NOT / AT LEAST n groups whose leaves are the sentence's own phrases."""

from __future__ import annotations

from typing import Any

import pytest

from triage.domain.engine.diff import rules_by_id
from triage.domain.engine.evaluate import load_ruleset
from triage.domain.engine.sentences import GROUP_WORDS, ConditionNode, condition_tree, condition_words

RULESET = load_ruleset()
FACTS = RULESET.facts
PARAMETERS = {k: {"value": p.value, "unit": p.unit} for k, p in RULESET.parameters.items()}


def YES(fact: str) -> dict[str, Any]:  # noqa: N802 - reads as the condition it builds
    """A test that a yes/no fact is yes."""
    return {"question": fact, "equals": True}


JOINERS = {"all": " AND ", "any": " OR ", "at_least": "; "}


def label(fact: str) -> str:
    """A fact's label, quoted as sentences quote it."""
    return f"“{FACTS[fact].label}”"


def shape(node: ConditionNode) -> Any:
    """The tree as nested tuples of words, for reading in a test."""
    return node.words if node.kind == "test" else (node.words, [shape(item) for item in node.items])


def test_a_nested_condition_reads_as_groups_with_their_tests() -> None:
    condition = {
        "all": [
            {"question": "age_years", "gte": {"param": "upper_gi_cancer_age"}},
            {"any": [{"question": "unintended_weight_loss", "equals": True}, {"question": "black_stools", "equals": True}]},
            {"not": {"question": "eats_gluten", "equals": True}},
            {
                "at_least": {
                    "n": 2,
                    "of": [{"question": "mucus", "equals": True}, {"question": "nocturnal_bowel", "equals": True}],
                }
            },
        ]
    }
    assert shape(condition_tree(condition, FACTS, PARAMETERS)) == (
        "ALL of these are true",
        [
            f"{label('age_years')} is at least 55 years (parameter upper_gi_cancer_age)",
            ("ANY of these is true", [f"{label('unintended_weight_loss')} is yes", f"{label('black_stools')} is yes"]),
            f"NOT ({label('eats_gluten')} is yes)",
            ("AT LEAST 2 of these are true", [f"{label('mucus')} is yes", f"{label('nocturnal_bowel')} is yes"]),
        ],
    )


def test_a_group_of_one_is_its_item_and_ticks_on_one_list_read_as_one_line() -> None:
    symptoms = [{"question": "symptoms", "includes": v} for v in ("diarrhoea", "bloating")]
    tree = condition_tree({"all": [{"any": symptoms}]}, FACTS, PARAMETERS)
    assert tree.kind == "test" and tree.words == f"{label('symptoms')} includes any of Diarrhoea or Bloating"
    negated = condition_tree({"not": {"any": [symptoms[0], {"question": "mucus", "equals": True}]}}, FACTS, PARAMETERS)
    assert negated.kind == "not" and negated.words == GROUP_WORDS["not"] and negated.items[0].kind == "any"


@pytest.mark.parametrize("broken", [{}, None, {"all": []}, {"nonsense": 1}, {"question": "mucus"}])
def test_a_half_edited_condition_still_reads_back(broken: Any) -> None:
    tree = condition_tree(broken, FACTS, PARAMETERS)
    assert tree.kind == "test" and tree.words


def _read(node: ConditionNode, nested: bool = False) -> str:
    """The tree read back as one line, bracketed as the sentence brackets."""
    if node.kind == "test":
        return node.words
    if node.kind == "not":
        return f"NOT ({_read(node.items[0])})"
    parts = [_read(item, nested=True) for item in node.items]
    if node.kind == "at_least":
        return f"{node.words} ({'; '.join(parts)})"
    joined = JOINERS[node.kind].join(parts)
    return f"({joined})" if nested else joined


def _words(text: str) -> str:
    """A condition's words without brackets or the group's own phrasing (AT LEAST n of ...)."""
    text = text.replace("(", " ").replace(")", " ")
    for n in range(10):
        text = text.replace(GROUP_WORDS["at_least"].format(n=n), f"at least {n} of")
    return " ".join(text.split())


def test_every_bundled_rule_reads_the_same_tests_in_the_same_order_as_its_sentence() -> None:
    differ = []
    for rule_id, (_file, rule) in sorted(rules_by_id(RULESET.documents).items()):
        tree = condition_tree(rule["when"], FACTS, PARAMETERS)
        if _words(_read(tree)) != _words(condition_words(rule["when"], FACTS, PARAMETERS)):
            differ.append(rule_id)
    assert not differ
