"""Worklist pages by cursor, counts and search, on SQLite and PostgreSQL.

A page link carries the cursor of the row it continues after (or before), never a number of rows to skip: rows added
or changed between two pages neither repeat nor drop a row whose place in the order stays. Status counts come from the
counts table, other totals are counted only up to a cap ("more than 1,000"), and search reads the references that
start with the text typed, through an index.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session

from triage.db import alert_queue, decisions, users, worklist
from triage.db import intakes as queries
from triage.db.alerts import Actor, AlertMail, raise_alerts
from triage.db.clock import utcnow
from triage.db.intakes import StoredEvaluation
from triage.db.models import Alert, Intake
from triage.db.worklist import COUNT_CAP, SEARCH_LIMIT, WorklistQuery
from triage.domain.engine.red_flags import Flag
from triage.domain.questionnaire.questions import default_questionnaire
from triage.domain.scales import Urgency

URGENCIES = ("emergency", "urgent", "soon", None)


def evaluation(urgency: str | None) -> StoredEvaluation:
    """A stored evaluation with this top urgency."""
    data = {"ruleset": {"version": "t", "hash": "0" * 64}, "red_flags": [], "differentials": []}
    return StoredEvaluation("t", "0" * 64, data, [], "ibs", urgency)


def invite(session: Session, ref: str) -> Intake:
    """A new invitation."""
    return queries.create_invitation(session, ref=ref, questionnaire_version=default_questionnaire().version, expires_days=30)[1]


def seed(app: Flask, count: int) -> list[int]:
    """`count` intakes: a fifth invited, a fifth in progress (every other one alerted), the rest submitted."""
    ids = []
    with app.extensions["triage_db"].session() as session:
        for n in range(count):
            intake = invite(session, f"K-{n:03d}")
            ids.append(intake.id)
            if n % 5 == 0:
                continue
            queries.save_step(session, intake, {"full_name": f"Patient {n}"}, {})
            if n % 5 == 1:
                if n % 2:
                    raise_alerts(
                        session, intake.id, [Flag("rf_k", Urgency.URGENT)], "in_progress", AlertMail("", ""), Actor("t", "system")
                    )
                continue
            queries.submit_intake(session, intake, lambda _a, n=n: evaluation(URGENCIES[n % 4]))
    return ids


def walk(session: Session, query: WorklistQuery, between: Callable[[int], None] = lambda _n: None) -> list[int]:
    """The ids of every page of a view, following the next-page cursors; `between(page)` runs before each later page."""
    page = worklist.worklist_page(session, query)
    shown = [row.id for row in page.rows]
    while page.next_cursor:
        between(page.page)
        page = worklist.worklist_page(session, replace(query, page=page.page + 1, after=page.next_cursor))
        shown += [row.id for row in page.rows]
    return shown


@pytest.fixture
def clinician(app: Flask) -> int:
    """A clinician's user id."""
    with app.extensions["triage_db"].session() as session:
        return users.create_user(session, "dr.keyset@example.org", "correct horse battery staple 9", ("clinician",))[0].id


@pytest.mark.parametrize(("sort", "descending"), [("priority", True), ("priority", False), ("ref", False), ("submitted", True)])
def test_pages_neither_repeat_nor_drop_a_row_while_rows_are_added_and_changed(
    app: Flask, clinician: int, sort: str, descending: bool
) -> None:
    original = seed(app, 30)
    db = app.extensions["triage_db"]

    def meanwhile(page: int) -> None:
        # Between two page loads other clinicians and patients work: new invitations, an acknowledgement, a decision.
        with db.session() as session:
            invite(session, f"K-NEW-{page}-{'a' * page}")
            invite(session, f"A-NEW-{page}")
            for alert_id in session.scalars(select(Alert.id).where(Alert.acknowledged_at.is_(None)).limit(1)):
                alert_queue.acknowledge(session, alert_id, clinician, "called_patient", "", utcnow())
            sent = session.scalar(select(Intake.id).where(Intake.status == "submitted", Intake.decision.is_(None)))
            if sent:
                decisions.record_decision(session, sent, "routine", None, clinician)

    with db.session() as session:
        shown = walk(session, WorklistQuery(sort=sort, descending=descending, per_page=4), meanwhile)
    assert len(shown) == len(set(shown))  # no row twice
    assert set(original) <= set(shown)  # no row that was there all along is missing


def test_the_previous_page_leads_back_to_the_same_rows(app: Flask) -> None:
    seed(app, 23)
    query = WorklistQuery(per_page=5)
    with app.extensions["triage_db"].session() as session:
        forward = [worklist.worklist_page(session, query)]
        while forward[-1].next_cursor and len(forward) < 4:
            last = forward[-1]
            forward.append(worklist.worklist_page(session, replace(query, page=last.page + 1, after=last.next_cursor)))
        back = [forward[-1]]
        while back[-1].previous_cursor:
            here = back[-1]
            back.append(worklist.worklist_page(session, replace(query, page=here.page - 1, before=here.previous_cursor)))
    assert [p.page for p in forward] == [1, 2, 3, 4] and [p.page for p in back] == [4, 3, 2, 1]
    assert [[r.id for r in p.rows] for p in back] == [[r.id for r in p.rows] for p in reversed(forward)]
    assert forward[0].previous_cursor == "" and forward[0].pages == 5


def test_a_cursor_the_worklist_did_not_write_shows_the_first_page(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    seed(app, 12)
    with app.extensions["triage_db"].session() as session:
        first = worklist.worklist_page(session, WorklistQuery(per_page=5))
        other_sort = worklist.worklist_page(session, WorklistQuery(sort="ref", per_page=5)).next_cursor
        for cursor in ("garbage", "W1siIiwiIl0", other_sort, first.next_cursor[:-3] + "AAA", "x" * 600):
            page = worklist.worklist_page(session, WorklistQuery(per_page=5, page=7, after=cursor))
            assert (page.page, [r.id for r in page.rows]) == (1, [r.id for r in first.rows]), cursor
    assert client.get("/clinic/?after=%5B%22priority%22%2C%22desc%22%2C0%2C%22x%22%5D&page=3").status_code == 200


def test_the_page_links_carry_cursors(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    seed(app, 120)
    first = client.get("/clinic/?sort=ref&dir=asc").get_data(as_text=True)
    assert "Page 1 of 3" in first and 'rel="prev"' not in first
    following = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert following is not None and "after=" in following.group(1) and "page=2" in following.group(1)
    second = client.get(following.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Page 2 of 3" in second and re.findall(r">(K-\d{3})</a>", second)[0] == "K-050"
    previous = re.search(r'<a rel="prev" href="([^"]+)"', second)
    assert previous is not None and "before=" in previous.group(1)
    back = client.get(previous.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r">(K-\d{3})</a>", back) == [f"K-{n:03d}" for n in range(50)]


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs while the test runs."""
    seen: list[str] = []
    engine = app.extensions["triage_db"].engine

    def hit(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", hit)
    yield seen
    event.remove(engine, "before_cursor_execute", hit)


def bulk_intakes(app: Flask, count: int, prefix: str, **columns: Any) -> None:
    """`count` intakes in one INSERT (the triggers keep their worklist columns and the counts)."""
    now = utcnow()
    rows = [
        {"ref": f"{prefix}{n:05d}", "status": "invited", "questionnaire_version": "1", "created_at": now, "updated_at": now}
        | {"pending_inputs": {}}
        | columns
        for n in range(count)
    ]
    with app.extensions["triage_db"].session() as session:
        session.execute(insert(Intake), rows)


def test_counts_come_from_the_counts_table_and_other_totals_stop_at_the_cap(
    app: Flask, staff_login: Callable[..., Any], statements: list[str]
) -> None:
    client = app.test_client()
    staff_login(client)
    seed(app, 20)
    bulk_intakes(app, COUNT_CAP + 5, "BULK-", status="submitted", submitted_at=utcnow(), decision="routine")
    with app.extensions["triage_db"].session() as session:
        expected = dict(session.execute(select(Intake.status, func.count()).group_by(Intake.status)).all())
        everything = worklist.worklist_page(session, WorklistQuery())
        submitted = worklist.worklist_page(session, WorklistQuery(status="submitted"))
        routine = worklist.worklist_page(session, WorklistQuery(decision="routine"))
        urgent = worklist.worklist_page(session, WorklistQuery(urgency="urgent"))
    assert {s: n for s, n in everything.status_counts.items() if n} == expected
    assert (everything.total, everything.total_exact) == (sum(expected.values()), True)
    assert (submitted.total, submitted.total_exact, submitted.pages) == (
        expected["submitted"],
        True,
        -(-expected["submitted"] // 50),
    )
    assert (routine.total, routine.total_exact, routine.pages) == (COUNT_CAP, False, None)
    assert (urgent.total, urgent.total_exact) == (len([n for n in range(20) if n % 5 > 1 and n % 4 == 1]), True)
    statements.clear()
    html = client.get("/clinic/?decision=routine").get_data(as_text=True)
    assert "More than 1,000 intakes" in html and "Page 1</span>" in html
    client.get("/clinic/")
    counts = [s for s in statements if "count(" in s.lower() and "intakes" in s.lower()]
    assert counts and all(re.search(r"limit", s, re.IGNORECASE) for s in counts)  # no count over the whole history


def test_search_matches_the_start_of_the_reference_in_any_case(app: Flask) -> None:
    with app.extensions["triage_db"].session() as session:
        for ref in ("AB-100", "ab-101", "XAB-100", "A%B", "A_B", "AXB"):
            invite(session, ref)
    with app.extensions["triage_db"].session() as session:

        def found(q: str) -> list[str]:
            return sorted(r.ref for r in worklist.worklist_page(session, WorklistQuery(q=q, sort="ref")).rows)

        assert found("ab-1") == ["AB-100", "ab-101"] and found("AB-10") == ["AB-100", "ab-101"]
        assert found("A%") == ["A%B"] and found("A_") == ["A_B"] and found("%") == [] and found("B-1") == []
        assert worklist.worklist_page(session, WorklistQuery(q="ab-1")).total == 2


def test_a_broad_search_reads_the_first_references_and_says_so(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    bulk_intakes(app, SEARCH_LIMIT + 20, "WIDE-", updated_at=utcnow() - dt.timedelta(days=1))
    with app.extensions["triage_db"].session() as session:
        broad = worklist.worklist_page(session, WorklistQuery(q="wide-"))
        narrow = worklist.worklist_page(session, WorklistQuery(q="WIDE-0100"))
    assert (broad.search_truncated, broad.total_exact, len(broad.rows)) == (SEARCH_LIMIT, False, 50)
    assert sorted(r.ref for r in narrow.rows) == [f"WIDE-0100{n}" for n in range(10)] and not narrow.search_truncated
    html = client.get("/clinic/?q=wide-").get_data(as_text=True)
    assert "More than 1,000 references start with “wide-”" in html and "type more of the reference" in html
