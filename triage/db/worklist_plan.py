"""How a worklist view is read: its filters' shape, its counted total, and the statement that reads its page.

Each shape (which filters a view has, not their values) is planned once and its statements kept: the default order
behind its filters' index, a column sort walking its own index, a small match set gathered first, or a search's
candidates. Totals come from the status counts or are counted only up to COUNT_CAP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.util import ClauseAdapter

from triage.db.decisions import DECISIONS
from triage.db.worklist_order import FIELDS, INTAKES, Cursor, cursor_params, order_of, page_statement
from triage.domain.scales import Urgency

URGENCIES = tuple(u.value for u in Urgency)  # the worklist filter: each red-flag tier, or none
# "priority" (the default): urgency tier first, then the longest waiting; the others sort by one column.
SORTS = ("priority", "updated", "created", "submitted", "appointment", "ref", "status", "urgency")
DEFAULT_SORT = "priority"
UNDECIDED = "none"  # the decision filter's value for intakes without a decision
UNASSIGNED = "none"  # the assignee filter's value for intakes assigned to nobody
DECISION_FILTERS = (*DECISIONS, UNDECIDED)
PER_PAGE = 50
MAX_QUERY = 64
# The stored urgency ranks (migration 0009): the most urgent tier highest, 0 for an intake without red flags.
RANK_TIERS = {len(Urgency.flag_tiers()) - tier.rank: tier.value for tier in Urgency.flag_tiers()}
URGENCY_RANKS = {tier: rank for rank, tier in RANK_TIERS.items()} | {Urgency.NONE.value: 0}
COUNT_CAP = 1000  # a filtered view counts its rows up to this many and says "more than" beyond
# A search reads the intakes whose reference starts with the text typed, at most this many (the page says when more
# start so: type more of the reference); the filters and the order apply to those.
SEARCH_LIMIT = COUNT_CAP
# The filter sets that a queue index (migration 0009) holds in front of the default order.
QUEUE_INDEXED = frozenset(
    frozenset(names) for names in ((), ("status",), ("urgency",), ("status", "urgency"), ("decision",), ("assignee",))
)
HIGHEST_CHARACTER = "\U0010ffff"  # sorts after every character, so prefix + it bounds the prefix's range


@dataclass(frozen=True)
class WorklistQuery:
    """Filters, search, sort and page of the worklist (already validated); `after`/`before` are page cursors."""

    status: str | None = None
    urgency: str | None = None
    q: str = ""
    decision: str | None = None  # one of DECISION_FILTERS
    assignee: int | str | None = None  # a clinician's user id, or UNASSIGNED
    sort: str = DEFAULT_SORT
    descending: bool = True
    page: int = 1  # the number shown for the page the cursor leads to (pages are found by cursor, never counted off)
    per_page: int = PER_PAGE
    after: str = ""
    before: str = ""


@dataclass(frozen=True)
class Shape:
    """Which filters a view has (not their values) and how its page is read: each shape's statements are built once.

    `mode` "index": the order's index behind the filters' columns (the default order behind one filter, or status and
    urgency) or with the filters as they come; "scan": a column sort over many matches, walking the sort's index and
    testing each row (the filters kept off every index); "few": at most COUNT_CAP matches, gathered first, then
    ordered; "search": the intakes whose reference starts with :q (at most SEARCH_LIMIT), then filtered and ordered.
    """

    mode: str = "index"
    status: bool = False
    urgency: bool = False
    decision: str = ""  # "", "null" (no decision yet) or "value"
    assignee: str = ""  # "", "null" (nobody) or "value"
    postgresql: bool = False

    def filtered(self) -> frozenset[str]:
        """The filters this shape has, by name."""
        names = ("status", "urgency", "decision", "assignee")
        return frozenset(name for name in names if getattr(self, name))


@dataclass(frozen=True)
class View:
    """A view's shape, the values of its filters, its order and its page size."""

    shape: Shape
    params: dict[str, Any]
    sort: str
    descending: bool
    n: int


def _prefix(column: Any, postgresql: bool) -> Any:
    # The references starting with :q, any case; PostgreSQL compares byte-wise here, as the pattern index does.
    low = func.lower(bindparam("q", type_=String), type_=String)
    high = (low + HIGHEST_CHARACTER).self_group()
    if postgresql:
        return and_(column.op("~>=~", is_comparison=True)(low), column.op("~<~", is_comparison=True)(high))
    return and_(column >= low, column < high)


def _unindexed(column: Any) -> Any:
    # The same value as an expression that no index holds: the planner then walks the sort's index instead.
    return column + 0 if isinstance(column.type, Integer) else column + ""


@lru_cache(maxsize=128)
def _filters(shape: Shape) -> tuple[Any, ...]:
    plain = _unindexed if shape.mode == "scan" else (lambda column: column)
    filters: list[Any] = []
    if shape.status:
        filters.append(plain(INTAKES.status) == bindparam("status"))
    if shape.urgency:
        filters.append(plain(INTAKES.urgency_rank) == bindparam("urgency"))
    for name, column in (("decision", INTAKES.decision), ("assignee", INTAKES.assigned_to)):
        kind = getattr(shape, name)
        if kind:
            filters.append(plain(column).is_(None) if kind == "null" else plain(column) == bindparam(name))
    return tuple(filters)


@lru_cache(maxsize=128)
def _source(shape: Shape) -> Any:
    """The rows a "few" or "search" view orders, gathered once per statement; None: the table itself."""
    if shape.mode == "few":
        gathered = select(*FIELDS).where(*_filters(shape)).limit(2 * COUNT_CAP)  # headroom for rows added since the count
    elif shape.mode == "search":
        gathered = select(*FIELDS).where(_prefix(INTAKES.ref_key, shape.postgresql)).limit(SEARCH_LIMIT)
    else:
        return None
    return gathered.cte("gathered").prefix_with("MATERIALIZED")


@lru_cache(maxsize=128)
def _capped_count(shape: Shape) -> Select[Any]:
    source = _source(shape) if shape.mode == "search" else None
    adapt = ClauseAdapter(source).traverse if source is not None else (lambda clause: clause)
    ids = select(adapt(INTAKES.id)).where(*(adapt(f) for f in _filters(shape))).limit(COUNT_CAP + 1).subquery()
    return select(func.count()).select_from(ids)


@lru_cache(maxsize=4)
def _candidates(postgresql: bool) -> Select[Any]:
    ids = select(INTAKES.id).where(_prefix(INTAKES.ref_key, postgresql)).limit(SEARCH_LIMIT + 1).subquery()
    return select(func.count()).select_from(ids)


def _values(query: WorklistQuery) -> tuple[dict[str, Any], dict[str, Any]]:
    kinds: dict[str, Any] = {}
    params: dict[str, Any] = {}
    if query.status:
        kinds["status"], params["status"] = True, query.status
    if query.urgency in URGENCY_RANKS:
        kinds["urgency"], params["urgency"] = True, URGENCY_RANKS[query.urgency]
    for name, value, nothing in (("decision", query.decision, UNDECIDED), ("assignee", query.assignee, UNASSIGNED)):
        if value == nothing:
            kinds[name] = "null"
        elif value and (name == "decision" or isinstance(value, int)):
            kinds[name], params[name] = "value", value
    if query.q:
        params["q"] = query.q[:MAX_QUERY]
    return kinds, params


def plan(session: Session, query: WorklistQuery, counts: Mapping[str, int]) -> tuple[View, int, bool, bool]:
    """The view to read and its total: (view, total, total is exact, the search saw only its first SEARCH_LIMIT)."""
    kinds, params = _values(query)
    postgresql = session.get_bind().dialect.name == "postgresql"
    probe = Shape(postgresql=postgresql, **kinds)
    view = partial(View, params=params, sort=query.sort, descending=query.descending, n=query.per_page)
    if query.q:
        shape = replace(probe, mode="search")
        found = session.scalar(_capped_count(shape), params) or 0
        truncated = (session.scalar(_candidates(postgresql), params) or 0) > SEARCH_LIMIT
        return view(shape), found, not truncated, truncated
    if probe.filtered() <= {"status"}:
        found, exact = (counts.get(params["status"], 0) if probe.status else sum(counts.values())), True
    else:
        found = session.scalar(_capped_count(probe), params) or 0
        found, exact = min(found, COUNT_CAP), found <= COUNT_CAP
    if query.sort == DEFAULT_SORT and probe.filtered() in QUEUE_INDEXED:
        return view(probe), found, exact, False
    if exact and found <= COUNT_CAP:
        return view(replace(probe, mode="few")), found, exact, False
    return view(replace(probe, mode="index" if query.sort == DEFAULT_SORT else "scan")), found, exact, False


@lru_cache(maxsize=512)
def _page(shape: Shape, sort: str, descending: bool, backward: bool, start: int, from_cursor: bool, n: int) -> Select[Any]:
    segments = order_of(sort, descending, backward)
    return page_statement(_filters(shape), segments, start, from_cursor, n + 1, _source(shape))


def read(session: Session, view: View, cursor: Cursor | None, backward: bool = False) -> list[Any]:
    """Up to a page and one rows of the view after `cursor` (from the start without one), read backwards if asked."""
    start = cursor.segment if cursor is not None else 0
    statement = _page(view.shape, view.sort, view.descending, backward, start, cursor is not None, view.n)
    return list(session.execute(statement, view.params | (cursor_params(cursor) if cursor is not None else {})))
