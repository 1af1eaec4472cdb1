"""The admin completion figures on seeded invitations: exact counts, where unfinished ones stopped, the median time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.helpers.patient import audit_rows, db_session
from triage.db import intakes as queries
from triage.db import outbox
from triage.db.clock import utcnow
from triage.db.completion import completion_figures
from triage.db.models import Answer
from triage.domain.invitations.contact import InvitationContact
from triage.domain.questionnaire.questions import default_questionnaire

VERSION = default_questionnaire().version
STEPS = default_questionnaire().steps
OLD_VERSION = "1999.1"  # no bundled questionnaire: counted, with no step breakdown


def seed(
    app: Flask,
    ref: str,
    *,
    version: str = VERSION,
    age_days: float = 1,
    status: str = "invited",
    opened_after: float | None = None,
    submitted_after: float | None = None,
    answered_steps: tuple[int, ...] = (),
    message: str | None = None,
) -> None:
    """One invitation created `age_days` ago; times after its creation in minutes; answers to the first question of steps."""
    created = utcnow() - dt.timedelta(days=age_days)
    with db_session(app) as session:
        _, intake = queries.create_invitation(
            session, ref=ref, questionnaire_version=version, expires_days=30, contact=InvitationContact(email="p@example.org")
        )
        assert intake.invitation is not None
        intake.created_at, intake.invitation.created_at, intake.status = created, created, status
        if opened_after is not None:
            intake.invitation.opened_at = created + dt.timedelta(minutes=opened_after)
        if submitted_after is not None:
            intake.submitted_at = created + dt.timedelta(minutes=submitted_after)
        for step in answered_steps:
            question = STEPS[step].questions[0].id
            session.add(Answer(intake_id=intake.id, question_id=question, questionnaire_version=version, value="x"))
        if message is not None:
            row = outbox.enqueue(
                session, kind="invitation", channel="email", recipient="p@example.org", dedupe_key=f"t:{ref}", intake_id=intake.id
            )
            assert row is not None
            row.status = message


def seed_clinic(app: Flask) -> None:
    """Seven invitations: two submitted (10 and 30 minutes to complete), two stopped part-way, one untouched, one old."""
    seed(app, "A", status="in_progress", opened_after=5, answered_steps=(0, 2), message="sent")
    seed(app, "B", status="submitted", opened_after=60, submitted_after=70, answered_steps=(0,), message="sent")
    seed(app, "C", status="reviewed", submitted_after=30, answered_steps=(0,), message="failed")
    seed(app, "D")
    seed(app, "F", status="in_progress", answered_steps=(0,), message="queued")
    seed(app, "E", age_days=100, status="submitted", opened_after=0, submitted_after=1000, answered_steps=(0,))
    seed(app, "G", version=OLD_VERSION)


def test_the_figures_per_version_are_exact(app: Flask) -> None:
    seed_clinic(app)
    with db_session(app) as session:
        current, old = completion_figures(session, 30)
        year = completion_figures(session, 365)[0]
    assert (current.version, current.created, current.sent, current.opened, current.started, current.submitted) == (
        VERSION,
        5,
        2,
        2,
        4,
        2,
    )
    assert current.not_started == 1
    assert [(s.title, s.count) for s in current.stopped] == [(STEPS[0].title, 1), (STEPS[2].title, 1)]
    assert current.median_minutes == 20.0  # B: 10 minutes from opening; C: 30 from creation (never recorded opened)
    assert (old.version, old.created, old.started, old.submitted, old.not_started, old.stopped) == (OLD_VERSION, 1, 0, 0, 1, ())
    assert old.median_minutes is None
    assert (year.created, year.submitted, year.median_minutes) == (6, 3, 30.0)


def test_the_page_is_for_admins_and_shows_no_patient_data(app: Flask, staff_login: Callable[..., Any]) -> None:
    seed_clinic(app)
    admin = app.test_client()
    staff_login(admin, roles=("admin",))
    page = admin.get("/admin/completion?days=30").get_data(as_text=True)
    assert f"Questionnaire version {VERSION}" in page and "20.0 minutes" in page
    assert "p@example.org" not in page and 'href="/admin/completion"' in page
    assert audit_rows(app, "completion.view")[-1].detail == "days=30 versions=2"
    bad = admin.get("/admin/completion?days=7")
    assert bad.status_code == 400 and "choose 30, 90 or 365 days" in bad.get_data(as_text=True)
    clinician = app.test_client()
    staff_login(clinician)
    assert clinician.get("/admin/completion").status_code == 403
