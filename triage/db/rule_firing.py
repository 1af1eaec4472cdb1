"""How often each rule fired on past intakes in the last 90 days, overall and per ruleset version (no health data read)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.db.clock import utcnow
from triage.db.models import Evaluation

PERIOD_DAYS = 90


@dataclass
class Firing:
    """Intakes on which rules fired: per rule, and per rule and version text."""

    intakes: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    by_version: dict[str, Counter[str]] = field(default_factory=dict)

    def versions_of(self, rule_id: str) -> list[tuple[str, int]]:
        """(version text, intakes) for one rule, in version order."""
        return [(label, counts[rule_id]) for label, counts in sorted(self.by_version.items()) if counts[rule_id]]


def fired_in_period(session: Session, now: dt.datetime | None = None, days: int = PERIOD_DAYS) -> Firing:
    """Count, per rule, the intakes whose evaluations in the period fired it (an intake counts once per version)."""
    since = (now or utcnow()) - dt.timedelta(days=days)
    rows = session.execute(
        select(Evaluation.intake_id, Evaluation.ruleset_version, Evaluation.fired_rules).where(Evaluation.created_at >= since)
    )
    seen: set[tuple[int, str, str]] = set()
    intakes: set[int] = set()
    found = Firing()
    for intake_id, label, fired in rows:
        intakes.add(intake_id)
        for rule_id in fired or ():
            key = (intake_id, label, str(rule_id))
            if key in seen:
                continue
            seen.add(key)
            found.by_version.setdefault(label, Counter())[str(rule_id)] += 1
    for counts in found.by_version.values():
        found.by_rule.update(counts)
    found.intakes = len(intakes)
    return found
