"""The alerts report: per urgency tier and month, how long alerts waited for acknowledgement (figures only, no patients)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.db.alert_queue import TIERS
from triage.db.clock import as_utc
from triage.db.models import Alert
from triage.domain.scales import Urgency


@dataclass(frozen=True)
class ReportRow:
    """One tier in one month (of the alert being raised, UTC): counts and minutes from raised to acknowledged."""

    month: str
    urgency: str
    urgency_label: str
    raised: int
    acknowledged: int
    unacknowledged: int
    median_minutes: float | None
    p90_minutes: float | None


def nearest_rank(values: list[float], percent: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `percent`% of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def _figure(value: float) -> float:
    return round(value, 1)


def alerts_report(session: Session) -> list[ReportRow]:
    """Every month with alerts, newest first, and each tier in it, most urgent first.

    Computed in Python from the alerts' times, so both databases give the same figures: the median is the middle
    value (the mean of the two middle ones for an even count), the 90th percentile is the nearest rank.
    """
    waits: dict[tuple[str, str], list[float]] = {}
    open_counts: dict[tuple[str, str], int] = {}
    rows = session.execute(select(Alert.urgency, Alert.raised_at, Alert.acknowledged_at).where(Alert.urgency.in_(TIERS)))
    for urgency, raised_at, acknowledged_at in rows:
        key = (as_utc(raised_at).strftime("%Y-%m"), urgency)
        waits.setdefault(key, [])
        open_counts.setdefault(key, 0)
        if acknowledged_at is None:
            open_counts[key] += 1
        else:
            waits[key].append((as_utc(acknowledged_at) - as_utc(raised_at)).total_seconds() / 60)
    ordered = sorted(waits, key=lambda k: (k[0], -Urgency.rank_of(k[1])), reverse=True)
    return [
        ReportRow(
            month=month,
            urgency=urgency,
            urgency_label=Urgency(urgency).label,
            raised=len(waits[(month, urgency)]) + open_counts[(month, urgency)],
            acknowledged=len(waits[(month, urgency)]),
            unacknowledged=open_counts[(month, urgency)],
            median_minutes=_figure(statistics.median(waits[(month, urgency)])) if waits[(month, urgency)] else None,
            p90_minutes=_figure(nearest_rank(waits[(month, urgency)], 90)) if waits[(month, urgency)] else None,
        )
        for month, urgency in ordered
    ]
