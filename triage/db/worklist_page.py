"""One page of the worklist, read from the columns triggers keep on each intake: filters, search, keyset pages, counts.

The cost of a page depends on the page, not on the clinic's history: each order and filter walks an index from the
cursor (triage.db.worklist_plan chooses how), the status counts come from a table the same triggers keep, and any
other total is counted only up to a cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.db.clock import minute_text
from triage.db.models import INTAKE_STATUSES, IntakeStatusCount
from triage.db.worklist_order import Cursor, cursor_of, decode, encode, order_of
from triage.db.worklist_plan import RANK_TIERS, SEARCH_LIMIT, View, WorklistQuery, plan, read


@dataclass(frozen=True)
class WorklistRow:
    """One intake on the worklist."""

    id: int
    ref: str
    status: str
    appointment: str
    created: str
    updated: str
    submitted: str
    top_urgency: str
    top_differential: str
    reviewed_by: str
    decision: str = ""
    assignee: str = ""
    # The most urgent alert raised from the answers (so far, for an intake in progress) and whether all are acknowledged.
    alert_urgency: str = ""
    alerts_open: int = 0


@dataclass(frozen=True)
class WorklistPage:
    """One page of the worklist, the cursors of the pages beside it, and how many intakes the view holds."""

    rows: tuple[WorklistRow, ...]
    total: int  # exact when total_exact; otherwise COUNT_CAP, and the view holds more
    page: int
    pages: int | None  # known when the total is exact
    total_exact: bool = True
    # More references start with the search text than a search reads: how many it read (0 when it read them all).
    search_truncated: int = 0
    next_cursor: str = ""
    previous_cursor: str = ""
    status_counts: Mapping[str, int] = field(default_factory=dict)


COUNTS = select(IntakeStatusCount.__table__.c.status, IntakeStatusCount.__table__.c.total)


def status_counts(session: Session) -> dict[str, int]:
    """How many intakes are in each status (from the counts the triggers keep: a handful of rows, whatever the history)."""
    counts = dict.fromkeys(INTAKE_STATUSES, 0)
    counts.update({status: total for status, total in session.execute(COUNTS)})
    return counts


def _row(r: Any) -> WorklistRow:
    return WorklistRow(
        r.id,
        r.ref,
        r.status,
        r.appointment_date.isoformat() if r.appointment_date else "",
        minute_text(r.created_at),
        minute_text(r.updated_at),
        minute_text(r.submitted_at),
        RANK_TIERS.get(r.urgency_rank, ""),
        r.top_differential or "",
        r.reviewer_name or "",
        decision=r.decision or "",
        assignee=r.assignee_name or "",
        alert_urgency=RANK_TIERS.get(r.alert_rank, ""),
        alerts_open=int(r.alerts_open or 0),
    )


def _mirror(cursor: Cursor, segments: tuple[Any, ...]) -> Cursor:
    # The same position counted from the other end of the order.
    return Cursor(len(segments) - 1 - cursor.segment, cursor.values)


def _token(view: View, cursor: Cursor) -> str:
    return encode(cursor, view.sort, view.descending)


def _window(session: Session, query: WorklistQuery, view: View) -> tuple[list[Any], str, str]:
    """The page's rows in order and the cursors of the pages after and before it ('' when there is none)."""
    forward = order_of(query.sort, query.descending)
    n = query.per_page
    after = decode(query.after, query.sort, query.descending, forward)
    before = decode(query.before, query.sort, query.descending, forward) if after is None else None
    if before is not None:
        backward = order_of(query.sort, query.descending, backward=True)
        rows = read(session, view, _mirror(before, forward), backward=True)
        if len(rows) > n:  # a page before this one remains: show these rows, in order
            shown = rows[:n][::-1]
            first, last = (_mirror(cursor_of(row, backward), forward) for row in (shown[0], shown[-1]))
            return shown, _token(view, last), _token(view, first)
    elif after is not None:
        rows = read(session, view, after)
        if rows:
            following = _token(view, cursor_of(rows[n - 1], forward)) if len(rows) > n else ""
            return rows[:n], following, _token(view, cursor_of(rows[0], forward))
    rows = read(session, view, None)  # the first page (also when a cursor leads nowhere any more)
    return rows[:n], (_token(view, cursor_of(rows[n - 1], forward)) if len(rows) > n else ""), ""


def worklist_page(session: Session, query: WorklistQuery) -> WorklistPage:
    """One page of intakes with their urgency, top differential, decision and alerts; two statements without filters."""
    counts = status_counts(session)
    view, total, exact, truncated = plan(session, query, counts)
    rows, next_cursor, previous_cursor = _window(session, query, view)
    pages = max(1, -(-total // query.per_page)) if exact else None
    page = max(2, min(query.page, pages or query.page)) if previous_cursor else 1
    return WorklistPage(
        rows=tuple(_row(r) for r in rows),
        total=total,
        page=page,
        pages=pages,
        total_exact=exact,
        search_truncated=SEARCH_LIMIT if truncated else 0,
        next_cursor=next_cursor,
        previous_cursor=previous_cursor,
        status_counts=counts,
    )
