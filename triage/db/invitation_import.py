"""Invitations created from checked details (form, CLI, CSV): intake, referral and queued messages in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.db import letters
from triage.db.clock import utcnow
from triage.db.intakes import OPEN_STATUSES, create_invitation
from triage.db.invitation_outbox import queue_invitation_messages
from triage.db.models import Intake, Invitation
from triage.domain.invitations.csv_rows import ParsedRow, RowRefusal
from triage.domain.invitations.fields import InvitationDetails

_CHUNK = 500  # references per IN (...) query


@dataclass(frozen=True)
class Created:
    """One invitation just created: its raw token (to show once, or to drop), its intake, what changed, what was queued."""

    token: str
    intake_id: int
    ref: str
    referral: tuple[str, ...]
    channels: tuple[str, ...]


def create_with_details(
    session: Session, details: InvitationDetails, *, questionnaire_version: str, expires_days: int, created_by: str
) -> Created:
    """Create the intake and invitation with every detail, and queue its messages (one per address) in this transaction."""
    token, intake = create_invitation(
        session,
        ref=details.ref,
        questionnaire_version=questionnaire_version,
        expires_days=expires_days,
        appointment_date=details.appointment_date,
        created_by=created_by,
        contact=details.contact,
        language=details.language,
    )
    referral = letters.set_referral(session, intake.id, letters.clean_referral(dict(details.referral)))
    assert intake.invitation is not None  # create_invitation always makes one
    queued = queue_invitation_messages(session, intake.invitation, kind="invitation", occasion="created")
    return Created(token, intake.id, details.ref, tuple(referral), tuple(m.channel for m in queued))


def open_references(session: Session, refs: Iterable[str]) -> dict[str, str]:
    """Of these references, those with an invitation still open (not submitted, revoked or expired), by lowercased ref."""
    wanted = sorted({ref.lower() for ref in refs if ref})
    now = utcnow()
    found: dict[str, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = session.execute(
            select(Intake.ref_key, Intake.ref)
            .join(Invitation, Invitation.intake_id == Intake.id)
            .where(
                Intake.ref_key.in_(wanted[start : start + _CHUNK]),
                Intake.status.in_(OPEN_STATUSES),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
        )
        found.update({key: ref for key, ref in rows})
    return found


def clashes(session: Session, rows: Sequence[ParsedRow]) -> list[RowRefusal]:
    """The rows whose reference already has an open invitation, each refused with the reason."""
    open_refs = open_references(session, (row.details.ref for row in rows))
    return [
        RowRefusal(row.line, row.details.ref, (f"ref: “{row.details.ref}” already has an open invitation.",))
        for row in rows
        if row.details.ref.lower() in open_refs
    ]


def import_rows(
    session: Session, rows: Sequence[ParsedRow], *, questionnaire_version: str, expires_days: int, created_by: str
) -> list[Created]:
    """Create every row's invitation in the caller's transaction (check `clashes` first; commit or roll back all).

    Each step flushes what it needs; reads in between do not flush again (a file's rows cost a third less).
    """
    version, days, by = questionnaire_version, expires_days, created_by
    with session.no_autoflush:
        return [
            create_with_details(session, row.details, questionnaire_version=version, expires_days=days, created_by=by)
            for row in rows
        ]
