"""The triage decision over HTTP, on SQLite and PostgreSQL: record, assign, change, refuse, audit, filter the worklist."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.helpers.apps import csrf_token
from tests.helpers.staff import create_staff
from triage.db import decisions
from triage.db import intakes as queries
from triage.db.demo import demo_patients
from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
from triage.db.models import AuditEvent, Intake, TriageDecision, User
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire

TODAY = dt.date.today()


def submitted(app: Flask, ref: str, demo_ref: str = "DEMO-001") -> int:
    """A submitted intake with a demo patient's answers, evaluated with the bundled ruleset."""
    questionnaire = default_questionnaire()
    answers = next(p["answers"] for p in demo_patients() if p["ref"] == demo_ref)
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(session, ref=ref, questionnaire_version=questionnaire.version, expires_days=30)
        queries.save_step(session, intake, validate_answers(questionnaire, answers, TODAY), {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, TODAY, bundled_ruleset()))
        return intake.id


def in_progress(app: Flask, ref: str) -> int:
    """An intake the patient has started but not sent."""
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(session, ref=ref, questionnaire_version="1", expires_days=30)
        queries.save_step(session, intake, {"full_name": "Pat Example"}, {})
        return intake.id


def decide(client: FlaskClient, intake_id: int, **data: str) -> Any:
    """Post the decision form from the intake page, with that page's CSRF token."""
    url = f"/clinic/intakes/{intake_id}"
    token = csrf_token(client.get(url).data)
    return client.post(f"{url}/decision", data={"csrf_token": token, **data})


def standing(app: Flask, intake_id: int) -> tuple[str | None, int | None, int]:
    """The intake's standing decision, assignee and how many decisions it has."""
    with app.extensions["triage_db"].session() as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        rows = session.scalar(select(func.count()).select_from(TriageDecision).where(TriageDecision.intake_id == intake_id))
        return intake.decision, intake.assigned_to, rows or 0


def audit(app: Flask, action: str) -> list[tuple[str, str, int | None, str]]:
    """Audit rows of one action as (actor, outcome, intake id, detail)."""
    with app.extensions["triage_db"].session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [(r.actor, r.outcome, r.intake_id, r.detail) for r in rows]


def test_a_clinician_records_a_decision_assigns_it_and_changes_it(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    account = staff_login(client)
    colleague = create_staff(app, ("clinician",), "colleague@example.org")
    create_staff(app, ("rules_editor",), "editor@example.org")
    intake_id = submitted(app, "DEC-1")

    page = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert "No decision recorded yet." in page and "Record the decision" in page
    assert f'<option value="{colleague.id}">colleague@example.org</option>' in page
    assert "editor@example.org" not in page  # only clinicians can be assigned

    reply = decide(client, intake_id, decision="urgent", assignee=str(colleague.id), note="Book within two weeks.")
    assert reply.status_code == 303 and reply.location.endswith(f"/clinic/intakes/{intake_id}#decision")
    page = client.get(reply.location).get_data(as_text=True)
    assert "Decision recorded: Urgent appointment." in page
    assert f"<strong>Urgent appointment</strong>, decided by {account.email}" in page
    assert "Assigned to colleague@example.org." in page and "Book within two weeks." in page
    assert f'<option selected value="{colleague.id}">' in page or f'<option value="{colleague.id}" selected>' in page
    assert standing(app, intake_id) == ("urgent", colleague.id, 1)

    reply = decide(client, intake_id, decision="no_appointment_advice", assignee="", note="")
    assert reply.status_code == 303
    page = client.get(reply.location).get_data(as_text=True)
    assert "<strong>No appointment needed: advice to the referrer</strong>" in page and "Assigned to nobody." in page
    assert "Earlier decisions" in page and "Urgent appointment by" in page
    assert standing(app, intake_id) == ("no_appointment_advice", None, 2)

    rows = audit(app, "intake.decision")
    assert rows == [
        (account.email, "ok", intake_id, f"decision=urgent assigned_to={colleague.id}"),
        (account.email, "ok", intake_id, "decision=no_appointment_advice assigned_to=nobody"),
    ]
    assert not any("two weeks" in r[3] for r in rows)  # the note stays out of the audit detail


def test_a_decision_on_an_intake_not_sent_yet_is_refused(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    account = staff_login(client)
    intake_id = in_progress(app, "DEC-2")
    page = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert "The decision is recorded once the patient has sent the questionnaire." in page
    assert f'action="/clinic/intakes/{intake_id}/decision"' not in page

    reply = decide(client, intake_id, decision="urgent", assignee="")
    assert reply.status_code == 303
    page = client.get(reply.location).get_data(as_text=True)
    assert decisions.NOT_SENT in page
    assert standing(app, intake_id) == (None, None, 0)
    assert audit(app, "intake.decision") == [(account.email, "refused", intake_id, decisions.NOT_SENT)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "", "assignee": ""}, "Choose a triage decision."),
        ({"decision": "tomorrow", "assignee": ""}, "Not a valid choice"),
        ({"decision": "urgent", "assignee": "editor"}, "Not a valid choice"),
        ({"decision": "urgent", "assignee": "", "note": "x" * 2001}, "Keep the note to at most 2000 characters."),
        ({"decision": "urgent", "assignee": "", "note": "bad\x00byte"}, "Remove the control characters"),
    ],
)
def test_bad_decision_input_names_the_field_and_changes_nothing(
    app: Flask, staff_login: Callable[..., Any], data: dict[str, str], message: str
) -> None:
    client = app.test_client()
    staff_login(client)
    editor = create_staff(app, ("rules_editor",))
    intake_id = submitted(app, "DEC-3")
    if data["assignee"] == "editor":
        data = {**data, "assignee": str(editor.id)}  # a real account, but not a clinician
    reply = decide(client, intake_id, **data)
    assert reply.status_code == 400
    html = reply.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    assert standing(app, intake_id) == (None, None, 0)
    assert audit(app, "intake.decision") == []


def test_a_decision_on_no_such_intake_is_404(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    token = csrf_token(client.get("/clinic/").data)
    assert client.post("/clinic/intakes/987654/decision", data={"csrf_token": token, "decision": "urgent"}).status_code == 404
    assert client.post("/clinic/intakes/987654/decision", data={"csrf_token": token, "decision": ""}).status_code == 404


@pytest.mark.parametrize("roles", [("rules_editor",), ("admin",), ("rules_editor", "admin")])
def test_only_clinicians_may_decide(app: Flask, staff_login: Callable[..., Any], roles: tuple[str, ...]) -> None:
    client = app.test_client()
    staff_login(client, roles)
    intake_id = submitted(app, "DEC-4")
    token = csrf_token(client.get("/staff/account").data)
    reply = client.post(f"/clinic/intakes/{intake_id}/decision", data={"csrf_token": token, "decision": "urgent"})
    assert reply.status_code == 403
    assert standing(app, intake_id) == (None, None, 0)
    anonymous = app.test_client()
    reply = anonymous.post(f"/clinic/intakes/{intake_id}/decision", data={"decision": "urgent"})
    assert reply.status_code in (302, 400)  # sign-in first (or the missing CSRF token): never recorded
    assert standing(app, intake_id) == (None, None, 0)


def test_record_decision_refuses_what_the_form_would_not_send(app: Flask) -> None:
    clinician = create_staff(app, ("clinician",))
    disabled = create_staff(app, ("clinician",))
    intake_id = submitted(app, "DEC-5")
    db = app.extensions["triage_db"]
    with db.session() as session:
        user = session.get(User, disabled.id)
        assert user is not None
        user.active = False
    with db.session() as session:
        with pytest.raises(decisions.DecisionRefused, match="not one of the triage decisions"):
            decisions.record_decision(session, intake_id, "later", None, clinician.id)
        with pytest.raises(decisions.DecisionRefused, match="active clinician"):
            decisions.record_decision(session, intake_id, "soon", disabled.id, clinician.id)
        with pytest.raises(LookupError):
            decisions.record_decision(session, 987654, "soon", None, clinician.id)
        decisions.record_decision(session, intake_id, "soon", clinician.id, clinician.id, "See in clinic.")
    with db.session() as session:
        history = decisions.decision_history(session, intake_id)
    assert [(d.decision, d.label, d.assignee, d.decided_by, d.note) for d in history] == [
        ("soon", "Soon", clinician.email, clinician.email, "See in clinic.")
    ]
    assert standing(app, intake_id) == ("soon", clinician.id, 1)


def worklist_refs(client: FlaskClient, query: str = "") -> list[str]:
    """The references the worklist lists, in order."""
    reply = client.get(f"/clinic/{query}")
    assert reply.status_code == 200, query
    return re.findall(r">(WL-\d)</a>", reply.get_data(as_text=True))


def test_the_worklist_filters_by_decision_and_assignee(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    account = staff_login(client)
    colleague = create_staff(app, ("clinician",), "colleague@example.org")
    editor = create_staff(app, ("rules_editor",))
    ids = [submitted(app, f"WL-{n}") for n in range(4)]
    with app.extensions["triage_db"].session() as session:
        decisions.record_decision(session, ids[0], "urgent", colleague.id, account.id)
        decisions.record_decision(session, ids[1], "routine", account.id, account.id)
        decisions.record_decision(session, ids[2], "urgent", None, account.id)
    everyone = sorted(worklist_refs(client))
    assert everyone == ["WL-0", "WL-1", "WL-2", "WL-3"]
    assert sorted(worklist_refs(client, "?decision=urgent")) == ["WL-0", "WL-2"]
    assert worklist_refs(client, "?decision=none") == ["WL-3"]
    assert worklist_refs(client, f"?assignee={colleague.id}") == ["WL-0"]
    assert sorted(worklist_refs(client, "?assignee=none")) == ["WL-2", "WL-3"]
    assert worklist_refs(client, f"?decision=urgent&assignee={colleague.id}") == ["WL-0"]
    html = client.get(f"/clinic/?decision=routine&assignee={account.id}").get_data(as_text=True)
    assert '<option value="routine" selected>' in html and f'<option value="{account.id}" selected>' in html
    assert "Routine appointment" in html and f"to {account.email}" in html
    # Bad values are ignored, never a 500: an unknown decision, a malformed id, a huge id, a user who is no clinician.
    for bad in ("?decision=later", "?assignee=abc", "?assignee=99999999999999999999", f"?assignee={editor.id}", "?assignee=-1"):
        assert sorted(worklist_refs(client, bad)) == everyone, bad
    assert any("decision=urgent" in r[3] for r in audit(app, "intake.list"))
