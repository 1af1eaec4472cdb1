"""Plain data for the rules pages: rules by differential, red flags, investigations and caveats, with clinicians' feedback."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from triage.domain.engine.diff import RulesetDiff, rules_by_id
from triage.domain.engine.evaluate import Ruleset
from triage.domain.scales import Urgency
from triage.web.rules.common import header_parameters, sentence_of

SECTION_TITLES = {"red_flag": "Red flags", "investigation": "Investigations", "caveat": "Caveats"}


@dataclass
class Feedback:
    """Clinicians' verdicts on the differentials a rule helped produce."""

    agree: int = 0
    disagree: int = 0
    reasons: list[str] = field(default_factory=list)


def feedback_by_rule(
    ruleset: Ruleset, verdicts: Sequence[tuple[str, bool, str, list[str]]], keep: int = 5
) -> dict[str, Feedback]:
    """Attribute each agree/disagree on a differential to the rules that fired for that differential in that evaluation."""
    differential_of = {r.id: r.differential for r in ruleset.rules if r.kind == "differential"}
    found: dict[str, Feedback] = {}
    for differential, agrees, reason, fired in verdicts:
        for rule_id in fired:
            if differential_of.get(rule_id) != differential:
                continue
            item = found.setdefault(rule_id, Feedback())
            if agrees:
                item.agree += 1
            else:
                item.disagree += 1
                if reason and len(item.reasons) < keep:
                    item.reasons.append(reason)
    return found


def _rule_item(
    rule: Mapping[str, Any], file: str, ruleset: Ruleset, parameters: Mapping[str, Any], feedback: Mapping[str, Feedback]
) -> dict[str, Any]:
    verdicts = feedback.get(str(rule.get("id")))
    return {
        "id": str(rule.get("id")),
        "title": str(rule.get("title", "")),
        "kind": rule.get("kind"),
        "file": file,
        "weight": rule.get("weight"),
        "urgency": rule.get("urgency"),
        "reviewed": rule.get("reviewed") or "",
        "sentence": sentence_of(rule, ruleset, parameters),
        "agree": verdicts.agree if verdicts else 0,
        "disagree": verdicts.disagree if verdicts else 0,
    }


def rule_sections(documents: Mapping[str, Any], ruleset: Ruleset, feedback: Mapping[str, Feedback]) -> dict[str, Any]:
    """Every rule as a sentence: a group per differential (rules for, then against), then red flags, investigations, caveats."""
    parameters = header_parameters(documents)
    items = [_rule_item(rule, file, ruleset, parameters, feedback) for file, rule in rules_by_id(documents).values()]
    differential_of = {r.id: r.differential for r in ruleset.rules}
    by_differential: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        if item["kind"] == "differential":
            by_differential.setdefault(differential_of.get(item["id"], ""), []).append(item)
    groups = []
    for d in ruleset.differentials:
        rules = sorted(by_differential.get(d.id, []), key=lambda i: (-(i["weight"] or 0), i["id"]))
        groups.append(
            {
                "id": d.id,
                "name": d.name,
                "description": d.description,
                "thresholds": d.thresholds.model_dump(),
                "held_back": d.held_back_by_red_flags,
                "rules": rules,
            }
        )
    sections = {kind: [i for i in items if i["kind"] == kind] for kind in SECTION_TITLES}
    sections["red_flag"].sort(key=lambda i: (Urgency.rank_of(str(i["urgency"])), i["id"]))
    return {
        "differentials": groups,
        "sections": [(SECTION_TITLES[k], k, sections[k]) for k in SECTION_TITLES],
        "count": len(items),
        "awaiting": sum(1 for i in items if not i["reviewed"]),
    }


def parameter_rows(documents: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every named parameter with its value, unit, meaning and source."""
    return [
        {
            "name": name,
            "value": p.get("value"),
            "unit": p.get("unit", ""),
            "description": p.get("description", ""),
            "source": p.get("source", ""),
        }
        for name, p in sorted(header_parameters(documents).items())
        if isinstance(p, Mapping)
    ]


def diff_view(
    diff: RulesetDiff, old: tuple[Mapping[str, Any], Ruleset], new: tuple[Mapping[str, Any], Ruleset]
) -> dict[str, Any]:
    """A comparison of two versions, rule by rule, with the old and new sentence of each changed rule."""

    def sentence(rule: Mapping[str, Any] | None, side: tuple[Mapping[str, Any], Ruleset]) -> str:
        """A rule's sentence in the terms of one side (empty when the rule is absent)."""
        return sentence_of(rule, side[1], header_parameters(side[0])) if rule is not None else ""

    rules = [
        {
            "id": c.id,
            "change": c.change,
            "fields": list(c.fields),
            "before": sentence(c.before, old),
            "after": sentence(c.after, new),
            "title": str((c.after or c.before or {}).get("title", "")),
        }
        for c in diff.rules
    ]
    items = [{"kind": i.kind, "id": i.id, "change": i.change, "fields": list(i.fields)} for i in diff.items]
    return {
        "rules": rules,
        "items": items,
        "empty": diff.empty,
        "counts": {k: len(diff.of(k)) for k in ("added", "removed", "changed")},
    }
