"""Clinical sign-off of rules: a rule's content hash, its sign-off state, and the review queue's filters and order."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.diff import rules_by_id
from triage.domain.governance.change_diff import value_lines
from triage.domain.governance.rule_index import is_general_knowledge

# Bookkeeping, not clinical content: filling in the file's review date or the author does not undo a sign-off.
NOT_SIGNED = ("reviewed", "author")
MIN_COMMENT = 10
MAX_COMMENT = 2000
STATES = {
    "never": "Never signed off",
    "changed": "Changed since its last sign-off",
    "signed": "Signed off as it stands",
}
AWAITING = ("never", "changed")
EVIDENCE = {"guideline": "Cites a guideline or paper", "general": "Rests on general knowledge [GK]"}


@dataclass(frozen=True)
class Signoff:
    """One stored sign-off: the rule in the state it was signed (its hash and content), who, when, and why."""

    rule_id: str
    sha256: str
    content: Mapping[str, Any]
    signed_by: str
    signed_at: dt.datetime
    comment: str
    ruleset_label: str = ""


@dataclass(frozen=True)
class SignoffStatus:
    """Where a rule stands: signed off as it is now, changed since its last sign-off, or never signed off."""

    state: str
    sha256: str
    current: Signoff | None  # the sign-off of the rule as it stands (state "signed")
    last: Signoff | None  # the newest sign-off of any state of the rule

    @property
    def awaiting(self) -> bool:
        """Whether the rule waits in the clinical review queue."""
        return self.state in AWAITING


def _parameters_used(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, Mapping):
        if set(node) == {"param"} and isinstance(node["param"], str):
            found.add(node["param"])
        for value in node.values():
            _parameters_used(value, found)
    elif isinstance(node, list):
        for value in node:
            _parameters_used(value, found)
    return found


def signed_content(rule: Mapping[str, Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    """What a clinician signs: the rule without bookkeeping fields, and the value and unit of each parameter it uses."""
    content = {k: v for k, v in rule.items() if k not in NOT_SIGNED}
    used = sorted(_parameters_used(rule.get("when"), set()))
    values = {}
    for name in used:
        parameter = parameters.get(name)
        if isinstance(parameter, Mapping):
            values[name] = {"value": parameter.get("value"), "unit": parameter.get("unit", "")}
    if values:
        content["parameters used"] = values
    plain: dict[str, Any] = json.loads(json.dumps(content, default=str))  # plain JSON data, as the database keeps it
    return plain


def rule_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a rule's signed content (sorted keys, no spacing)."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def status_of(rule_id: str, sha256: str, signoffs: Sequence[Signoff]) -> SignoffStatus:
    """A rule's state from its sign-offs (any order): signed at this hash, signed at another, or never."""
    own = sorted((s for s in signoffs if s.rule_id == rule_id), key=lambda s: s.signed_at, reverse=True)
    current = next((s for s in own if s.sha256 == sha256), None)
    last = own[0] if own else None
    state = "signed" if current else "changed" if last else "never"
    return SignoffStatus(state, sha256, current, last)


def header_parameters(documents: Mapping[str, Any]) -> Mapping[str, Any]:
    """The parameters declared in a ruleset's header document (empty when there are none)."""
    header = documents.get("ruleset.yaml")
    parameters = header.get("parameters") if isinstance(header, Mapping) else None
    return parameters if isinstance(parameters, Mapping) else {}


def rule_status(
    rule: Mapping[str, Any], parameters: Mapping[str, Any], signoffs: Sequence[Signoff]
) -> tuple[dict[str, Any], SignoffStatus]:
    """One rule's signed content and sign-off state, from its ruleset's parameters and its sign-offs."""
    content = signed_content(rule, parameters)
    return content, status_of(str(rule.get("id")), rule_hash(content), signoffs)


def ruleset_statuses(
    documents: Mapping[str, Any], signoffs: Sequence[Signoff]
) -> dict[str, tuple[dict[str, Any], SignoffStatus]]:
    """Every rule of a ruleset's documents: its signed content and its sign-off state."""
    parameters = header_parameters(documents)
    by_rule: dict[str, list[Signoff]] = {}
    for signoff in signoffs:
        by_rule.setdefault(signoff.rule_id, []).append(signoff)
    found = {}
    for rule_id, (_file, rule) in rules_by_id(documents).items():
        found[rule_id] = rule_status(rule, parameters, by_rule.get(rule_id, []))
    return found


def changes_since(status: SignoffStatus, content: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """What changed since the rule's last sign-off, as value lines ("weight: 2 → 1"); empty unless it changed."""
    if status.state != "changed" or status.last is None:
        return []
    lines = value_lines(status.last.content, content, names)
    if status.last.content.get("when") != content.get("when"):
        lines.insert(0, "the condition changed (both sentences are shown)")
    return lines


@dataclass(frozen=True)
class QueueFilters:
    """The queue's choices: sign-off state ('awaiting' = never or changed), differential, evidence level."""

    state: str = "awaiting"
    differential: str = ""
    evidence: str = ""


def in_queue(item: Mapping[str, Any], filters: QueueFilters) -> bool:
    """Whether a rule (as the lists show it, with `signoff_state`) passes the queue's filters."""
    state = str(item.get("signoff_state") or "never")
    checks = (
        filters.state == "all" or state in (AWAITING if filters.state == "awaiting" else (filters.state,)),
        not filters.differential or item.get("differential") == filters.differential,
        not filters.evidence or is_general_knowledge(item) == (filters.evidence == "general"),
    )
    return all(checks)


def queue_order(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Changed rules first (they were trusted once and now differ), then never signed off; general knowledge first."""
    rank = {"changed": 0, "never": 1, "signed": 2}
    return sorted(
        items,
        key=lambda i: (rank.get(str(i.get("signoff_state")), 1), not is_general_knowledge(i), str(i.get("id"))),
    )


def read_comment(text: str) -> tuple[str, str | None]:
    """The sign-off comment trimmed, and a problem naming the field when it is too short or too long."""
    comment = text.strip()
    if len(comment) < MIN_COMMENT:
        return comment, f"“Your sign-off comment”: write what you checked (at least {MIN_COMMENT} characters)."
    if len(comment) > MAX_COMMENT:
        return comment, f"“Your sign-off comment”: at most {MAX_COMMENT} characters, please shorten it."
    return comment, None
