"""Comparing two rulesets rule by rule: added, removed, changed with the changed fields; header changes too."""

from __future__ import annotations

import copy

from triage.domain.engine.diff import diff_documents, rules_by_id
from triage.domain.engine.evaluate import load_ruleset

BASE = load_ruleset().documents


def test_a_ruleset_compared_with_itself_is_the_same() -> None:
    diff = diff_documents(BASE, copy.deepcopy(BASE))
    assert diff.empty and diff.rules == () and diff.items == ()


def test_added_removed_changed_and_moved_rules_are_named_with_their_fields() -> None:
    new = copy.deepcopy(BASE)
    rules = new["celiac.yaml"]["rules"]
    rules[0]["weight"] = 3
    rules[0]["title"] = "Changed title"
    rules[1]["reviewed"] = ""  # empty and missing review dates are the same
    removed = rules.pop(2)
    rules.append({**rules[3], "id": "cd_new_rule"})
    moved = new["celiac.yaml"]["rules"].pop(3)
    new["mimics.yaml"]["rules"].append(moved)
    diff = diff_documents(BASE, new)
    by_id = {c.id: c for c in diff.rules}
    assert by_id[rules[0]["id"]].change == "changed" and by_id[rules[0]["id"]].fields == ("title", "weight")
    assert by_id[removed["id"]].change == "removed" and by_id[removed["id"]].after is None
    assert by_id["cd_new_rule"].change == "added" and by_id["cd_new_rule"].before is None
    assert by_id[moved["id"]].fields == ("topic file",)
    assert rules[1]["id"] not in by_id
    assert [len(diff.of(k)) for k in ("added", "removed", "changed")] == [1, 1, 2]


def test_differentials_parameters_and_settings_are_compared_too() -> None:
    new = copy.deepcopy(BASE)
    header = new["ruleset.yaml"]
    header["version"] = "2026.9"
    header["differentials"][0]["thresholds"]["high"] = 12
    name = sorted(header["parameters"])[0]
    header["parameters"][name]["value"] = 99
    header["parameters"]["extra"] = {"value": 1, "description": "d", "source": "s"}
    items = {(i.kind, i.id): i for i in diff_documents(BASE, new).items}
    assert items[("setting", "version")].change == "changed"
    assert items[("differential", header["differentials"][0]["id"])].fields == ("thresholds",)
    assert items[("parameter", name)].fields == ("value",)
    assert items[("parameter", "extra")].change == "added"


def test_rules_by_id_lists_every_rule_once_with_its_file() -> None:
    found = rules_by_id(BASE)
    assert len(found) == len(load_ruleset().rules)
    assert found["cd_iron_deficiency"][0] == "celiac.yaml"
