"""The worklist's orders as runs of index order, the keyset cursors between pages, and the statement that reads a page.

Each order is a list of segments. A segment is the rows one index holds in one stretch (an equality on its leading
columns) walked in one direction, so a page is at most one index seek per segment: the segment the cursor is in, from
the cursor on, then the following segments from their start, each stopped after a page of rows, in one UNION ALL.
Statements are plain Core over the table with bound parameters (the cursor's keys are k0, k1, ...), built once per
shape and kept: building one costs more than running it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, DateTime, Integer, String, bindparam, case, literal_column, select, tuple_, union_all
from sqlalchemy.sql import Select
from sqlalchemy.sql.util import ClauseAdapter

from triage.db.clock import as_utc
from triage.db.models import Intake, User
from triage.db.users import shown_name

INTAKES = Intake.__table__.c
USERS = User.__table__

NOT_WAITING = 4  # the queue tier of an intake that waits for nobody (migration 0009 computes it)
MAX_KEY_TEXT = 64  # the longest text a cursor key may hold (a reference)
MAX_CURSOR = 512  # characters: a longer cursor is not one this module wrote
# The columns a page shows and its orders read, as the union of the segments returns them.
FIELDS = tuple(
    INTAKES[name]
    for name in (
        "id",
        "ref",
        "status",
        "appointment_date",
        "created_at",
        "updated_at",
        "submitted_at",
        "urgency_rank",
        "top_differential",
        "reviewed_by",
        "decision",
        "assigned_to",
        "alert_rank",
        "alerts_open",
        "queue_order",
        "queue_time",
    )
)
# The column sorts; the default ("priority") is the queue. Empty values sort last in either direction.
COLUMNS = {
    "updated": INTAKES.updated_at,
    "created": INTAKES.created_at,
    "submitted": INTAKES.submitted_at,
    "appointment": INTAKES.appointment_date,
    "ref": INTAKES.ref,
    "status": INTAKES.status,
    "urgency": INTAKES.urgency_rank,
}
NULLABLE = frozenset({"submitted", "appointment"})


@dataclass(frozen=True)
class Segment:
    """Rows matching `where`, in the order of `keys` (the id last), all ascending or all descending."""

    where: tuple[Any, ...]
    keys: tuple[Any, ...]
    descending: bool

    def flipped(self) -> Segment:
        """The same rows in the other direction."""
        return replace(self, descending=not self.descending)


@dataclass(frozen=True)
class Cursor:
    """A position in an order: the segment of a row and its key values; a page continues after (or before) it."""

    segment: int
    values: tuple[Any, ...]


def queue() -> tuple[Segment, ...]:
    """The default order: each urgency tier, the longest waiting first; then the intakes nobody waits for, newest change first."""
    # Equalities only in front of the keys: PostgreSQL orders by an index only behind '=' (not behind IS NULL).
    keys = (INTAKES.queue_time, INTAKES.id)
    waiting = tuple(Segment((INTAKES.queue_order == tier,), keys, False) for tier in range(NOT_WAITING))
    return (*waiting, Segment((INTAKES.queue_order == NOT_WAITING,), keys, True))


@lru_cache(maxsize=64)
def order_of(sort: str, descending: bool, backward: bool = False) -> tuple[Segment, ...]:
    """The segments of a sort in the order shown (`backward`: read from the end); the queue ascending is it reversed."""
    if backward:
        return reversed_order(order_of(sort, descending))
    if sort not in COLUMNS:
        forward = queue()
        return forward if descending else reversed_order(forward)
    column = COLUMNS[sort]
    if sort in NULLABLE:
        return (
            Segment((column.is_not(None),), (column, INTAKES.id), descending),
            Segment((column.is_(None),), (INTAKES.id,), descending),
        )
    return (Segment((), (column, INTAKES.id), descending),)


def reversed_order(segments: Sequence[Segment]) -> tuple[Segment, ...]:
    """The same rows in the opposite order (for the page before a cursor)."""
    return tuple(segment.flipped() for segment in reversed(segments))


def cursor_params(cursor: Cursor) -> dict[str, Any]:
    """The bound parameters of a cursor's key values."""
    return {f"k{i}": value for i, value in enumerate(cursor.values)}


def _after(segment: Segment) -> Any:
    # A row value comparison: both databases seek the index to the cursor instead of reading up to it.
    bound = [bindparam(f"k{i}", type_=key.type) for i, key in enumerate(segment.keys)]
    left, right = (segment.keys[0], bound[0]) if len(bound) == 1 else (tuple_(*segment.keys), tuple_(*bound))
    return left < right if segment.descending else left > right


def _ordering(columns: Sequence[Any], descending: bool) -> list[Any]:
    return [column.desc() if descending else column.asc() for column in columns]


def _outer_order(rows: Any, segments: Sequence[Segment], start: int) -> list[Any]:
    # The union's rows in segment order, each segment by its own keys: segments that share keys and direction share terms.
    groups: dict[tuple[tuple[str, ...], bool], list[int]] = {}
    for index in range(start, len(segments)):
        segment = segments[index]
        groups.setdefault((tuple(key.key for key in segment.keys), segment.descending), []).append(index)
    terms = [rows.c.seg.asc()]
    for (keys, descending), indexes in groups.items():
        columns = [rows.c[key] if len(groups) == 1 else case((rows.c.seg.in_(indexes), rows.c[key])) for key in keys]
        terms += _ordering(columns, descending)
    return terms


def page_statement(
    filters: Sequence[Any], segments: Sequence[Segment], start: int, from_cursor: bool, limit: int, source: Any = None
) -> Select[Any]:
    """The `limit` rows from segment `start` on (after the cursor's k0, k1, ... when `from_cursor`), with staff names.

    `source` (a CTE of intake rows, e.g. a search's candidates) replaces the table: the same order, over those rows.
    """
    adapt = ClauseAdapter(source).traverse if source is not None else _same
    arms = []
    for index in range(start, len(segments)):
        segment = segments[index]
        arm = select(*(adapt(f) for f in FIELDS), literal_column(str(index), Integer).label("seg"))
        arm = arm.where(*(adapt(c) for c in (*filters, *segment.where)))
        if from_cursor and index == start:
            arm = arm.where(adapt(_after(segment)))
        keys = [adapt(key) for key in segment.keys]
        arms.append(arm.order_by(*_ordering(keys, segment.descending)).limit(limit).subquery())
    rows = arms[0] if len(arms) == 1 else union_all(*(select(arm) for arm in arms)).subquery("page")
    reviewer = USERS.alias("reviewer")
    assignee = USERS.alias("assignee")
    return (
        select(rows, shown_name(reviewer.c).label("reviewer_name"), shown_name(assignee.c).label("assignee_name"))
        .outerjoin(reviewer, reviewer.c.id == rows.c.reviewed_by)
        .outerjoin(assignee, assignee.c.id == rows.c.assigned_to)
        .order_by(*_outer_order(rows, segments, start))
        .limit(limit)
    )


def _same(clause: Any) -> Any:
    return clause


def cursor_of(row: Any, segments: Sequence[Segment]) -> Cursor:
    """The cursor that points at a row the page statement returned."""
    segment = int(row.seg)
    return Cursor(segment, tuple(getattr(row, key.key) for key in segments[segment].keys))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return as_utc(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def encode(cursor: Cursor, sort: str, descending: bool) -> str:
    """The cursor as a short URL-safe token, tied to the sort and direction it belongs to."""
    document = [sort, "desc" if descending else "asc", cursor.segment, *(_plain(v) for v in cursor.values)]
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _typed(value: Any, column: Any) -> Any:
    # Raises ValueError or TypeError for a value that is not of the key column's type.
    kind = column.type
    if isinstance(kind, DateTime):
        return as_utc(dt.datetime.fromisoformat(value))
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, Integer):
        if type(value) is not int or abs(value) >= 2**31:
            raise ValueError("not a stored integer")
        return value
    if isinstance(kind, String) and isinstance(value, str) and len(value) <= MAX_KEY_TEXT:
        return value
    raise TypeError("not a key of this order")


def decode(token: str, sort: str, descending: bool, segments: Sequence[Segment]) -> Cursor | None:
    """The cursor in a token, or None for a token of another sort or direction, or one this module did not write."""
    if not token or len(token) > MAX_CURSOR:
        return None
    try:
        document = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(document, list) or len(document) < 3 or document[:2] != [sort, "desc" if descending else "asc"]:
            return None
        segment, values = document[2], document[3:]
        if type(segment) is not int or not 0 <= segment < len(segments) or len(values) != len(segments[segment].keys):
            return None
        return Cursor(segment, tuple(_typed(v, key) for v, key in zip(values, segments[segment].keys, strict=True)))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None
