"""Comparing two rulesets rule by rule: rules added, removed and changed (with the fields that changed), and header changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.ruleset import HEADER_FILE

HEADER_SETTINGS = ("version", "title", "note")


@dataclass(frozen=True)
class RuleChange:
    """One rule that differs between the two versions."""

    id: str
    change: str  # "added", "removed" or "changed"
    fields: tuple[str, ...]
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


@dataclass(frozen=True)
class ItemChange:
    """A differential, parameter or ruleset setting that differs between the two versions."""

    kind: str  # "differential", "parameter" or "setting"
    id: str
    change: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RulesetDiff:
    """Everything that differs, rules first, in the order of the newer version."""

    rules: tuple[RuleChange, ...]
    items: tuple[ItemChange, ...]

    def of(self, change: str) -> list[RuleChange]:
        """The rule changes of one kind: "added", "removed" or "changed"."""
        return [r for r in self.rules if r.change == change]

    @property
    def empty(self) -> bool:
        """Whether the two versions are the same in every rule, differential, parameter and setting."""
        return not self.rules and not self.items


def rules_by_id(documents: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Every rule of a ruleset's documents by id, with the file (topic) it is in, in file order."""
    found: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for name in sorted(documents):
        document = documents[name]
        if name == HEADER_FILE or not isinstance(document, Mapping) or not isinstance(document.get("rules"), list):
            continue
        for rule in document["rules"]:
            if isinstance(rule, Mapping) and isinstance(rule.get("id"), str):
                found.setdefault(rule["id"], (name, rule))
    return found


def _normal(value: Any) -> Any:
    return None if value == "" else value


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields whose values differ (an empty value and a missing one count as the same)."""
    keys = list(dict.fromkeys([*before, *after]))
    return tuple(k for k in keys if _normal(before.get(k)) != _normal(after.get(k)))


def _rule_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[RuleChange]:
    old_rules, new_rules = rules_by_id(old), rules_by_id(new)
    changes: list[RuleChange] = []
    for rule_id, (file, rule) in new_rules.items():
        if rule_id not in old_rules:
            changes.append(RuleChange(rule_id, "added", tuple(rule), None, rule))
            continue
        old_file, old_rule = old_rules[rule_id]
        fields = changed_fields(old_rule, rule) + (("topic file",) if old_file != file else ())
        if fields:
            changes.append(RuleChange(rule_id, "changed", fields, old_rule, rule))
    changes += [
        RuleChange(rule_id, "removed", tuple(rule), rule, None)
        for rule_id, (_, rule) in old_rules.items()
        if rule_id not in new_rules
    ]
    return changes


def _keyed(items: Any, key: str = "id") -> dict[str, Mapping[str, Any]]:
    if isinstance(items, Mapping):
        return {str(k): v for k, v in items.items() if isinstance(v, Mapping)}
    return {str(i[key]): i for i in items or [] if isinstance(i, Mapping) and key in i}


def _item_changes(kind: str, old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]) -> list[ItemChange]:
    changes = []
    for name, item in new.items():
        if name not in old:
            changes.append(ItemChange(kind, name, "added", tuple(item)))
        elif fields := changed_fields(old[name], item):
            changes.append(ItemChange(kind, name, "changed", fields))
    changes += [ItemChange(kind, name, "removed", tuple(item)) for name, item in old.items() if name not in new]
    return changes


def _header(documents: Mapping[str, Any]) -> Mapping[str, Any]:
    header = documents.get(HEADER_FILE)
    return header if isinstance(header, Mapping) else {}


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> RulesetDiff:
    """Compare two rulesets' documents (file name to parsed YAML), as stored or as read from files."""
    old_head, new_head = _header(old), _header(new)
    items = [ItemChange("setting", key, "changed", (key,)) for key in HEADER_SETTINGS if old_head.get(key) != new_head.get(key)]
    items += _item_changes("differential", _keyed(old_head.get("differentials")), _keyed(new_head.get("differentials")))
    items += _item_changes("parameter", _keyed(old_head.get("parameters")), _keyed(new_head.get("parameters")))
    return RulesetDiff(tuple(_rule_changes(old, new)), tuple(items))
