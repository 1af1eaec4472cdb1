"""The rules index: filters read from the query string, rules grouped by differential with counts, facet choices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from triage.domain.engine.diff import rules_by_id
from triage.domain.engine.evaluate import Ruleset
from triage.domain.governance.feedback_counts import Tally, summary
from triage.domain.governance.rule_index import KIND_NAMES, Filters, facet_counts, group_rules, matches_words
from triage.domain.governance.signoff import SignoffStatus
from triage.domain.scales import Urgency
from triage.web.rules.common import header_parameters
from triage.web.rules.signoff_view import signoff_fields
from triage.web.rules.views import Feedback, rule_item

MAX_QUERY = 200
YES_NO = {"yes": "Signed off by a clinician", "changed": "Changed since its sign-off", "no": "Awaiting sign-off"}


def _choice(args: Mapping[str, str], name: str, label: str, allowed: Mapping[str, str], problems: list[str]) -> str:
    value = str(args.get(name, "")).strip()
    if value and value not in allowed:
        problems.append(f"“{label}”: that is not one of the choices, so it was not used.")
        return ""
    return value


def read_filters(args: Mapping[str, str], ruleset: Ruleset) -> tuple[Filters, list[str]]:
    """The filters of a GET request, and a plain message per value that is not one of the choices (ignored)."""
    problems: list[str] = []
    q = str(args.get("q", ""))
    if len(q) > MAX_QUERY:
        problems.append(f"“Find a rule”: only the first {MAX_QUERY} characters were searched.")
        q = q[:MAX_QUERY]
    names = {d.id: d.name for d in ruleset.differentials}
    urgencies = {u.value: u.label for u in Urgency if u is not Urgency.NONE}
    filters = Filters(
        q=q,
        kind=_choice(args, "kind", "Kind", KIND_NAMES, problems),
        differential=_choice(args, "differential", "Differential", names, problems),
        urgency=_choice(args, "urgency", "Urgency", urgencies, problems),
        reviewed=_choice(args, "reviewed", "Review", YES_NO, problems),
        general=args.get("general") == "1",
        never_fired=args.get("never_fired") == "1",
    )
    return filters, problems


def _group_view(group: Any, differential: Any, filters: Filters, tallied: Mapping[str, Tally]) -> dict[str, Any]:
    rules = sorted(group.rules, key=lambda i: (-(i["weight"] or 0), Urgency.rank_of(str(i["urgency"] or "none")), i["id"]))
    return {
        "key": group.key,
        "name": group.name,
        "total": group.total,
        "count": sum(1 for r in rules if r["hit"]),
        "rules": rules,
        "open": filters.active and any(r["hit"] for r in rules),
        "differential": (
            {
                "description": differential.description,
                "thresholds": differential.thresholds.model_dump(),
                "held_back": differential.held_back_by_red_flags,
                "feedback": summary(tallied, group.key),
            }
            if differential is not None
            else None
        ),
    }


def index_data(
    documents: Mapping[str, Any],
    ruleset: Ruleset,
    feedback: Mapping[str, Feedback],
    fired: Mapping[str, int],
    filters: Filters,
    signoffs: Mapping[str, SignoffStatus] | None = None,
    tallied: Mapping[str, Tally] | None = None,
) -> dict[str, Any]:
    """Every rule as the index shows it: groups (matching rules only), facet choices with counts, how many match."""
    parameters = header_parameters(documents)
    items = [
        rule_item(rule, file, ruleset, parameters, feedback, fired) | signoff_fields((signoffs or {}).get(rule_id))
        for rule_id, (file, rule) in rules_by_id(documents).items()
    ]
    for item in items:
        # The words only hide rules (so the script can search again as the editor types); the facets leave them out.
        item["hit"] = matches_words(item, filters.q)
    by_id = {d.id: d for d in ruleset.differentials}
    groups = [
        _group_view(g, by_id.get(g.key), filters, tallied or {})
        for g in group_rules(items, [(d.id, d.name) for d in ruleset.differentials], replace(filters, q=""))
    ]
    if filters.active:
        groups = [g for g in groups if g["rules"]]
    counts = facet_counts(items)
    review_counts = counts["reviewed"] | counts["changed"]
    return {
        "groups": groups,
        "count": len(items),
        "shown": sum(g["count"] for g in groups),
        "awaiting": counts["reviewed"]["no"],
        "filters": filters,
        "choices": {
            "kind": [(k, f"{v} ({counts['kind'].get(k, 0)})") for k, v in KIND_NAMES.items()],
            "differential": [(d.id, d.name) for d in ruleset.differentials],
            "urgency": [(u.value, f"{u.label} ({counts['urgency'].get(u.value, 0)})") for u in Urgency if u is not Urgency.NONE],
            "reviewed": [(k, f"{v} ({review_counts[k]})") for k, v in YES_NO.items()],
        },
        "special": counts["special"],
    }
