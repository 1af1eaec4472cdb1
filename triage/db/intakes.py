"""Named queries for invitations, answers and submission (no Flask)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from triage.db.answer_rows import write_answers
from triage.db.clock import as_utc, iso_seconds, utcnow
from triage.db.models import Answer, Evaluation, Intake, Invitation, InvitationToken, RateLimitHit
from triage.domain.invitations.contact import InvitationContact
from triage.domain.questionnaire.questions import Answer as AnswerValue
from triage.domain.questionnaire.rules_view import answers_for_rules

OPEN_STATUSES = ("invited", "in_progress")
TOKEN_BYTES = 32  # 256 bits
INTAKES = cast(Table, Intake.__table__)
ANSWERS = cast(Table, Answer.__table__)
# Built once: these run on every patient step save, and a prepared statement skips building and keying it again.
LOAD_ANSWERS = select(ANSWERS.c.question_id, ANSWERS.c.value).where(ANSWERS.c.intake_id == bindparam("intake_id"))
CLAIM_OPEN = (
    update(INTAKES)
    .where(INTAKES.c.id == bindparam("intake_id"), INTAKES.c.status.in_(OPEN_STATUSES))
    .values(
        status="in_progress",
        updated_at=bindparam("now", type_=INTAKES.c.updated_at.type),
        pending_inputs=bindparam("pending", type_=INTAKES.c.pending_inputs.type),
    )
)


class IntakeLocked(RuntimeError):
    """The intake was submitted: its answers can no longer change."""


@dataclass(frozen=True)
class StoredEvaluation:
    """What the rules engine produced for one intake, ready to store."""

    ruleset_version: str
    ruleset_sha256: str
    result: dict[str, Any]
    fired_rules: list[str]
    top_differential: str | None
    top_urgency: str | None
    derived_facts_version: int | None = None


def token_digest(token: str) -> str:
    """The SHA-256 of an invitation token: the only form in which tokens are stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_invitation(
    session: Session,
    *,
    ref: str,
    questionnaire_version: str,
    expires_days: int,
    appointment_date: dt.date | None = None,
    created_by: str = "cli",
    contact: InvitationContact | None = None,
    language: str = "en",
) -> tuple[str, Intake]:
    """Create an intake and its private link; returns the raw token (shown once, never stored).

    `contact` holds the patient's name, date of birth, email, mobile and appointment time, when known.
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    intake = Intake(
        ref=ref,
        status="invited",
        questionnaire_version=questionnaire_version,
        appointment_date=appointment_date,
        created_at=now,
        updated_at=now,
        pending_inputs={},
        language=language,
    )
    contact = contact or InvitationContact()
    intake.invitation = Invitation(
        token_sha256=token_digest(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=expires_days),
        created_by=created_by,
        patient_name=contact.patient_name,
        date_of_birth=contact.date_of_birth,
        email=contact.email,
        mobile=contact.mobile,
        appointment_at=contact.appointment_at,
    )
    session.add(intake)
    session.flush()
    return token, intake


def invitation_for_token(session: Session, token: str) -> Invitation | None:
    """The invitation whose link this is, if any: the token made with it or one minted for a message it was sent in."""
    digest = token_digest(token)
    found = session.scalar(select(Invitation).where(Invitation.token_sha256 == digest))
    if found is not None:
        return found
    return session.scalar(
        select(Invitation)
        .join(InvitationToken, InvitationToken.invitation_id == Invitation.id)
        .where(InvitationToken.token_sha256 == digest, InvitationToken.purpose == "link")
    )


def link_state(invitation: Invitation, now: dt.datetime | None = None) -> str:
    """'open', 'expired', 'revoked' or 'submitted'."""
    now = now or utcnow()
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.intake.status not in OPEN_STATUSES:
        return "submitted"
    if as_utc(invitation.expires_at) <= now:
        return "expired"
    return "open"


def load_answers(session: Session, intake_id: int) -> dict[str, AnswerValue]:
    """Every stored answer of an intake, by question id."""
    return {qid: value for qid, value in session.execute(LOAD_ANSWERS, {"intake_id": intake_id})}


def _rowcount(outcome: Any) -> int:
    # An UPDATE's result is a CursorResult; Session.execute is typed as returning the generic Result.
    return cast("CursorResult[Any]", outcome).rowcount


def save_step(
    session: Session,
    intake: Intake,
    values: Mapping[str, AnswerValue | None],
    pending: Mapping[str, Any],
    drop: Collection[str] = (),
) -> None:
    """Store one step's answers at once, valid or not (invalid raw input is kept as pending); `drop` removes pending keys.

    `values` should hold only the answers that change (None removes one): they are written as one upsert and one
    delete, after the intake's row is claimed; three statements at most, whatever the step's size.
    """
    now = utcnow()
    kept = {k: v for k, v in (intake.pending_inputs or {}).items() if k not in values and k not in drop}
    merged = kept | dict(pending)
    session.flush()  # what the session holds goes first, as an ORM statement's autoflush would (Core's does not)
    # Guarded in SQL, not from the in-memory status: a submit that raced ahead must win.
    claimed = session.execute(CLAIM_OPEN, {"intake_id": intake.id, "now": now, "pending": merged})
    if _rowcount(claimed) != 1:
        raise IntakeLocked(f"intake {intake.id} is no longer open")
    changed: tuple[tuple[str, Any], ...] = (("status", "in_progress"), ("updated_at", now), ("pending_inputs", merged))
    for key, column_value in changed:
        set_committed_value(intake, key, column_value)
    write_answers(session, intake.id, intake.questionnaire_version, values, now)


def _canonical_value(value: Any) -> Any:
    # JSON columns on SQLite hand 165.0 back as 165: hash whole numbers one way on every database.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_canonical_value(v) for v in value]
    return value


def canonical_answers_json(answers: Mapping[str, AnswerValue]) -> str:
    """The canonical JSON of an intake's answers (sorted keys, no spaces) that its hash covers."""
    normalised = {k: _canonical_value(v) for k, v in answers.items()}
    return json.dumps(normalised, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def answers_sha256(answers: Mapping[str, AnswerValue]) -> str:
    """SHA-256 over the canonical answers JSON, stored at submit and re-checked on every view."""
    return hashlib.sha256(canonical_answers_json(answers).encode()).hexdigest()


def submit_intake(session: Session, intake: Intake, evaluate: Callable[[dict[str, AnswerValue]], StoredEvaluation]) -> bool:
    """Submit once: returns False when the intake was already submitted (by this or another request)."""
    answers = load_answers(session, intake.id)
    evaluation = evaluate(answers_for_rules(answers, intake.questionnaire_version))
    now = utcnow()
    # A conditional UPDATE is atomic on both databases, so two racing submits produce one winner.
    claimed = session.execute(
        update(Intake)
        .where(Intake.id == intake.id, Intake.status.in_(OPEN_STATUSES))
        .values(status="submitted", submitted_at=now, updated_at=now, answers_sha256=answers_sha256(answers), pending_inputs={})
        .execution_options(synchronize_session=False)
    )
    if _rowcount(claimed) != 1:
        return False
    session.add(Evaluation(intake_id=intake.id, created_at=now, reason="submit", **evaluation.__dict__))
    session.flush()
    session.refresh(intake)
    return True


def latest_evaluation(session: Session, intake_id: int) -> Evaluation | None:
    """The newest stored evaluation of an intake."""
    return session.scalar(
        select(Evaluation)
        .where(Evaluation.intake_id == intake_id)
        .order_by(Evaluation.created_at.desc(), Evaluation.id.desc())
        .limit(1)
    )


def list_intakes(session: Session) -> list[dict[str, Any]]:
    """Every intake as plain data (id, ref, status and times), newest first."""
    rows = session.execute(
        select(Intake.id, Intake.ref, Intake.status, Intake.created_at, Intake.updated_at, Intake.submitted_at).order_by(
            Intake.id.desc()
        )
    )
    return [
        {
            "id": r.id,
            "ref": r.ref,
            "status": r.status,
            "created": iso_seconds(r.created_at),
            "updated": iso_seconds(r.updated_at),
            "submitted": iso_seconds(r.submitted_at),
        }
        for r in rows
    ]


def count_hit(session: Session, key: str, window_seconds: int, now: dt.datetime | None = None) -> int:
    """Count one event in the current fixed window for a key and return the window's total."""
    window = int((now or utcnow()).timestamp()) // window_seconds
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(RateLimitHit).values(key=key, window=window, count=1)
    statement = statement.on_conflict_do_update(index_elements=["key", "window"], set_={"count": RateLimitHit.count + 1})
    session.execute(statement)
    return session.scalar(select(func.max(RateLimitHit.count)).where(RateLimitHit.key == key, RateLimitHit.window == window)) or 0


def hits_in_window(session: Session, key: str, window_seconds: int, now: dt.datetime | None = None) -> int:
    """How many events a key has in the current window, without counting one."""
    window = int((now or utcnow()).timestamp()) // window_seconds
    return session.scalar(select(RateLimitHit.count).where(RateLimitHit.key == key, RateLimitHit.window == window)) or 0


def refuse_changes_after_submit(session: Session, _context: Any, _instances: Any) -> None:
    """A before_flush guard (registered by Database): a submitted intake's answers never change through the ORM."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Answer) and obj.intake is not None and obj.intake.status not in OPEN_STATUSES:
            raise IntakeLocked(f"answers of submitted intake {obj.intake_id} cannot change")
