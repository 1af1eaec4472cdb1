"""The worklist columns stay true: after random saves, evaluations, alerts and decisions they equal a full recomputation.

On SQLite and PostgreSQL the triggers of migration 0009 keep them, whoever writes: every writer of the app (invite, step
save, submit, re-evaluate, raise, acknowledge, escalate, decide, review) and plain ORM writes (an evaluation, an alert,
a status set on the object, deletions). Random transactions of random changes, then every intake's stored columns and
the status counts are compared with what the evaluations, alerts and intakes themselves give, and the default order,
read page by page through its cursors, with the order its rule gives.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.config import Settings
from triage.db import alert_queue, decisions, users, worklist
from triage.db import intakes as queries
from triage.db.alerts import Actor, AlertMail, raise_alerts
from triage.db.clock import as_utc, utcnow
from triage.db.intakes import StoredEvaluation
from triage.db.models import Alert, Evaluation, Intake, IntakeStatusCount, User
from triage.db.session import Database
from triage.db.worklist import WorklistQuery
from triage.domain.engine.red_flags import Flag
from triage.domain.questionnaire.questions import default_questionnaire
from triage.domain.scales import Urgency

TIERS = Urgency.flag_tiers()
RANKS = {tier.value: len(TIERS) - tier.rank for tier in TIERS}  # the worklist's rule: the most urgent highest
URGENCIES = (None, "soon", "urgent", "emergency")
DIFFERENTIALS = (None, "ibs", "celiac_disease", "gerd")
OPERATIONS = (
    "invite",
    "save",
    "submit",
    "reevaluate",
    "raise",
    "acknowledge",
    "escalate",
    "decide",
    "review",
    "orm_evaluation",
    "orm_alert",
    "orm_status",
    "delete_alert",
    "delete_evaluation",
)
SOURCES = ("urgency_rank", "top_differential", "alert_rank", "alerts_open", "first_alert_at", "queue_time", "queue_order")
WHO = Actor("test", "system")
NO_MAIL = AlertMail("", "http://localhost")
counter = itertools.count(1)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """The test's migrated database, with two clinicians."""
    db = Database(db_url)
    with db.session() as session:
        for n in (1, 2):
            users.create_user(session, f"clinician{n}@example.org", "correct horse battery staple 9", ("clinician",))
    yield db
    db.dispose()


def result(urgency: str | None, differential: str | None) -> StoredEvaluation:
    """A stored evaluation with this top urgency and differential."""
    data = {"ruleset": {"version": "t", "hash": "0" * 64}, "red_flags": [], "differentials": []}
    return StoredEvaluation("t", "0" * 64, data, [], differential, urgency)


def _later(minutes: int) -> dt.datetime:
    return utcnow() + dt.timedelta(minutes=minutes)


def apply(session: Session, operation: str, intake: Intake | None, urgency: str | None, differential: str | None) -> None:
    """One change, through the writer it names (a change that does not apply to the intake's state does nothing)."""
    if operation == "invite" or intake is None:
        queries.create_invitation(
            session, ref=f"Ref-{next(counter)}", questionnaire_version=default_questionnaire().version, expires_days=30
        )
        return
    clinician, colleague = session.scalars(select(User.id).order_by(User.id).limit(2)).all()
    sent = intake.status in ("submitted", "reviewed")
    if operation == "save" and not sent:
        queries.save_step(session, intake, {"full_name": "Pat Example"}, {})
    elif operation == "submit" and not sent:
        queries.submit_intake(session, intake, lambda _answers: result(urgency, differential))
    elif operation == "reevaluate" and sent:
        worklist.reevaluate(session, intake.id, lambda _answers, _on: result(urgency, differential))
    elif operation == "raise" and urgency in ("urgent", "emergency"):
        flags = [Flag(f"rf_{differential}", Urgency(urgency))]
        raise_alerts(session, intake.id, flags, "submitted" if sent else "in_progress", NO_MAIL, WHO)
    elif operation == "acknowledge":
        for alert_id in session.scalars(select(Alert.id).where(Alert.intake_id == intake.id)):
            alert_queue.acknowledge(session, alert_id, clinician, "called_patient", "", utcnow())
    elif operation == "escalate":
        alert_queue.escalate_due(session, _later(24 * 60), Settings(TRIAGE_ENV="test"))
    elif operation == "decide" and sent:
        decisions.record_decision(session, intake.id, "urgent", colleague if differential else None, clinician)
    elif operation == "review" and sent:
        worklist.mark_reviewed(session, intake.id, clinician)
    else:
        apply_orm(session, operation, intake, urgency, differential)


def apply_orm(session: Session, operation: str, intake: Intake, urgency: str | None, differential: str | None) -> None:
    """A change written through the ORM alone, as a test or a script might."""
    if operation == "orm_evaluation":
        session.add(
            Evaluation(intake_id=intake.id, reason="reevaluate", created_at=utcnow(), **result(urgency, differential).__dict__)
        )
    elif (
        operation == "orm_alert"
        and urgency
        and not session.scalar(select(Alert.id).where(Alert.intake_id == intake.id, Alert.urgency == urgency))
    ):
        session.add(
            Alert(
                intake_id=intake.id,
                urgency=urgency,
                rule_ids=["rf_orm"],
                raised_at=_later(-len(urgency)),
                raised_while="in_progress",
            )
        )
    elif operation == "orm_status":
        intake.status = {"invited": "in_progress", "in_progress": "submitted", "submitted": "reviewed"}.get(
            intake.status, "reviewed"
        )
        intake.submitted_at = intake.submitted_at or utcnow()
    elif operation == "delete_alert":
        for alert in session.scalars(select(Alert).where(Alert.intake_id == intake.id).limit(1)):
            session.delete(alert)
    elif operation == "delete_evaluation":
        for evaluation in session.scalars(
            select(Evaluation).where(Evaluation.intake_id == intake.id).order_by(Evaluation.id.desc()).limit(1)
        ):
            session.delete(evaluation)
    session.flush()


def stored(session: Session) -> dict[int, tuple[Any, ...]]:
    """Every intake's stored worklist columns (times as UTC)."""
    rows = session.execute(select(Intake.id, *(getattr(Intake, name) for name in SOURCES), Intake.ref_key))
    return {r[0]: tuple(as_utc(v) if isinstance(v, dt.datetime) else v for v in r[1:]) for r in rows}


def recomputed(session: Session) -> dict[int, tuple[Any, ...]]:
    """The same columns computed here from the evaluations, alerts and intakes (the rule in words, not the triggers)."""
    newest: dict[int, Evaluation] = {}
    for evaluation in session.scalars(select(Evaluation).order_by(Evaluation.id)):
        newest[evaluation.intake_id] = evaluation
    alerts: dict[int, list[Alert]] = {}
    for alert in session.scalars(select(Alert)):
        alerts.setdefault(alert.intake_id, []).append(alert)
    columns = {}
    for intake in session.scalars(select(Intake)):
        latest, mine = newest.get(intake.id), alerts.get(intake.id, [])
        rank = RANKS.get(latest.top_urgency or "", 0) if latest else 0
        alert_rank = max((RANKS.get(a.urgency, 0) for a in mine), default=0)
        first = min((as_utc(a.raised_at) for a in mine), default=None)
        sent = intake.status in ("submitted", "reviewed")
        waiting = as_utc(intake.submitted_at) if sent and intake.submitted_at else (None if sent else first)
        queue = 4 if waiting is None else 3 - (rank if sent else alert_rank)
        queue_time = waiting or as_utc(intake.updated_at)  # waiting for nobody: the last change
        open_alerts = sum(a.acknowledged_at is None for a in mine)
        differential = latest.top_differential if latest else None
        columns[intake.id] = (rank, differential, alert_rank, open_alerts, first, queue_time, queue, intake.ref.lower())
    return columns


def default_order(columns: dict[int, tuple[Any, ...]]) -> list[int]:
    """The default order by its rule: each tier, the longest waiting first; then those waiting for nobody, newest change first."""
    waiting = sorted((c[6], c[5], i) for i, c in columns.items() if c[6] < 4)
    idle = sorted(((c[5], i) for i, c in columns.items() if c[6] == 4), reverse=True)
    return [key[-1] for key in waiting] + [key[-1] for key in idle]


def read_all_pages(session: Session, per_page: int) -> list[int]:
    """The default order as the worklist shows it, page after page through the next-page cursors."""
    page = worklist.worklist_page(session, WorklistQuery(per_page=per_page))
    shown = [row.id for row in page.rows]
    while page.next_cursor:
        page = worklist.worklist_page(session, WorklistQuery(per_page=per_page, page=page.page + 1, after=page.next_cursor))
        shown += [row.id for row in page.rows]
    return shown


step = st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 9), st.sampled_from(URGENCIES), st.sampled_from(DIFFERENTIALS))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(transactions=st.lists(st.lists(step, min_size=1, max_size=4), min_size=1, max_size=10))
def test_the_stored_worklist_columns_equal_a_full_recomputation(database: Database, transactions: list[list[Any]]) -> None:
    for changes in transactions:
        with database.session() as session:
            for operation, pick, urgency, differential in changes:
                ids = list(session.scalars(select(Intake.id).order_by(Intake.id)))
                intake = session.get(Intake, ids[pick % len(ids)]) if ids else None
                apply(session, operation, intake, urgency, differential)
    with database.session() as session:
        columns = recomputed(session)
        assert stored(session) == columns
        by_status = dict(session.execute(select(Intake.status, func.count()).group_by(Intake.status)).all())
        counted = {s: n for s, n in session.execute(select(IntakeStatusCount.status, IntakeStatusCount.total)) if n}
        assert counted == by_status
        assert read_all_pages(session, per_page=4) == default_order(columns)
