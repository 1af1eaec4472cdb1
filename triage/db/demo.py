"""Seeding a demo clinic: fictional submitted intakes, one in progress and one open link."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.db import audit, users
from triage.db import intakes as queries
from triage.db.evaluations import current_ruleset, evaluate_for_storage
from triage.db.models import Intake
from triage.domain.invitations.contact import InvitationContact
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire, questionnaire_for

DEMO_FILE = Path(__file__).with_name("demo_patients.yaml")
# The questionnaire version the demo patients' answers were written for, unless the file (or a patient) names one.
DEMO_ANSWERS_VERSION = "2026.11-1"
# Development-only accounts; `triage demo` refuses to run in production.
DEMO_PASSWORD = "demo-clinic-password-2026"  # noqa: S105 - printed for the demo on purpose
# The date of birth the demo's new patient link asks for (the date-of-birth check before the questionnaire).
DEMO_DATE_OF_BIRTH = dt.date(1980, 1, 31)
DEMO_STAFF = (
    ("clinician@demo.test", ("clinician",)),
    ("editor@demo.test", ("rules_editor",)),
    ("reviewer@demo.test", ("rules_editor", "clinician")),
    ("admin@demo.test", ("admin",)),
)


def demo_patients() -> list[dict[str, Any]]:
    """The fictional patients, each with a reference, answers keyed by question id and the questionnaire version."""
    with DEMO_FILE.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    version = str(document.get("questionnaire_version") or DEMO_ANSWERS_VERSION)
    return [
        {**patient, "questionnaire_version": str(patient.get("questionnaire_version") or version)}
        for patient in document["patients"]
    ]


def _contact(answers: dict[str, Any]) -> InvitationContact:
    """The name and date of birth a demo invitation records, from the demo patient's own answers."""
    born = answers.get("date_of_birth")
    birth = dt.date.fromisoformat(str(born)) if born else None
    return InvitationContact(patient_name=str(answers.get("full_name") or ""), date_of_birth=birth)


def _submitted(session: Session, ref: str, answers: dict[str, Any], version: str, today: dt.date) -> None:
    questionnaire = questionnaire_for(version)  # a submitted demo intake keeps the version its answers were written for
    typed = validate_answers(questionnaire, answers, today)
    _token, intake = queries.create_invitation(
        session,
        ref=ref,
        questionnaire_version=questionnaire.version,
        expires_days=30,
        created_by="demo",
        contact=_contact(answers),
    )
    queries.save_step(session, intake, typed, {})
    queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, today, current_ruleset(session)))


def _in_progress(session: Session, today: dt.date) -> None:
    questionnaire = default_questionnaire()  # started today: the current questionnaire
    answers = {"full_name": "Ivy Incomplete", "date_of_birth": "1985-04-04", "sex_at_birth": "female"}
    _token, intake = queries.create_invitation(
        session,
        ref="DEMO-006",
        questionnaire_version=questionnaire.version,
        expires_days=30,
        created_by="demo",
        contact=_contact(answers),
    )
    typed = validate_answers(questionnaire, answers, today)
    queries.save_step(session, intake, typed, {})


def seed_demo(session: Session, today: dt.date | None = None) -> str:
    """Seed the demo intakes once, then return the token of a new open patient link (it asks for DEMO_DATE_OF_BIRTH)."""
    today = today or dt.date.today()
    already = session.scalar(select(func.count()).select_from(Intake).where(Intake.ref.like("DEMO-%")))
    if not already:
        for patient in demo_patients():
            _submitted(session, patient["ref"], patient["answers"], patient["questionnaire_version"], today)
        _in_progress(session, today)
    count = session.scalar(select(func.count()).select_from(Intake).where(Intake.ref.like("DEMO-NEW-%"))) or 0
    token, intake = queries.create_invitation(
        session,
        ref=f"DEMO-NEW-{count + 1}",
        questionnaire_version=default_questionnaire().version,
        expires_days=30,
        created_by="demo",
        contact=InvitationContact(date_of_birth=DEMO_DATE_OF_BIRTH),
    )
    audit.record(session, actor="cli", role="system", action="invitation.create", intake_id=intake.id, detail="demo")
    return token


def seed_demo_staff(session: Session) -> list[str]:
    """Create the demo staff accounts that do not exist yet and switch two-factor sign-in off (development only)."""
    created = []
    for email, roles in DEMO_STAFF:
        if users.user_by_email(session, email) is None:
            users.create_user(session, email, DEMO_PASSWORD, roles)
            created.append(email)
    if users.totp_required(session):
        users.set_totp_required(session, False)
        audit.record(
            session, actor="cli", role="system", action="setting.totp_required", outcome="ok", detail="off (demo install)"
        )
    return created
