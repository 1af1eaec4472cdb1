"""Patient-side test helpers: invitations, CSRF, walking every step over HTTP, reading back what was stored."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from triage.db import intakes as queries
from triage.db.models import Answer, AuditEvent, Base, Evaluation, Intake, Invitation
from triage.db.session import Database
from triage.domain.invitations.contact import InvitationContact
from triage.domain.questionnaire.answers import parse_field
from triage.domain.questionnaire.questions import Answer as AnswerValue
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.patient.flow import effective_answers

START_URL = "/intake"
REVIEW_URL = "/intake/review"
DONE_URL = "/intake/done"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NAMES = re.compile(r'\bname="([^"]+)"')

# One patient's answers, as a browser posts them (question id -> posted strings). Follow-ups included.
PLAN: dict[str, list[str]] = {
    "full_name": ["Zoë Ünïcode 🙂 عائشة"],
    "date_of_birth-day": ["1"],
    "date_of_birth-month": ["5"],
    "date_of_birth-year": ["1970"],
    "sex_at_birth": ["female"],
    "menopause_status": ["still_periods"],
    "heavy_periods": ["no"],
    "height_cm": ["165"],
    "weight_kg": ["60.5"],
    "main_concern": ["Bauchschmerzen 😣 after bread; \u202eright-to-left\u202c and עברית"],
    "symptoms": ["abdominal_pain", "bloating", "skin_rash"],
    "symptoms_trend": ["worse"],
    "abdominal_pain_frequency": ["daily"],
    "abdominal_pain_months": ["18"],
    "bloating_months": ["12"],
    "worst_symptom": ["abdominal_pain"],
    "worst_symptom_severity": ["7"],
    "pain_location": ["upper", "lower_left"],
    "rash_type": ["itchy_blisters"],
    "bristol_type": ["6"],
    "stool_pattern": ["mostly_loose"],
    "bowel_frequency": ["3_to_5_a_day"],
    "pain_and_bowels": ["relieved"],
    "pain_with_frequency_change": ["yes"],
    "pain_with_form_change": ["yes"],
    "bowel_features": ["none"],
    "warning_signs": ["none"],
    "known_anaemia": ["no"],
    "gluten_status": ["regular"],
    "gluten_symptoms": ["yes"],
    "dairy_symptoms": ["no"],
    "triggers": ["fatty_meals", "onion_garlic"],
    "diets_tried": ["none"],
    "plant_based": ["no"],
    "alcohol_frequency": ["2"],
    "alcohol_typical_drinks": ["0"],
    "alcohol_six_or_more": ["0"],
    "acid_medicines": ["ppi"],
    "ppi_still_taking": ["yes"],
    "ppi_months": ["24"],
    "other_medicines": ["vitamin_d"],
    "current_medicines-0-name": ["Omeprazole"],
    "current_medicines-0-dose": ["20 mg"],
    "current_medicines-0-how_often": ["once a day"],
    "current_medicines-1-name": ["Vitamin C"],
    "allergies": ["yes"],
    "allergies_details": ["Penicillin: a rash"],
    "conditions": ["none"],
    "family_history": ["celiac"],
    "previous_tests": ["celiac_blood"],
    "test_celiac_blood_months_ago": ["6"],
    "test_celiac_blood_result": ["normal"],
    "test_celiac_on_gluten": ["yes"],
    "smoking": ["never"],
    "phq_interest": ["1"],
    "phq_down": ["1"],
    "gad_nervous": ["1"],
    "gad_worry": ["0"],
    "consent_true": ["yes"],
    "consent_use": ["yes"],
}


def new_invitation(app: Flask, ref: str = "T-1", expires_days: int = 30, dob: dt.date | None = None) -> tuple[str, int]:
    """Create an invitation; returns (raw token, intake id).

    Without `dob` the invitation records no date of birth, so its link skips the date-of-birth check (as one made
    before the check did); with it, the link asks for it first (see tests/helpers/identity.py).
    """
    with app.extensions["triage_db"].session() as session:
        token, intake = queries.create_invitation(
            session,
            ref=ref,
            questionnaire_version=default_questionnaire().version,
            expires_days=expires_days,
            contact=InvitationContact(date_of_birth=dob),
        )
        return token, intake.id


def csrf_of(response: TestResponse) -> str:
    """The CSRF token in a page."""
    found = _CSRF.search(response.get_data(as_text=True))
    if found is None:
        raise AssertionError(f"no CSRF token in the page (status {response.status_code})")
    return found.group(1)


def field_names(response: TestResponse) -> set[str]:
    """Every form field name in a page."""
    return set(_NAMES.findall(response.get_data(as_text=True))) - {"csrf_token", "action"}


def open_link(client: FlaskClient, token: str) -> TestResponse:
    """Open the private link; asserts the 303 to a token-free URL."""
    response = client.get(f"/i/{token}")
    assert response.status_code == 303, response.status_code
    assert token not in response.location
    return response


def plan_data(names: set[str], plan: Mapping[str, list[str]], csrf: str, action: str = "next") -> dict[str, Any]:
    """The posted form for the fields of a page, from a plan."""
    data: dict[str, Any] = {name: list(plan[name]) for name in names if name in plan}
    data["csrf_token"] = csrf
    data["action"] = action
    return data


def post_page(client: FlaskClient, url: str, plan: Mapping[str, list[str]] = PLAN, action: str = "next") -> TestResponse:
    """GET a page, then post the plan's answers for the fields it shows."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return client.post(url, data=plan_data(field_names(page), plan, csrf_of(page), action))


def resume_url(client: FlaskClient) -> str:
    """The Start/Continue link of the first page."""
    page = client.get(START_URL)
    assert page.status_code == 200, page.status_code
    found = re.search(r'class="button primary" href="([^"]+)"', page.get_data(as_text=True))
    assert found, "no Start/Continue link"
    return found.group(1)


def walk_to_review(client: FlaskClient, plan: Mapping[str, list[str]] = PLAN, stop_before: str | None = None) -> list[str]:
    """Answer every step from the resume point until the review page (or a given step); returns the URLs visited."""
    url = resume_url(client)
    visited = []
    while url != REVIEW_URL and url.rsplit("/", 1)[-1] != stop_before:
        visited.append(url)
        assert len(visited) < 30, visited
        response = post_page(client, url, plan)
        if response.status_code == 303 and response.location == url:  # follow-ups appeared (no JavaScript): again
            response = post_page(client, url, plan)
        assert response.status_code == 303, (url, response.status_code, response.get_data(as_text=True)[:3000])
        url = response.location
    return visited


def submit(client: FlaskClient, plan: Mapping[str, list[str]] = PLAN) -> TestResponse:
    """Post the review page with the consent boxes from the plan."""
    return post_page(client, REVIEW_URL, plan)


def expected_answers(plan: Mapping[str, list[str]] = PLAN, today: dt.date | None = None) -> dict[str, AnswerValue]:
    """The typed answers a walk to the review page with this plan stores (unasked and consent questions left out)."""
    questionnaire = default_questionnaire()
    typed: dict[str, AnswerValue] = {}
    for qid, raw in raw_by_question(plan).items():
        if questionnaire.by_id[qid].step == "review":
            continue
        parsed = parse_field(questionnaire.by_id[qid], raw, today)
        assert parsed.error is None, (qid, parsed.error)
        if parsed.value is not None:
            typed[qid] = parsed.value
    return effective_answers(questionnaire, typed)


_DATE_PARTS = ("day", "month", "year")
_MEASURE_PARTS = ("major", "minor")


def raw_by_question(plan: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """A plan's posted boxes grouped into each question's raw strings, as the step form combines them."""
    questionnaire = default_questionnaire()
    raw: dict[str, list[str]] = {}
    for name, values in plan.items():
        if name in questionnaire.by_id:
            question = questionnaire.by_id[name]
            if question.type == "table":
                continue
            if getattr(question, "imperial", ""):
                raw[name] = [values[0] if values else "", *(plan.get(f"{name}-{p}", [""])[0] for p in _MEASURE_PARTS)]
            else:
                raw[name] = list(values)
            continue
        qid, _, part = name.partition("-")
        question = questionnaire.by_id.get(qid)
        if question is None:  # a box of an earlier version's question (consent_use): this version does not ask it
            continue
        if question.type == "date" and part in _DATE_PARTS:
            raw[qid] = [plan.get(f"{qid}-{p}", [""])[0] for p in _DATE_PARTS]
        elif question.type == "table":
            raw.setdefault(qid, [])
    for qid in [q for q in raw if questionnaire.by_id[q].type == "table"]:
        columns = [c.id for c in questionnaire.by_id[qid].columns]
        rows = sorted({int(n.split("-")[1]) for n in plan if n.startswith(f"{qid}-")})
        raw[qid] = [plan.get(f"{qid}-{r}-{c}", [""])[0] for r in rows for c in columns]
    return raw


def db_session(app: Flask) -> AbstractContextManager[Session]:
    """A database session context of the app."""
    database: Database = app.extensions["triage_db"]
    return database.session()


def stored_answers(app: Flask, intake_id: int) -> dict[str, AnswerValue]:
    """An intake's stored answers."""
    with db_session(app) as session:
        return queries.load_answers(session, intake_id)


def intake_row(app: Flask, intake_id: int) -> Intake:
    """An intake row (detached)."""
    with db_session(app) as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        return intake


def count(app: Flask, model: type[Base], **where: Any) -> int:
    """Rows of a model, optionally filtered by column values."""
    with db_session(app) as session:
        statement = select(func.count()).select_from(model)
        for column, value in where.items():
            statement = statement.where(getattr(model, column) == value)
        return session.scalar(statement) or 0


def row_counts(app: Flask) -> dict[str, int]:
    """Rows in every table."""
    with db_session(app) as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def snapshot(app: Flask, intake_id: int) -> tuple[dict[str, AnswerValue], dict[str, Any], str, dict[str, int]]:
    """Everything a rejected request must leave unchanged: answers, pending inputs, status and row counts."""
    intake = intake_row(app, intake_id)
    return stored_answers(app, intake_id), dict(intake.pending_inputs or {}), intake.status, row_counts(app)


def all_text(app: Flask) -> str:
    """Every value of every column of every table, as one string (to look for leaked secrets)."""
    parts: list[str] = []
    with db_session(app) as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                parts.extend(repr(v) for v in row)
    return "\n".join(parts)


def set_invitation(app: Flask, intake_id: int, **values: Any) -> None:
    """Change an invitation directly in the database (expire or revoke it)."""
    with db_session(app) as session:
        session.execute(update(Invitation).where(Invitation.intake_id == intake_id).values(**values))


def evaluations(app: Flask, intake_id: int) -> int:
    """How many evaluations an intake has."""
    return count(app, Evaluation, intake_id=intake_id)


def audit_rows(app: Flask, action: str) -> list[AuditEvent]:
    """The audit rows of one action (detached)."""
    with db_session(app) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def answer_versions(app: Flask, intake_id: int) -> dict[str, str]:
    """Question id -> questionnaire version of every stored answer."""
    with db_session(app) as session:
        return dict(
            session.execute(select(Answer.question_id, Answer.questionnaire_version).where(Answer.intake_id == intake_id)).all()
        )


def has_security_headers(response: TestResponse) -> bool:
    """Whether a response carries the project's security headers."""
    return all(name in response.headers for name in SECURITY_HEADERS) and response.headers.get("Cache-Control") == "no-store"
