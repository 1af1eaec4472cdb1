"""Plain data for clinical sign-off: which rules are shown, each rule's sign-off state, and the queue's filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from triage.db import rulesets
from triage.db.evaluations import bundled_ruleset, version_ruleset
from triage.domain.engine.evaluate import Ruleset
from triage.domain.governance.signoff import EVIDENCE, STATES, QueueFilters, Signoff, SignoffStatus
from triage.web.rules.drafts import current_draft

SIGNER_ROLES = frozenset({"clinician", "rules_editor"})  # clinical judgement and access to the rules, both
QUEUE_STATES = {"awaiting": "Awaiting (never, or changed)", **STATES, "all": "Every rule"}


@dataclass(frozen=True)
class ShownRules:
    """The rules a sign-off page reads: those in use (the newest published version) or the open draft's."""

    documents: Mapping[str, Any]
    ruleset: Ruleset
    label: str  # the ruleset's version text, kept with each sign-off
    where: str  # "version 3", "the draft", "the default rules"
    of: str  # "" (in use) or "draft"
    has_draft: bool


def shown_rules(session: Session, of: str) -> ShownRules:
    """The rules in use, or the open draft's when asked for and open (then the queue covers what is about to change)."""
    draft = current_draft(session)
    if of == "draft" and draft is not None:
        return ShownRules(draft.documents, draft.ruleset, draft.info.label, "the draft", "draft", True)
    row = rulesets.latest_published(session)
    if row is not None:
        return ShownRules(row.documents, version_ruleset(row), row.label, f"version {row.number}", "", draft is not None)
    bundled = bundled_ruleset()
    return ShownRules(bundled.documents, bundled, bundled.version, "the default rules", "", draft is not None)


def _signoff_data(signoff: Signoff | None) -> dict[str, Any] | None:
    if signoff is None:
        return None
    at = signoff.signed_at if signoff.signed_at.tzinfo else signoff.signed_at.replace(tzinfo=dt.UTC)
    return {"by": signoff.signed_by, "at": at, "comment": signoff.comment, "label": signoff.ruleset_label}


def signoff_fields(status: SignoffStatus | None) -> dict[str, Any]:
    """A rule's sign-off as the lists show it (merged into the rule's item); no status reads as never signed off."""
    state = status.state if status else "never"
    current = _signoff_data(status.current if status else None)
    return {
        "signoff_state": state,
        "signoff_label": STATES[state],
        "signoff": current,
        "last_signoff": _signoff_data(status.last if status else None),
        "sha256": status.sha256 if status else "",
    }


def read_queue_filters(args: Mapping[str, str], ruleset: Ruleset) -> tuple[QueueFilters, list[str]]:
    """The queue's filters from the query string, and a plain message per value that is not a choice (ignored)."""
    problems: list[str] = []
    names = {d.id: d.name for d in ruleset.differentials}

    def choice(name: str, label: str, allowed: Mapping[str, str], default: str = "") -> str:
        """One filter's value, or its default when it is not one of the choices."""
        value = str(args.get(name, default)).strip()
        if value and value not in allowed:
            problems.append(f"“{label}”: that is not one of the choices, so it was not used.")
            return default
        return value

    filters = QueueFilters(
        state=choice("state", "Sign-off", QUEUE_STATES, "awaiting") or "awaiting",
        differential=choice("differential", "Differential", names),
        evidence=choice("evidence", "Evidence", EVIDENCE),
    )
    return filters, problems


def queue_choices(ruleset: Ruleset, counts: Mapping[str, int]) -> dict[str, list[tuple[str, str]]]:
    """The options of the queue's filters, each state with how many rules are in it."""
    return {
        "state": [(k, f"{v} ({counts.get(k, 0)})") for k, v in QUEUE_STATES.items()],
        "differential": [(d.id, d.name) for d in ruleset.differentials],
        "evidence": list(EVIDENCE.items()),
    }


def state_counts(items: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """How many rules are in each sign-off state, awaiting and in all."""
    counts = {state: sum(1 for i in items if i["signoff_state"] == state) for state in STATES}
    return counts | {"awaiting": counts["never"] + counts["changed"], "all": len(items)}
