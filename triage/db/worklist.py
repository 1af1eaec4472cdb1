"""Named queries for the clinician workspace: the worklist page, notes, feedback, review and re-evaluation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, case, func, select, update
from sqlalchemy.orm import Session, aliased

from triage.db.clock import as_utc, minute_text, utcnow
from triage.db.decisions import DECISIONS
from triage.db.intake_record import AnswersChanged, evaluation_result
from triage.db.intakes import StoredEvaluation, answers_sha256, load_answers
from triage.db.models import INTAKE_STATUSES, Alert, ClinicianNote, DifferentialFeedback, Evaluation, Intake, User
from triage.db.users import shown_name
from triage.domain.questionnaire.questions import Answer
from triage.domain.questionnaire.rules_view import answers_for_rules
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
REVIEWABLE = ("submitted",)
EVALUATED = ("submitted", "reviewed")


@dataclass(frozen=True)
class WorklistQuery:
    """Filters, search, sort and page of the worklist (already validated)."""

    status: str | None = None
    urgency: str | None = None
    q: str = ""
    decision: str | None = None  # one of DECISION_FILTERS
    assignee: int | str | None = None  # a clinician's user id, or UNASSIGNED
    sort: str = DEFAULT_SORT
    descending: bool = True
    page: int = 1
    per_page: int = PER_PAGE


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
    """One page of the worklist and where it sits in the whole."""

    rows: tuple[WorklistRow, ...]
    total: int
    page: int
    pages: int


def _newest_evaluations() -> Any:
    return (
        select(Evaluation.intake_id, func.max(Evaluation.id).label("evaluation_id"))
        .group_by(Evaluation.intake_id)
        .subquery("newest")
    )


def _urgency_rank(column: Any) -> Any:
    # The most urgent tier sorts highest; an intake without red flags sorts with 0.
    tiers = Urgency.flag_tiers()
    return case(*((column == tier.value, len(tiers) - tier.rank) for tier in tiers), else_=0)


# _urgency_rank's numbers back to the tiers they stand for.
RANK_TIERS = {len(Urgency.flag_tiers()) - tier.rank: tier.value for tier in Urgency.flag_tiers()}


def _alert_summary() -> Any:
    # Per intake: its most urgent alert, when the first was raised, and how many wait for acknowledgement.
    return (
        select(
            Alert.intake_id,
            func.max(_urgency_rank(Alert.urgency)).label("rank"),
            func.min(Alert.raised_at).label("raised_at"),
            func.sum(case((Alert.acknowledged_at.is_(None), 1), else_=0)).label("open"),
        )
        .group_by(Alert.intake_id)
        .subquery("alert_summary")
    )


def _worklist_select(query: WorklistQuery) -> tuple[Any, Any, Any]:
    newest = _newest_evaluations()
    alerts = _alert_summary()
    ev = aliased(Evaluation, name="ev")
    reviewer = aliased(User, name="reviewer")
    assignee = aliased(User, name="assignee")
    stmt = (
        select(
            Intake.id,
            Intake.ref,
            Intake.status,
            Intake.appointment_date,
            Intake.created_at,
            Intake.updated_at,
            Intake.submitted_at,
            ev.top_urgency,
            ev.top_differential,
            shown_name(reviewer),
            Intake.decision,
            shown_name(assignee),
            alerts.c.rank,
            alerts.c.open,
        )
        .outerjoin(newest, newest.c.intake_id == Intake.id)
        .outerjoin(ev, ev.id == newest.c.evaluation_id)
        .outerjoin(reviewer, reviewer.id == Intake.reviewed_by)
        .outerjoin(assignee, assignee.id == Intake.assigned_to)
        .outerjoin(alerts, alerts.c.intake_id == Intake.id)
    )
    if query.status:
        stmt = stmt.where(Intake.status == query.status)
    if query.urgency == Urgency.NONE:
        stmt = stmt.where(ev.top_urgency.is_(None))
    elif query.urgency:
        stmt = stmt.where(ev.top_urgency == query.urgency)
    if query.decision == UNDECIDED:
        stmt = stmt.where(Intake.decision.is_(None))
    elif query.decision:
        stmt = stmt.where(Intake.decision == query.decision)
    if query.assignee == UNASSIGNED:
        stmt = stmt.where(Intake.assigned_to.is_(None))
    elif isinstance(query.assignee, int):
        stmt = stmt.where(Intake.assigned_to == query.assignee)
    if query.q:
        stmt = stmt.where(Intake.ref.icontains(query.q[:MAX_QUERY], autoescape=True))
    return stmt, ev, alerts


def _priority_order(ev: Any, alerts: Any, descending: bool) -> list[Any]:
    """Urgency tier, then the longest waiting: the newest evaluation speaks for a sent intake, its alerts for one in progress."""
    evaluated = Intake.status.in_(EVALUATED)
    tier = case((evaluated, _urgency_rank(ev.top_urgency)), else_=func.coalesce(alerts.c.rank, 0))
    # Waiting since submission, or since the first alert of an intake still in progress; neither: not waiting, last.
    waiting = case((evaluated, Intake.submitted_at), else_=alerts.c.raised_at)
    if descending:
        return [tier.desc(), waiting.asc().nulls_last(), Intake.updated_at.desc()]
    return [tier.asc(), waiting.desc().nulls_last(), Intake.updated_at.asc()]


def worklist_page(session: Session, query: WorklistQuery) -> WorklistPage:
    """One page of intakes with their newest evaluation's top urgency and differential, decision and alerts: two queries."""
    stmt, ev, alerts = _worklist_select(query)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    columns = {
        "updated": Intake.updated_at,
        "created": Intake.created_at,
        "submitted": Intake.submitted_at,
        "appointment": Intake.appointment_date,
        "ref": Intake.ref,
        "status": Intake.status,
        "urgency": _urgency_rank(ev.top_urgency),
    }
    if query.sort in columns:
        column = columns[query.sort]
        order = [column.desc().nulls_last() if query.descending else column.asc().nulls_last()]
    else:
        order = _priority_order(ev, alerts, query.descending)
    pages = max(1, -(-total // query.per_page))
    page = min(max(1, query.page), pages)
    rows = session.execute(stmt.order_by(*order, Intake.id.desc()).limit(query.per_page).offset((page - 1) * query.per_page))
    return WorklistPage(
        rows=tuple(
            WorklistRow(
                r[0],
                r[1],
                r[2],
                r[3].isoformat() if r[3] else "",
                minute_text(r[4]),
                minute_text(r[5]),
                minute_text(r[6]),
                r[7] or "",
                r[8] or "",
                r[9] or "",
                decision=r[10] or "",
                assignee=r[11] or "",
                alert_urgency=RANK_TIERS.get(r[12] or 0, ""),
                alerts_open=int(r[13] or 0),
            )
            for r in rows
        ),
        total=total,
        page=page,
        pages=pages,
    )


def status_counts(session: Session) -> dict[str, int]:
    """How many intakes are in each status."""
    counts = dict.fromkeys(INTAKE_STATUSES, 0)
    counts.update({status: n for status, n in session.execute(select(Intake.status, func.count()).group_by(Intake.status))})
    return counts


def add_note(session: Session, intake_id: int, user_id: int, text: str) -> int:
    """Store a clinician's note; returns its id."""
    note = ClinicianNote(intake_id=intake_id, user_id=user_id, text=text, created_at=utcnow())
    session.add(note)
    session.flush()
    return note.id


def record_feedback(
    session: Session, intake_id: int, evaluation_id: int, differential_id: str, user_id: int, agrees: bool, reason: str
) -> bool:
    """Store agree/disagree on a differential of this intake's evaluation; False when either does not exist."""
    result = evaluation_result(session, intake_id, evaluation_id)
    if result is None or differential_id not in {
        str(d.get("id")) for d in result.get("differentials") or [] if isinstance(d, Mapping)
    }:
        return False
    session.add(
        DifferentialFeedback(
            intake_id=intake_id,
            evaluation_id=evaluation_id,
            differential_id=differential_id,
            user_id=user_id,
            agrees=agrees,
            reason=reason,
            created_at=utcnow(),
        )
    )
    session.flush()
    return True


def mark_reviewed(session: Session, intake_id: int, user_id: int) -> bool:
    """Mark a submitted intake reviewed by this user now; False when it is not awaiting review."""
    now = utcnow()
    outcome = session.execute(
        update(Intake)
        .where(Intake.id == intake_id, Intake.status.in_(REVIEWABLE))
        .values(status="reviewed", reviewed_by=user_id, reviewed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", outcome).rowcount == 1


def reevaluate(
    session: Session, intake_id: int, evaluate: Callable[[dict[str, Answer], dt.date], StoredEvaluation]
) -> tuple[int, int] | None:
    """Evaluate a submitted intake again and store the new result beside the old one: (old id, new id), or None.

    Raises AnswersChanged rather than evaluating answers that fail their integrity check.
    """
    intake = session.get(Intake, intake_id)
    if intake is None or intake.status not in EVALUATED:
        return None
    answers = load_answers(session, intake_id)
    if intake.answers_sha256 and answers_sha256(answers) != intake.answers_sha256:
        raise AnswersChanged(f"intake {intake_id}: stored answers do not match their SHA-256")
    old = session.scalar(select(func.max(Evaluation.id)).where(Evaluation.intake_id == intake_id))
    on = as_utc(intake.submitted_at or intake.created_at).date()
    stored = evaluate(answers_for_rules(answers, intake.questionnaire_version), on)
    evaluation = Evaluation(intake_id=intake_id, created_at=utcnow(), reason="reevaluate", **stored.__dict__)
    session.add(evaluation)
    session.flush()
    return (old or 0), evaluation.id
