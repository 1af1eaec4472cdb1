"""Retention in tests: an intake with a row in every table that hangs off it, all dated at a time the test chooses."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.db import audit
from triage.db.models import (
    Alert,
    Answer,
    BackgroundJob,
    Base,
    ClinicianNote,
    DifferentialFeedback,
    Evaluation,
    Intake,
    Invitation,
    InvitationToken,
    LetterRevision,
    OutboxMessage,
    PatientInterrupt,
    PatientSession,
    PdfCache,
    TriageDecision,
)
from triage.domain.questionnaire.questions import default_questionnaire

counter = itertools.count(1)
VERSION = default_questionnaire().version
RESULT = {"ruleset": {"version": "t", "hash": "0" * 64}, "red_flags": [], "differentials": []}


def _hash(label: str) -> str:
    return hashlib.sha256(f"{label}-{next(counter)}".encode()).hexdigest()


def seed_intake(session: Session, ref: str, at: dt.datetime, user_id: int, *, letter: bool = True) -> int:
    """A submitted, reviewed intake whose every row (answers to audit) is dated `at`; its id."""
    intake = Intake(
        ref=ref,
        status="submitted",
        questionnaire_version=VERSION,
        created_at=at,
        updated_at=at,
        submitted_at=at,
        answers_sha256="0" * 64,
    )
    session.add(intake)
    session.flush()
    invitation = Invitation(
        token_sha256=_hash("link"), intake_id=intake.id, created_at=at, expires_at=at + dt.timedelta(days=30),
        patient_name="Pat Example", email="pat@example.org", mobile="+447700900123", opened_at=at, verified_at=at,
    )  # fmt: skip
    session.add(invitation)
    session.add(
        Answer(intake_id=intake.id, question_id="full_name", questionnaire_version=VERSION, value="Pat Example", updated_at=at)
    )
    evaluation = Evaluation(
        intake_id=intake.id, ruleset_version="t", ruleset_sha256="0" * 64, result=RESULT, fired_rules=[],
        top_differential="ibs", top_urgency="urgent", created_at=at,
    )  # fmt: skip
    session.add(evaluation)
    session.flush()
    message = OutboxMessage(
        kind="invitation", channel="email", recipient="pat@example.org", subject="Your questionnaire", body="",
        intake_id=intake.id, dedupe_key=f"invitation:{intake.id}:{next(counter)}", status="sent", created_at=at, sent_at=at,
        due_at=at, details={"invitation_id": invitation.id},
    )  # fmt: skip
    session.add(message)
    session.flush()
    session.add_all(
        [
            Alert(
                intake_id=intake.id,
                urgency="urgent",
                rule_ids=["rf_x"],
                raised_at=at,
                acknowledged_at=at,
                acknowledged_by=user_id,
            ),
            PatientInterrupt(intake_id=intake.id, urgency="urgent", rule_ids=["rf_x"], step_id="s", shown_at=at),
            TriageDecision(intake_id=intake.id, decision="routine", decided_by=user_id, decided_at=at),
            ClinicianNote(intake_id=intake.id, user_id=user_id, text="Seen in clinic.", created_at=at),
            DifferentialFeedback(
                intake_id=intake.id,
                evaluation_id=evaluation.id,
                differential_id="ibs",
                user_id=user_id,
                agrees=True,
                created_at=at,
            ),
            PdfCache(key_sha256=_hash("pdf"), intake_id=intake.id, pdf=b"%PDF-1.7 letter", created_at=at),
            InvitationToken(
                invitation_id=invitation.id,
                purpose="link",
                token_sha256=_hash("token"),
                created_at=at,
                outbox_message_id=message.id,
            ),
            PatientSession(
                id_sha256=_hash("session"),
                intake_id=intake.id,
                invitation_id=invitation.id,
                created_at=at,
                last_seen_at=at,
                expires_at=at + dt.timedelta(hours=2),
            ),  # fmt: skip
            BackgroundJob(
                kind="letter_pdf", job_key=f"letter_pdf:{intake.id}", payload={"intake_id": intake.id}, status="failed", due_at=at
            ),
        ]
    )
    if letter:
        session.add(
            LetterRevision(
                intake_id=intake.id,
                revision=1,
                texts={"plan": "Bloods."},
                struck=[],
                action="sign",
                user_id=user_id,
                created_at=at,
                signed_at=at,
            )  # fmt: skip
        )
    session.flush()
    audit.record(session, actor="clinician@example.org", role="clinician", action="intake.view", intake_id=intake.id)
    return intake.id


def seed_message(session: Session, status: str, at: dt.datetime) -> int:
    """A message about no intake (e.g. a password reset), created (and sent, when sent) at `at`; its id."""
    message = OutboxMessage(
        kind="password_reset", channel="email", recipient="staff@example.org", subject="Reset", body="b",
        dedupe_key=f"reset:{next(counter)}", status=status, created_at=at, due_at=at, sent_at=at if status == "sent" else None,
    )  # fmt: skip
    session.add(message)
    session.flush()
    return message.id


def rows_naming(session: Session, intake_id: int, invitation_ids: list[int]) -> dict[str, int]:
    """In every table but the audit log, the rows that name this intake or its invitations (by any such column)."""
    found: dict[str, int] = {}
    for table in Base.metadata.tables.values():
        if table.name == "audit_events":
            continue
        for column, keys in (("intake_id", [intake_id]), ("invitation_id", invitation_ids)):
            if column in table.c and keys:
                found[f"{table.name}.{column}"] = (
                    session.scalar(select(func.count()).select_from(table).where(table.c[column].in_(keys))) or 0
                )
    found["intakes.id"] = session.scalar(select(func.count()).select_from(Intake).where(Intake.id == intake_id)) or 0
    payloads = session.scalars(select(BackgroundJob.payload))
    found["background_jobs.payload"] = sum(1 for p in payloads if isinstance(p, dict) and p.get("intake_id") == intake_id)
    return found


def snapshot(session: Session, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but those skipped), sorted, as plain tuples."""
    return {
        table.name: sorted((tuple(map(repr, row)) for row in session.execute(select(table))), key=repr)
        for table in Base.metadata.sorted_tables
        if table.name not in skip
    }
