"""The language an intake is answered in: changed by the patient, read by the pages (and later the clinician's)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from triage.db import audit
from triage.db.models import Intake


def set_language(db_session: Session, intake: Intake, code: str, *, actor: str, ip: str | None) -> bool:
    """Store the patient's language on the intake (an audit row says so); False when it was already that language."""
    if intake.language == code:
        return False
    intake.language = code
    audit.record(db_session, actor=actor, role="patient", action="intake.language", intake_id=intake.id, ip=ip, detail=code)
    return True
