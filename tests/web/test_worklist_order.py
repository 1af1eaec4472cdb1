"""The worklist's default order, on SQLite and PostgreSQL: urgency tier first (alerts for intakes in progress), then waiting."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from triage.db import worklist
from triage.db.models import Alert, Evaluation, Intake
from triage.db.worklist import WorklistQuery

BASE = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


def at(hours: float) -> dt.datetime:
    """A moment `hours` after BASE."""
    return BASE + dt.timedelta(hours=hours)


def add_intake(
    session: Session,
    ref: str,
    status: str,
    updated: float,
    submitted: float | None = None,
    urgencies: tuple[str | None, ...] = (),
    alerts: tuple[tuple[str, float, bool], ...] = (),
) -> int:
    """An intake with exact times: its evaluations' top urgencies (oldest first) and alerts (urgency, raised, acknowledged)."""
    intake = Intake(
        ref=ref,
        status=status,
        questionnaire_version="1",
        created_at=at(min(updated, submitted if submitted is not None else updated) - 1),
        updated_at=at(updated),
        submitted_at=at(submitted) if submitted is not None else None,
    )
    session.add(intake)
    session.flush()
    for n, urgency in enumerate(urgencies):
        session.add(
            Evaluation(
                intake_id=intake.id,
                ruleset_version="t",
                ruleset_sha256="0" * 64,
                result={"ruleset": {"version": "t", "hash": "0" * 64}, "red_flags": [], "differentials": []},
                fired_rules=[],
                top_differential=None,
                top_urgency=urgency,
                reason="submit" if n == 0 else "reevaluate",
                created_at=at((submitted or 0) + n),
            )
        )
        session.flush()  # one id after the other: the newest evaluation has the highest id
    for urgency, raised, acknowledged in alerts:
        session.add(
            Alert(
                intake_id=intake.id,
                urgency=urgency,
                rule_ids=["rf_test"],
                raised_at=at(raised),
                raised_while="in_progress",
                acknowledged_at=at(raised + 1) if acknowledged else None,
                action="called_patient" if acknowledged else None,
            )
        )
    session.flush()
    return intake.id


# The expected default order: emergency, urgent, soon, none; within a tier the longest waiting (submitted, or alerted
# while in progress) first; intakes that wait for nobody (invited, in progress without a flag) last, newest change first.
EXPECTED = [
    "OLD-EMERGENCY",
    "REVIEWED-EMERGENCY",
    "RE-EVALUATED",
    "IP-BOTH",
    "IP-EMERGENCY",
    "URGENT-OLD",
    "URGENT-NEW",
    "IP-URGENT-ACK",
    "SOON",
    "SENT-AFTER-ALERT",
    "ROUTINE-B",
    "ROUTINE-A",
    "INVITED",
    "IP-NOFLAG",
]


def seed(app: Flask) -> None:
    """The intakes of EXPECTED, inserted in an order that is none of the orders tested."""
    with app.extensions["triage_db"].session() as session:
        add_intake(session, "ROUTINE-A", "submitted", updated=72, submitted=50, urgencies=(None,))
        add_intake(session, "IP-EMERGENCY", "in_progress", updated=61, alerts=(("emergency", 60, False),))
        add_intake(session, "URGENT-NEW", "submitted", updated=20, submitted=20, urgencies=("urgent",))
        add_intake(session, "INVITED", "invited", updated=70)
        add_intake(session, "OLD-EMERGENCY", "submitted", updated=0, submitted=0, urgencies=("emergency",))
        add_intake(session, "IP-URGENT-ACK", "in_progress", updated=32, alerts=(("urgent", 30, True),))
        add_intake(session, "SOON", "submitted", updated=5, submitted=5, urgencies=("soon",))
        add_intake(session, "ROUTINE-B", "submitted", updated=41, submitted=40, urgencies=(None,))
        add_intake(session, "IP-NOFLAG", "in_progress", updated=65)
        add_intake(session, "URGENT-OLD", "submitted", updated=10, submitted=10, urgencies=("urgent",))
        add_intake(session, "REVIEWED-EMERGENCY", "reviewed", updated=3, submitted=2, urgencies=("emergency",))
        add_intake(session, "IP-BOTH", "in_progress", updated=56, alerts=(("urgent", 45, False), ("emergency", 55, False)))
        # Sent after an alert on the answers so far: the evaluation of the sent answers speaks for it now.
        add_intake(
            session, "SENT-AFTER-ALERT", "submitted", updated=35, submitted=35, urgencies=(None,), alerts=(("urgent", 1, False),)
        )
        add_intake(session, "RE-EVALUATED", "submitted", updated=16, submitted=15, urgencies=(None, "emergency"))


def listed(client: Any, query: str = "") -> tuple[list[str], str]:
    """The references the worklist page lists, in order, and the page."""
    reply = client.get(f"/clinic/{query}")
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    return re.findall(r'href="/clinic/intakes/\d+">([A-Z-]+)</a>', html), html


def test_the_default_order_is_urgency_then_waiting_time(app: Flask) -> None:
    seed(app)
    with app.extensions["triage_db"].session() as session:
        page = worklist.worklist_page(session, WorklistQuery())
        assert [r.ref for r in page.rows] == EXPECTED
        rows = {r.ref: r for r in page.rows}
        assert (rows["IP-EMERGENCY"].alert_urgency, rows["IP-EMERGENCY"].alerts_open) == ("emergency", 1)
        assert (rows["IP-URGENT-ACK"].alert_urgency, rows["IP-URGENT-ACK"].alerts_open) == ("urgent", 0)
        assert (rows["IP-BOTH"].alert_urgency, rows["IP-BOTH"].alerts_open) == ("emergency", 2)
        assert rows["RE-EVALUATED"].top_urgency == "emergency" and rows["IP-EMERGENCY"].top_urgency == ""
        # Pages continue the same order.
        first = worklist.worklist_page(session, WorklistQuery(per_page=5))
        second = worklist.worklist_page(session, WorklistQuery(per_page=5, page=2, after=first.next_cursor))
        assert [r.ref for r in second.rows] == EXPECTED[5:10]


def test_an_older_emergency_and_a_flagged_intake_in_progress_sit_above_newer_routine_ones(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    client = app.test_client()
    staff_login(client)
    seed(app)
    refs, html = listed(client)
    assert refs == EXPECTED
    assert refs.index("OLD-EMERGENCY") < refs.index("ROUTINE-A") and refs.index("IP-EMERGENCY") < refs.index("ROUTINE-B")
    assert "Most urgent first" in html
    row = html[html.index(">IP-EMERGENCY</a>") :].split("</tr>")[0]
    assert "urgency-emergency" in row and "from the answers so far" in row and "emergency alert not acknowledged" in row
    acknowledged = html[html.index(">IP-URGENT-ACK</a>") :].split("</tr>")[0]
    assert "urgent alert acknowledged" in acknowledged
    # A sent intake is ranked by its evaluation's urgency (none here); its open alert is still shown as waiting.
    sent = html[html.index(">SENT-AFTER-ALERT</a>") :].split("</tr>")[0]
    assert "urgency-" not in sent and "urgent alert not acknowledged" in sent


def test_the_existing_sorts_stay_available(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    seed(app)
    by_change, html = listed(client, "?sort=updated")
    assert by_change[:3] == ["ROUTINE-A", "INVITED", "IP-NOFLAG"] and "Order by urgency, then waiting time" in html
    by_ref, _ = listed(client, "?sort=ref&dir=asc")
    assert by_ref == sorted(EXPECTED)
    by_submitted, _ = listed(client, "?sort=submitted&dir=asc")
    assert by_submitted[:3] == ["OLD-EMERGENCY", "REVIEWED-EMERGENCY", "SOON"]
    # An unknown sort falls back to the default order.
    assert listed(client, "?sort=bogus&dir=sideways")[0] == EXPECTED
    with app.extensions["triage_db"].session() as session:
        reverse = worklist.worklist_page(session, WorklistQuery(descending=False))
        ranks = [
            {"emergency": 3, "urgent": 2, "soon": 1}.get(
                r.top_urgency or (r.alert_urgency if r.status == "in_progress" else ""), 0
            )
            for r in reverse.rows
        ]
        assert ranks == sorted(ranks)  # ascending: the least urgent first


def test_the_default_order_takes_two_queries_whatever_the_page_size(app: Flask) -> None:
    seed(app)
    db = app.extensions["triage_db"]
    counts = []
    for per_page in (2, 7, 50):
        statements: list[str] = []

        def hit(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", hit)
        try:
            with db.session() as session:
                assert len(worklist.worklist_page(session, WorklistQuery(per_page=per_page)).rows) == min(per_page, len(EXPECTED))
        finally:
            event.remove(db.engine, "before_cursor_execute", hit)
        counts.append(len(statements))
    assert counts == [2, 2, 2]
