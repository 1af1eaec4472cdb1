"""The referral letter's stored state: the referral's details, the clinician's edits with history, the signature."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.db.clock import minute_text, utcnow
from triage.db.models import Intake, LetterRevision, TriageDecision, User
from triage.db.staff_accounts import registration_text
from triage.db.users import shown_name
from triage.domain.report.identifiers import mrn_problem, nhs_number_problem, normalise_nhs_number
from triage.domain.report.letter import FIELDS

TEXT_MAX = 4000
REFERRAL_LIMITS = {"referrer_name": 120, "referrer_practice": 200, "referrer_contact": 200}


class LetterRefused(Exception):
    """An edit the letter's state does not allow (a signed letter must be amended first); the message says why."""


@dataclass(frozen=True)
class Referral:
    """The referral's optional details: the patient's identifiers and who referred them."""

    nhs_number: str = ""
    mrn: str = ""
    referrer_name: str = ""
    referrer_practice: str = ""
    referrer_contact: str = ""


@dataclass(frozen=True)
class Sender:
    """The clinician a letter is from, as the letter names them."""

    name: str
    title: str = ""
    registration: str = ""


@dataclass(frozen=True)
class HistoryRow:
    """One saved state of the letter, for the page's history: who, when, what, and the texts as they then were."""

    revision: int
    action: str
    author: str
    at: str
    texts: Mapping[str, str]


@dataclass(frozen=True)
class LetterState:
    """The letter as stored: the clinician's texts (only fields they saved), struck differentials, signature, history."""

    revision: int
    texts: Mapping[str, str]
    struck: tuple[str, ...]
    signed_by: str
    signed_at: str
    newest_id: int
    history: tuple[HistoryRow, ...]

    @property
    def signed(self) -> bool:
        """Whether the current revision is signed and final."""
        return bool(self.signed_at)


def referral_problems(values: Mapping[str, str]) -> dict[str, str]:
    """Each refused referral field with the reason, by field name (empty when all are fine)."""
    problems = {}
    if problem := nhs_number_problem(values.get("nhs_number", "")):
        problems["nhs_number"] = problem
    if problem := mrn_problem(values.get("mrn", "")):
        problems["mrn"] = problem
    for name, limit in REFERRAL_LIMITS.items():
        if len(values.get(name, "").strip()) > limit:
            problems[name] = f"Keep this to at most {limit} characters."
    return problems


def clean_referral(values: Mapping[str, str]) -> Referral:
    """The referral as stored: NHS number digits only, the other fields trimmed (validate with referral_problems first)."""
    return Referral(
        nhs_number=normalise_nhs_number(values.get("nhs_number", "")),
        mrn=" ".join(values.get("mrn", "").split()),
        **{name: " ".join(values.get(name, "").split()) for name in REFERRAL_LIMITS},
    )


def referral_of(intake: Intake) -> Referral:
    """The intake's referral details."""
    return Referral(intake.nhs_number, intake.mrn, intake.referrer_name, intake.referrer_practice, intake.referrer_contact)


def set_referral(session: Session, intake_id: int, referral: Referral) -> list[str]:
    """Store the referral details; returns the names of the fields that changed (LookupError for no such intake)."""
    intake = session.get(Intake, intake_id)
    if intake is None:
        raise LookupError(intake_id)
    changed = []
    for name, value in vars(referral).items():
        if getattr(intake, name) != value:
            setattr(intake, name, value)
            changed.append(name)
    if changed:
        intake.updated_at = utcnow()
    return changed


def letter_state(session: Session, intake_id: int) -> LetterState | None:
    """The letter's newest stored state with its history, newest first (None until a clinician saves or signs it)."""
    rows = session.execute(
        select(LetterRevision, shown_name(User))
        .join(User, User.id == LetterRevision.user_id)
        .where(LetterRevision.intake_id == intake_id)
        .order_by(LetterRevision.id.desc())
    ).all()
    if not rows:
        return None
    newest, author = rows[0]
    history = tuple(HistoryRow(r.revision, r.action, a, minute_text(r.created_at), dict(r.texts)) for r, a in rows)
    return LetterState(
        revision=newest.revision,
        texts={k: str(v) for k, v in dict(newest.texts).items() if k in FIELDS},
        struck=tuple(str(s) for s in newest.struck),
        signed_by=author if newest.signed_at else "",
        signed_at=minute_text(newest.signed_at) if newest.signed_at else "",
        newest_id=newest.id,
        history=history,
    )


def _add(session: Session, intake_id: int, user_id: int, action: str, texts: Mapping[str, str], struck: Sequence[str]) -> int:
    state = letter_state(session, intake_id)
    revision = (state.revision if state else 1) + (1 if action == "amend" else 0)
    now = utcnow()
    row = LetterRevision(
        intake_id=intake_id,
        revision=revision,
        texts={f: texts[f] for f in FIELDS if f in texts},
        struck=sorted(set(struck)),
        action=action,
        user_id=user_id,
        created_at=now,
        signed_at=now if action == "sign" else None,
    )
    session.add(row)
    session.flush()
    return revision


def save_letter(session: Session, intake_id: int, user_id: int, texts: Mapping[str, str], struck: Sequence[str]) -> int:
    """Store an edit of an unsigned letter (texts: only the fields changed from the generated text); returns its revision."""
    state = letter_state(session, intake_id)
    if state is not None and state.signed:
        raise LetterRefused("This letter is signed: choose Amend to start a new revision before editing it.")
    return _add(session, intake_id, user_id, "edit", texts, struck)


def sign_letter(session: Session, intake_id: int, user_id: int, texts: Mapping[str, str], struck: Sequence[str]) -> int:
    """Sign and finalise the letter as it now reads; returns the signed revision."""
    state = letter_state(session, intake_id)
    if state is not None and state.signed:
        raise LetterRefused("This letter is already signed.")
    return _add(session, intake_id, user_id, "sign", texts, struck)


def amend_letter(session: Session, intake_id: int, user_id: int) -> int:
    """Start a new, unsigned revision of a signed letter from its signed text; returns the new revision."""
    state = letter_state(session, intake_id)
    if state is None or not state.signed:
        raise LetterRefused("Only a signed letter is amended; this one is still a draft you can edit.")
    return _add(session, intake_id, user_id, "amend", state.texts, state.struck)


def letter_sender(session: Session, intake_id: int, state: LetterState | None) -> Sender | None:
    """Who the letter is from: its signer, else its last editor, else who recorded the decision or reviewed the intake."""
    user_id = None
    if state is not None:
        user_id = session.scalar(select(LetterRevision.user_id).where(LetterRevision.id == state.newest_id))
    if user_id is None:
        user_id = session.scalar(
            select(TriageDecision.decided_by).where(TriageDecision.intake_id == intake_id).order_by(TriageDecision.id.desc())
        )
    if user_id is None:
        user_id = session.scalar(select(Intake.reviewed_by).where(Intake.id == intake_id))
    user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        return None
    return Sender(
        user.display_name.strip() or user.email,
        user.professional_title,
        registration_text(user.registration_type, user.registration_number),
    )
