"""The worklist: filters, search, sort and pages, a constant number of queries whatever the page size."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask import Flask
from sqlalchemy import event

from triage.db import intakes as queries
from triage.db import published_ref, worklist
from triage.db.intakes import StoredEvaluation
from triage.db.models import Evaluation
from triage.db.worklist import WorklistQuery
from triage.domain.questionnaire.questions import default_questionnaire

URGENCIES = ("emergency", "urgent", "soon", None)
DIFFERENTIALS = ("celiac_disease", "ibs", "crohns_disease")


def stored(urgency: str | None, differential: str | None) -> StoredEvaluation:
    """A minimal stored evaluation with a given top urgency and differential."""
    return StoredEvaluation(
        "t",
        "0" * 64,
        {"ruleset": {"version": "t", "hash": "0" * 64}, "red_flags": [], "differentials": []},
        [],
        differential,
        urgency,
    )


def seed(app: Flask, count: int) -> list[int]:
    """`count` intakes: every fourth only invited, the rest submitted with varied urgency; some evaluated twice."""
    ids = []
    version = default_questionnaire().version
    with app.extensions["triage_db"].session() as session:
        for n in range(count):
            _token, intake = queries.create_invitation(
                session,
                ref=f"REF-{n:04d}",
                questionnaire_version=version,
                expires_days=30,
                appointment_date=dt.date(2026, 12, 1) + dt.timedelta(days=n),
            )
            ids.append(intake.id)
            if n % 4 == 3:
                continue
            queries.save_step(session, intake, {"full_name": f"Patient {n}"}, {})
            queries.submit_intake(session, intake, lambda _a, n=n: stored(URGENCIES[(n // 2) % 4], DIFFERENTIALS[n % 3]))
            if n % 5 == 0:  # a newer evaluation must win over the older one
                session.add(Evaluation(intake_id=intake.id, reason="reevaluate", **stored("emergency", "gerd").__dict__))
        session.flush()
    return ids


class QueryCounter:
    """Counts the SQL statements an engine executes."""

    def __init__(self, engine: Any):
        self.count = 0
        self.engine = engine

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._hit)

    def _hit(self, *args: Any) -> None:
        self.count += 1


def test_worklist_page_uses_two_queries_whatever_the_page_size(app: Flask) -> None:
    seed(app, 24)
    db = app.extensions["triage_db"]
    counts = []
    for per_page in (2, 10, 50):
        with db.session() as session, QueryCounter(db.engine) as counter:
            page = worklist.worklist_page(session, WorklistQuery(per_page=per_page, sort="urgency"))
            assert len(page.rows) == min(per_page, 24)
        counts.append(counter.count)
    assert counts == [2, 2, 2]


def test_the_worklist_request_makes_no_query_per_row(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    seed(app, 30)
    db = app.extensions["triage_db"]
    counts = []
    for status in ("invited", None):  # 7 rows, then 30 rows
        published_ref.forget()  # the published ruleset's reference is kept for seconds: both requests read it
        with QueryCounter(db.engine) as counter:
            reply = client.get("/clinic/" + (f"?status={status}" if status else ""))
            assert reply.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_filters_search_sort_and_pages(app: Flask) -> None:
    seed(app, 24)
    with app.extensions["triage_db"].session() as session:
        invited = worklist.worklist_page(session, WorklistQuery(status="invited"))
        assert (
            invited.total == 6
            and {r.status for r in invited.rows} == {"invited"}
            and all(r.top_urgency == "" for r in invited.rows)
        )
        newest_wins = worklist.worklist_page(session, WorklistQuery(q="REF-0005"))
        assert [(r.top_urgency, r.top_differential) for r in newest_wins.rows] == [("emergency", "gerd")]
        emergency = worklist.worklist_page(session, WorklistQuery(urgency="emergency"))
        assert {r.top_urgency for r in emergency.rows} == {"emergency"}
        none = worklist.worklist_page(session, WorklistQuery(urgency="none", status="submitted"))
        assert none.total > 0 and {r.top_urgency for r in none.rows} == {""}
        by_urgency = worklist.worklist_page(session, WorklistQuery(sort="urgency", per_page=100))
        ranks = [{"emergency": 3, "urgent": 2, "soon": 1, "": 0}[r.top_urgency] for r in by_urgency.rows]
        assert ranks == sorted(ranks, reverse=True)
        # Pages are reached by the cursor of the page before (keyset pagination), not by a number of rows to skip.
        by_ref_query = WorklistQuery(sort="ref", descending=False, per_page=5)
        first_five = worklist.worklist_page(session, by_ref_query)
        by_ref = worklist.worklist_page(session, replace(by_ref_query, page=2, after=first_five.next_cursor))
        assert [r.ref for r in by_ref.rows] == [f"REF-{n:04d}" for n in range(5, 10)] and by_ref.pages == 5
        beyond = worklist.worklist_page(session, WorklistQuery(per_page=10))
        while beyond.next_cursor:
            beyond = worklist.worklist_page(session, WorklistQuery(per_page=10, page=beyond.page + 1, after=beyond.next_cursor))
        assert beyond.page == 3 and len(beyond.rows) == 4
        wildcard = worklist.worklist_page(session, WorklistQuery(q="%"))
        assert wildcard.total == 0


def test_the_worklist_page_links_sorts_and_pages(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    seed(app, 60)
    html = client.get("/clinic/?sort=ref&dir=asc&status=bogus&page=abc").get_data(as_text=True)
    assert 'aria-sort="ascending"' in html
    refs = re.findall(r">(REF-\d{4})</a>", html)
    assert refs == [f"REF-{n:04d}" for n in range(50)]
    assert "page=2" in html and "Page 1 of 2" in html
    next_link = re.search(r'<a rel="next" href="([^"]+)"', html)
    assert next_link is not None and "after=" in next_link.group(1)  # the link carries the cursor of the last row shown
    page_two = client.get(next_link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r">(REF-\d{4})</a>", page_two) == [f"REF-{n:04d}" for n in range(50, 60)]
