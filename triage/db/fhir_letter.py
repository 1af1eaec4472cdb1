"""The intake's signed letter as the plain data its DocumentReference is built from (the PDF is added by triage.pdf)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.db.clock import as_utc
from triage.db.models import LetterRevision, User
from triage.domain.report.fhir_document import SignedLetter

# What the FHIR reads and searches ask for an intake's letter: the signed letter (with its PDF when the caller has it).
LetterSource = Callable[[Session, int], SignedLetter | None]


def signed_letter(session: Session, intake_id: int) -> SignedLetter | None:
    """The intake's letter when its newest revision is signed and final, without its PDF; None for a draft or none."""
    newest = session.scalar(
        select(LetterRevision).where(LetterRevision.intake_id == intake_id).order_by(LetterRevision.id.desc()).limit(1)
    )
    if newest is None or newest.signed_at is None:
        return None
    user = session.get(User, newest.user_id)
    name = (user.display_name.strip() or user.email) if user is not None else "The clinic"
    return SignedLetter(
        revision=newest.revision,
        signed_at=as_utc(newest.signed_at),
        signer=name,
        signer_title=user.professional_title if user is not None else "",
        registration_kind=user.registration_type if user is not None else "",
        registration_number=user.registration_number if user is not None else "",
    )
