"""The patient's signed session: which intake it is bound to, re-checked in the database on every request."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, session
from sqlalchemy.orm import Session

from triage.db import audit, patient_links
from triage.db import intakes as queries
from triage.db.models import Intake, Invitation
from triage.domain.questionnaire.questions import Answer, Questionnaire, default_questionnaire
from triage.web.errors import render_error
from triage.web.patient.flow import Progress
from triage.web.security import client_ip

log = logging.getLogger("triage.patient")

SESSION_KEY = "patient"
LINK_LIMIT_PREFIX = "patient-link:"
MAX_TOKEN_CHARS = 128
NO_SESSION = "We could not find your questionnaire. Please open the private link your clinic sent you again."
LINK_CLOSED = "This link can no longer be used. Please ask your clinic for a new link."
LOCKED = (
    "Your answers have already been sent to your clinic, so they can no longer be changed. "
    "If something has changed, please tell the clinic."
)


@dataclass
class Bound:
    """The intake this browser's session is bound to, with its invitation and the link's state."""

    intake: Intake
    invitation: Invitation
    state: str  # 'open', 'expired', 'revoked' or 'submitted'

    @property
    def actor(self) -> str:
        """How audit rows name this patient: by invitation, never by token or name."""
        return f"invitation:{self.invitation.id}"

    def progress(self, db_session: Session, questionnaire: Questionnaire | None = None) -> tuple[Progress, dict[str, Answer]]:
        """The intake's progress and its stored answers."""
        stored = queries.load_answers(db_session, self.intake.id)
        return Progress.of(questionnaire or default_questionnaire(), stored, self.intake.pending_inputs), stored


def bind(invitation: Invitation) -> None:
    """Bind this browser's session to the invitation's intake (the token itself is never kept)."""
    session[SESSION_KEY] = {"intake": invitation.intake_id, "invitation": invitation.id}
    session.permanent = True


def load_bound(db_session: Session, lock: bool = False) -> Bound | None:
    """The bound intake, re-read from the database (locked for update when the request will write)."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    intake_id, invitation_id = data.get("intake"), data.get("invitation")
    if not isinstance(intake_id, int) or not isinstance(invitation_id, int):
        return None
    rows = patient_links.bound_rows(db_session, intake_id, invitation_id, lock)
    if rows is None:
        return None
    intake, invitation = rows
    return Bound(intake, invitation, queries.link_state(invitation))


def closed_link_page() -> tuple[str, int]:
    """The page for a link that cannot be used any more (expired or revoked): 410, revealing nothing."""
    return render_error(410, LINK_CLOSED)


def no_session_page() -> tuple[str, int]:
    """The page for a browser whose session is bound to no intake."""
    return render_error(404, NO_SESSION)


def locked_page() -> tuple[str, int]:
    """The page for a change posted after submission."""
    return render_error(409, LOCKED)


def _limit_key() -> str:
    return LINK_LIMIT_PREFIX + client_ip()


def link_attempts_exceeded(db_session: Session) -> bool:
    """Whether this client address has had too many bad links in the current window."""
    config = current_app.config
    hits = queries.hits_in_window(db_session, _limit_key(), config["PATIENT_LINK_WINDOW_SECONDS"])
    return hits >= int(config["PATIENT_LINK_MAX_FAILURES"])


def refuse_link(db_session: Session, reason: str, invitation: Invitation | None = None) -> None:
    """Count a failed link attempt against the client address and write an audit row (no token in either)."""
    if invitation is None:
        queries.count_hit(db_session, _limit_key(), current_app.config["PATIENT_LINK_WINDOW_SECONDS"])
    audit.record(
        db_session,
        actor=f"invitation:{invitation.id}" if invitation else "anonymous",
        role="patient",
        action="invitation.open",
        intake_id=invitation.intake_id if invitation else None,
        ip=client_ip(),
        outcome="denied",
        detail=reason,
    )
    log.info("patient link refused: %s", reason)


def plausible_token(token: str) -> bool:
    """Whether a token is worth looking up at all (tokens are URL-safe base64, 43 characters)."""
    return 0 < len(token) <= MAX_TOKEN_CHARS and token.isascii() and token.isprintable()
