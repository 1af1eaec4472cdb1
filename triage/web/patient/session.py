"""The patient's session: the signed cookie holds only a random id; the server-side row says which intake it is bound to.

The id is looked up (by its SHA-256) on every request, so revocation and expiry hold at once, and nobody who knows the
secret key can forge a session for another patient's intake: there is no guessable id to put in a cookie.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, session
from flask_babel import gettext
from sqlalchemy.orm import Session

from triage.db import audit, patient_links, patient_sessions
from triage.db import intakes as queries
from triage.db.clock import utcnow
from triage.db.models import Intake, Invitation
from triage.domain.questionnaire.known import invitation_details, known_answers
from triage.domain.questionnaire.questions import Answer, Questionnaire, questionnaire_for
from triage.web.errors import render_error
from triage.web.patient.flow import Progress, in_order
from triage.web.patient.translate import N_
from triage.web.security import client_ip

log = logging.getLogger("triage.patient")

SESSION_KEY = "patient"
LINK_LIMIT_PREFIX = "patient-link:"
MAX_TOKEN_CHARS = 128
NO_SESSION = N_("We could not find your questionnaire. Please open the private link your clinic sent you again.")
LINK_CLOSED = N_("This link can no longer be used. Please ask your clinic for a new link.")
LOCKED = N_(
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

    @property
    def questionnaire(self) -> Questionnaire:
        """The questionnaire of the version this intake was created with (an old intake keeps its old questions)."""
        return questionnaire_for(self.intake.questionnaire_version)

    def known_answers(self) -> dict[str, Answer]:
        """The answers this intake's invitation gives (its name, its date of birth): shown on the form, not asked."""
        details = invitation_details(self.invitation.patient_name, self.invitation.date_of_birth)
        return known_answers(in_order(self.questionnaire), details)

    def progress(self, db_session: Session, questionnaire: Questionnaire | None = None) -> tuple[Progress, dict[str, Answer]]:
        """The intake's progress and its stored answers (in the intake's own questionnaire unless one is given)."""
        stored = queries.load_answers(db_session, self.intake.id)
        return Progress.of(questionnaire or self.questionnaire, stored, self.intake.pending_inputs), stored


def _lifetime() -> timedelta:
    return timedelta(seconds=current_app.permanent_session_lifetime.total_seconds())


def bind(db_session: Session, invitation: Invitation) -> None:
    """Bind this browser to the invitation's intake through a new server-side session (the link's token is never kept).

    The session shows nothing until the patient passes the date-of-birth check; an invitation that records no date
    of birth (made before the check, or by hand without one) has nothing to check, so its session is verified at once.
    A session this browser had before (another patient's on a shared computer, or this one's) ends at once; sessions
    of the same invitation in other browsers go on, as a patient may move from a phone to a computer.
    """
    _end_previous(db_session)
    now = utcnow()
    unchecked = invitation.date_of_birth is None
    if invitation.opened_at is None:
        invitation.opened_at = now
    if unchecked and invitation.verified_at is None:
        invitation.verified_at = now
    raw_id = patient_sessions.start(db_session, invitation.intake_id, invitation.id, _lifetime(), verified=unchecked)
    session[SESSION_KEY] = raw_id
    session.permanent = True


def bind_decoy(db_session: Session) -> None:
    """For a link that matches no invitation: a session id of the same shape, bound to nothing (the check always fails)."""
    _end_previous(db_session)
    session[SESSION_KEY] = patient_sessions.new_id()
    session.permanent = True


def _end_previous(db_session: Session) -> None:
    previous = session.get(SESSION_KEY)
    if isinstance(previous, str):
        patient_sessions.revoke(db_session, previous)


@dataclass
class Checking:
    """A browser at the date-of-birth check: its session id, and the invitation (None for a decoy) and link state."""

    raw_id: str
    invitation: Invitation | None
    state: str = "decoy"  # 'decoy', or the link's state: 'open', 'expired', 'revoked', 'submitted'
    verified: bool = False

    @property
    def actor(self) -> str:
        """How audit rows name this patient: the invitation, or anonymous for a link that matches none."""
        return f"invitation:{self.invitation.id}" if self.invitation else "anonymous"


def load_checking(db_session: Session) -> Checking | None:
    """The check's view of this browser's session; None when it has none (or one that ended).

    An id with no session row at all is a decoy (given for a link that matches no invitation). The page language
    is not taken from the intake here, so a real link's check page and a decoy's are the same.
    """
    raw_id = session.get(SESSION_KEY)
    if not isinstance(raw_id, str) or not raw_id or len(raw_id) > patient_sessions.MAX_ID_CHARS:
        return None
    live = patient_sessions.current(db_session, raw_id, _lifetime())
    if live is None:
        return Checking(raw_id, None) if patient_sessions.row_of(db_session, raw_id) is None else None
    invitation = db_session.get(Invitation, live.invitation_id)
    if invitation is None:
        return None
    return Checking(raw_id, invitation, queries.link_state(invitation), live.verified_at is not None)


def check_pending(db_session: Session) -> bool:
    """Whether this browser's session waits for the date-of-birth check (or is a decoy, which always waits)."""
    checking = load_checking(db_session)
    return checking is not None and not checking.verified


def load_bound(db_session: Session, lock: bool = False) -> Bound | None:
    """The bound intake of a verified session, re-read from the database (locked for update when the request will write).

    None for a session that has not passed the date-of-birth check (see check_pending).
    """
    raw_id = session.get(SESSION_KEY)
    if not isinstance(raw_id, str):
        return None
    live = patient_sessions.current(db_session, raw_id, _lifetime())
    if live is None or live.verified_at is None:
        return None  # deny by default: nothing is shown before the date-of-birth check
    rows = patient_links.bound_rows(db_session, live.intake_id, live.invitation_id, lock)
    if rows is None:
        return None
    intake, invitation = rows
    g.patient_language = intake.language  # the locale selector (triage/web/i18n.py) shows the page in it
    return Bound(intake, invitation, queries.link_state(invitation))


def closed_link_page() -> tuple[str, int]:
    """The page for a link that cannot be used any more (expired or revoked): 410, revealing nothing."""
    return render_error(410, gettext(LINK_CLOSED))


def no_session_page() -> tuple[str, int]:
    """The page for a browser whose session is bound to no intake."""
    return render_error(404, gettext(NO_SESSION))


def locked_page() -> tuple[str, int]:
    """The page for a change posted after submission."""
    return render_error(409, gettext(LOCKED))


def _limit_key() -> str:
    return LINK_LIMIT_PREFIX + client_ip()


def link_attempts_exceeded(db_session: Session, invitation: Invitation | None) -> bool:
    """Whether this link is refused for now: a bad link from an address over its limit, or a valid one opened too often.

    Bad links count per client address (guessing); a valid link counts per invitation, so a clinic's shared address
    that has sent many bad links still opens its patients' valid ones.
    """
    config = current_app.config
    window = int(config["PATIENT_LINK_WINDOW_SECONDS"])
    if invitation is not None:
        return patient_sessions.opened_in_window(db_session, invitation.id, window) >= int(config["PATIENT_LINK_MAX_OPENS"])
    hits = queries.hits_in_window(db_session, _limit_key(), window)
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
