"""Plain data for the rules pages: rules by differential, red flags, investigations and caveats, with clinicians' feedback."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from triage.domain.engine.diff import RulesetDiff, rules_by_id
from triage.domain.engine.evaluate import Ruleset
from triage.domain.governance.change_diff import case_changes, joined, value_lines, word_diff
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


def rule_item(
    rule: Mapping[str, Any],
    file: str,
    ruleset: Ruleset,
    parameters: Mapping[str, Any],
    feedback: Mapping[str, Feedback],
    fired: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """One rule as the lists show it: title, sentence, source, facets, clinicians' verdicts and how often it fired."""
    verdicts = feedback.get(str(rule.get("id")))
    return {
        "differential": rule.get("differential") or "",
        "source": str(rule.get("source") or ""),
        "explanation": str(rule.get("explanation") or ""),
        "fired": (fired or {}).get(str(rule.get("id")), 0),
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
    items = [rule_item(rule, file, ruleset, parameters, feedback) for file, rule in rules_by_id(documents).values()]
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


def _names(*rulesets: Ruleset) -> dict[str, str]:
    names: dict[str, str] = {}
    for ruleset in rulesets:
        names |= {r.id: r.title for r in ruleset.rules} | {d.id: d.name for d in ruleset.differentials}
    return names


def _header_item(documents: Mapping[str, Any], kind: str, key: str) -> Mapping[str, Any]:
    header = documents.get("ruleset.yaml") or {}
    if kind == "setting":
        return {key: header.get(key)}
    found = header.get("differentials" if kind == "differential" else "parameters") or {}
    if isinstance(found, Mapping):
        item = found.get(key)
    else:
        item = next((i for i in found if isinstance(i, Mapping) and i.get("id") == key), None)
    return item if isinstance(item, Mapping) else {}


def diff_view(
    diff: RulesetDiff,
    old: tuple[Mapping[str, Any], Ruleset],
    new: tuple[Mapping[str, Any], Ruleset],
    tests: tuple[Mapping[str, Any], Mapping[str, Any]] = ({}, {}),
) -> dict[str, Any]:
    """A comparison of two versions: rules with changed values and highlighted sentences, header items, test cases."""
    names = _names(old[1], new[1])
    labels = {k: f.label for k, f in {**old[1].facts, **new[1].facts}.items()}

    def sentence(rule: Mapping[str, Any] | None, side: tuple[Mapping[str, Any], Ruleset]) -> str:
        """A rule's sentence in the terms of one side (empty when the rule is absent)."""
        return sentence_of(rule, side[1], header_parameters(side[0])) if rule is not None else ""

    rules = []
    for c in diff.rules:
        before, after = sentence(c.before, old), sentence(c.after, new)
        marked = word_diff(before, after) if c.change == "changed" else ([(before, False)], [(after, False)])
        rules.append(
            {
                "id": c.id,
                "change": c.change,
                "fields": list(c.fields),
                "before": before,
                "after": after,
                "before_words": joined(marked[0]),
                "after_words": joined(marked[1]),
                "values": value_lines(c.before or {}, c.after or {}, names) if c.change == "changed" else [],
                "title": str((c.after or c.before or {}).get("title", "")),
            }
        )
    items = [
        {
            "kind": i.kind,
            "id": i.id,
            "name": names.get(i.id, i.id),
            "change": i.change,
            "fields": list(i.fields),
            "values": value_lines(_header_item(old[0], i.kind, i.id), _header_item(new[0], i.kind, i.id), names),
        }
        for i in diff.items
    ]
    cases = case_changes(tests[0], tests[1], names, labels)
    return {
        "rules": rules,
        "items": items,
        "cases": cases,
        "empty": diff.empty and not cases,
        "counts": {k: len(diff.of(k)) for k in ("added", "removed", "changed")},
        "case_counts": {k: sum(1 for c in cases if c.change == k) for k in ("added", "removed", "changed")},
    }
