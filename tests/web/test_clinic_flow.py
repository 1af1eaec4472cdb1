"""A clinician's whole walk over HTTP, on SQLite and PostgreSQL: worklist, intake, feedback, note, review, PDF, audit."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pypdf
import pytest
from flask import Flask
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.pdf_jobs import download as download_pdf
from triage.db import intakes as queries
from triage.db.demo import demo_patients
from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
from triage.db.models import AuditEvent, ClinicianNote, DifferentialFeedback, Evaluation, Intake
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire

TODAY = dt.date.today()


def demo_answers(ref: str) -> dict[str, Any]:
    """One fictional demo patient's answers."""
    return next(p["answers"] for p in demo_patients() if p["ref"] == ref)


def seed_submitted(app: Flask, ref: str, answers: dict[str, Any]) -> int:
    """A submitted intake evaluated with the current ruleset, as the patient flow stores it."""
    questionnaire = default_questionnaire()
    typed = validate_answers(questionnaire, answers, TODAY)
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(session, ref=ref, questionnaire_version=questionnaire.version, expires_days=30)
        queries.save_step(session, intake, typed, {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, TODAY, bundled_ruleset()))
        return intake.id


def stored_result(app: Flask, intake_id: int) -> dict[str, Any]:
    """The newest stored result of an intake."""
    with app.extensions["triage_db"].session() as session:
        return session.scalars(
            select(Evaluation.result).where(Evaluation.intake_id == intake_id).order_by(Evaluation.id.desc())
        ).first()


def audit_rows(app: Flask) -> list[tuple[str, str, int | None, str]]:
    """Every audit row as (action, actor, intake id, detail)."""
    with app.extensions["triage_db"].session() as session:
        return [(a.action, a.actor, a.intake_id, a.detail) for a in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def post_form(client: Any, page_url: str, action: str, data: dict[str, str]) -> Any:
    """Post a form from a page with that page's CSRF token."""
    token = csrf_token(client.get(page_url).data)
    return client.post(action, data={"csrf_token": token, **data})


def pdf_text(data: bytes) -> str:
    """The PDF's extracted text layer."""
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_a_clinician_reviews_an_intake_and_downloads_its_pdf(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    account = staff_login(client)
    celiac = seed_submitted(app, "DEMO-001", demo_answers("DEMO-001"))
    seed_submitted(app, "DEMO-002", demo_answers("DEMO-002"))
    result = stored_result(app, celiac)
    top = result["differentials"][0]["name"]
    flag = result["red_flags"][0]["title"]

    worklist = client.get("/clinic/?q=DEMO-001&status=submitted")
    assert worklist.status_code == 200
    html = worklist.get_data(as_text=True)
    assert f'href="/clinic/intakes/{celiac}"' in html and "DEMO-002" not in html
    assert top in html and "Soon" in html

    intake_url = f"/clinic/intakes/{celiac}"
    page = client.get(intake_url).get_data(as_text=True)
    # The summary leads with the urgency and the red flag, then the top differential; the full sections follow it.
    rest = page.index('id="all-flags"')
    assert page.index('id="summary"') < page.index("Urgency:") < page.index(flag) < page.index(top) < rest
    assert rest < page.index(flag, rest) < page.index('id="differentials"') < page.index(top, page.index('id="differentials"'))
    assert "35-year-old woman" in page
    assert "pertinent negative" in page and "<svg" in page

    evaluation_id = re.search(r'name="evaluation_id" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    reply = post_form(
        client,
        intake_url,
        f"{intake_url}/feedback",
        {
            "evaluation_id": evaluation_id,
            "differential_id": result["differentials"][0]["id"],
            "verdict": "agree",
            "reason": "Fits the serology plan",
        },
    )
    assert reply.status_code == 303
    assert (
        post_form(client, intake_url, f"{intake_url}/notes", {"text": "Check tTG-IgA and total IgA while on gluten."}).status_code
        == 303
    )
    assert post_form(client, intake_url, f"{intake_url}/review", {}).status_code == 303
    page = client.get(intake_url).get_data(as_text=True)
    assert f"by {account.email}" in page and "Check tTG-IgA" in page and "agreed" in page

    download = download_pdf(client, intake_url, csrf_token(client.get(intake_url).data))
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == f'attachment; filename="intake-{celiac}.pdf"'
    assert download.headers["Cache-Control"] == "no-store"
    text = pdf_text(download.data)
    for expected in (
        top,
        flag,
        "History",  # the letter's history paragraph
        "35-year-old woman with fatigue",
        "Decision support, not a diagnosis",
        "Page 1 of",
        account.email,
    ):
        assert expected.split("(")[0][:40] in text.replace("\n", " "), expected
    assert "Check tTG-IgA" not in text and "Fits the serology plan" not in text  # notes and feedback stay internal
    assert result["ruleset"]["version"] in text and result["ruleset"]["hash"][:16] in text

    again = download_pdf(client, intake_url, csrf_token(client.get(intake_url).data))
    assert again.data == download.data

    rows = [r for r in audit_rows(app) if r[1] == account.email]
    actions = [r[0] for r in rows if r[0] != "login"]
    for action in ("intake.list", "intake.view", "intake.feedback", "intake.note", "intake.review", "intake.pdf"):
        assert action in actions, action
    pdf_rows = [r for r in rows if r[0] == "intake.pdf"]
    assert [r[3] for r in pdf_rows] == ["stored", "stored"] and all(r[2] == celiac for r in pdf_rows)
    assert all(r[2] == celiac for r in rows if r[0].startswith("intake.") and r[0] != "intake.list")
    with app.extensions["triage_db"].session() as session:
        intake = session.get(Intake, celiac)
        assert (
            intake is not None
            and intake.status == "reviewed"
            and intake.reviewed_by == account.id
            and intake.reviewed_at is not None
        )
        assert session.scalar(select(ClinicianNote.text)) == "Check tTG-IgA and total IgA while on gluten."
        assert session.scalar(select(DifferentialFeedback.reason)) == "Fits the serology plan"


def test_reevaluation_keeps_the_old_result_and_shows_what_changed(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    account = staff_login(client)
    intake_id = seed_submitted(app, "DEMO-003", demo_answers("DEMO-003"))
    with app.extensions["triage_db"].session() as session:
        old = session.scalar(select(Evaluation).where(Evaluation.intake_id == intake_id))
        assert old is not None
        old_id, old_result = old.id, dict(old.result)
        old.result = {**old.result, "ruleset": {"version": "2025.0", "hash": "0" * 64}, "red_flags": []}
    intake_url = f"/clinic/intakes/{intake_id}"
    reply = post_form(client, intake_url, f"{intake_url}/reevaluate", {})
    assert reply.status_code == 303 and reply.location.endswith(f"{intake_url}?compare={old_id}#changes")
    page = client.get(reply.location).get_data(as_text=True)
    assert "What changed (ruleset 2025.0" in page and "Red flags gained" in page
    with app.extensions["triage_db"].session() as session:
        evaluations = session.execute(
            select(Evaluation.id, Evaluation.reason, Evaluation.result)
            .where(Evaluation.intake_id == intake_id)
            .order_by(Evaluation.id)
        ).all()
    assert [e.reason for e in evaluations] == ["submit", "reevaluate"]
    assert evaluations[0].result["ruleset"]["version"] == "2025.0" and evaluations[0].result["red_flags"] == []
    assert evaluations[1].result["red_flags"] == old_result["red_flags"]
    assert any(r[0] == "intake.reevaluate" and r[1] == account.email and r[2] == intake_id for r in audit_rows(app))


def test_invitation_from_the_worklist_shows_the_link_once(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    account = staff_login(client)
    later = TODAY + dt.timedelta(days=20)  # an appointment may not have passed
    reply = post_form(client, "/clinic/", "/clinic/invitations", {"ref": "NEW-42", "appointment": later.isoformat()})
    assert reply.status_code == 200
    link = re.search(r'value="(http://localhost/i/[A-Za-z0-9_-]{40,})"', reply.get_data(as_text=True))
    assert link is not None
    token = link.group(1).rsplit("/", 1)[1]
    assert token not in client.get("/clinic/").get_data(as_text=True)
    with app.extensions["triage_db"].session() as session:
        intake = session.scalar(select(Intake).where(Intake.ref == "NEW-42"))
        assert intake is not None and intake.appointment_date == later and intake.status == "invited"
        assert queries.invitation_for_token(session, token) is not None
    assert any(
        r[0] == "invitation.create" and r[1] == account.email and r[2] == intake.id and token not in r[3] for r in audit_rows(app)
    )
    bad = post_form(client, "/clinic/", "/clinic/invitations", {"ref": "", "appointment": "not-a-date"})
    assert bad.status_code == 400 and "Enter the clinic" in bad.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/clinic/intakes/{id}/notes",
        "/clinic/intakes/{id}/review",
        "/clinic/intakes/{id}/pdf",
        "/clinic/intakes/{id}/reevaluate",
        "/clinic/invitations",
    ],
)
def test_posts_without_a_csrf_token_change_nothing(app: Flask, staff_login: Callable[..., Any], path: str) -> None:
    client = app.test_client()
    staff_login(client)
    intake_id = seed_submitted(app, "DEMO-004", demo_answers("DEMO-004"))
    before = len(audit_rows(app))
    reply = client.post(path.format(id=intake_id), data={"text": "x", "ref": "R-1"})
    assert reply.status_code == 400
    assert [r[0] for r in audit_rows(app)[before:]] == []
    with app.extensions["triage_db"].session() as session:
        assert session.scalar(select(Intake.status).where(Intake.id == intake_id)) == "submitted"
