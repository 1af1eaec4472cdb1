"""What the editor's forms do not show but must keep: parameters the engine reads itself, and optional rule fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage.domain.engine.gaps import ENGINE_PARAMETERS

HEADER_FILE = "ruleset.yaml"
# Optional fields of a rule that the rule form has no control for; saving the form keeps the stored values.
UNSHOWN_RULE_FIELDS = {"red_flag": ("group", "priority"), "investigation": ("elective",)}
# The same for a differential on the header form.
UNSHOWN_DIFFERENTIAL_FIELDS = ("held_back_by",)


def used_parameters(documents: Mapping[str, Any]) -> set[str]:
    """The names of the parameters some rule's condition uses, and those the engine reads by name."""
    used: set[str] = set(ENGINE_PARAMETERS)
    stack = [doc for name, doc in documents.items() if name != HEADER_FILE]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if isinstance(node.get("param"), str) and len(node) == 1:
                used.add(node["param"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return used


def declared_parameters(documents: Mapping[str, Any]) -> set[str]:
    """The names of the parameters the header declares."""
    header = documents.get(HEADER_FILE)
    parameters = header.get("parameters") if isinstance(header, Mapping) else None
    return set(parameters) if isinstance(parameters, Mapping) else set()


def newly_unused(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The declared parameters some rule used before a change and none uses after it.

    They are kept, not removed: an editor may be about to use one again, or may have added one for a rule not yet
    written; the lint lists every unused parameter and the parameter's page retires it.
    """
    declared = declared_parameters(after)
    return sorted((declared & used_parameters(before)) - used_parameters(after))


def keep_unshown(rule: dict[str, Any], stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The rule read from the form, with the stored rule's optional fields the form does not show (same kind only)."""
    if stored is None or stored.get("kind") != rule.get("kind"):
        return rule
    kept = {name: stored[name] for name in UNSHOWN_RULE_FIELDS.get(str(rule.get("kind")), ()) if name in stored}
    return {**rule, **kept}
