"""The letter page over HTTP, on SQLite and PostgreSQL: edit with history, strike, sign, amend, referral details, roles."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.letters import CASES, letter_pdf, page_text, stored_case
from triage.db import decisions
from triage.db.models import AuditEvent, Intake, LetterRevision, User


def _post(client: FlaskClient, intake_id: int, path: str, data: dict[str, Any]) -> Any:
    token = csrf_token(client.get(f"/clinic/intakes/{intake_id}/letter").data)
    return client.post(f"/clinic/intakes/{intake_id}{path}", data={"csrf_token": token, **data})


def _current_texts(client: FlaskClient, intake_id: int) -> dict[str, str]:
    """The letter form's texts as the page shows them (what a browser would send back unchanged)."""
    from tests.helpers.html_forms import form_posting_to

    page = client.get(f"/clinic/intakes/{intake_id}/letter").data
    form = form_posting_to(page, f"/clinic/intakes/{intake_id}/letter")
    data = form.post_data()
    # A browser drops the newline that follows <textarea> in the HTML; this parser keeps it.
    fields = ("bottom_line", "impression", "plan", "gp_actions", "patient_actions")
    return {k: str(data.get(k, "")).removeprefix("\r\n").removeprefix("\n") for k in fields}


def _audit(app: Flask, action: str) -> list[tuple[str, str]]:
    with app.extensions["triage_db"].session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [(r.outcome, r.detail) for r in rows]


def _name(app: Flask, user_id: int) -> None:
    with app.extensions["triage_db"].session() as session:
        user = session.get(User, user_id)
        assert user is not None
        user.display_name, user.professional_title = "Dr Ada Gut", "Consultant gastroenterologist"
        user.registration_type, user.registration_number = "GMC", "1234567"


def test_edit_strike_sign_and_amend_with_history_and_audit(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    account = staff_login(client)
    _name(app, account.id)
    intake_id = stored_case(app, "LET-1", CASES["coeliac_iron_27"])
    with app.extensions["triage_db"].session() as session:
        decisions.record_decision(session, intake_id, "soon", None, account.id, "")

    page = client.get(f"/clinic/intakes/{intake_id}/letter").get_data(as_text=True)
    assert "Soon · draft" in page and "Draft - not reviewed by a clinician" in page
    assert "Coeliac disease (high suspicion)" in page  # offered to strike
    before = page_text(letter_pdf(app, intake_id))
    assert "Draft - not reviewed by a clinician" in before and "Outpatient letter · Soon" in before

    texts = _current_texts(client, intake_id)
    plan = "Keep eating gluten; tTG-IgA with total IgA.\nGastroscopy and duodenal biopsies at the clinic."
    options = re.findall(r'<input[^>]*name="struck"[^>]*value="([^"]+)"[^>]*>\s*([^<(]+?) \(', page)
    assert len(options) >= 2, options
    struck, struck_name = [options[-1][0]], options[-1][1]
    reply = _post(client, intake_id, "/letter", {**texts, "plan": plan, "struck": struck, "save": "Save draft"})
    assert reply.status_code == 303 and reply.headers["Location"].endswith(f"/clinic/intakes/{intake_id}/letter")
    with app.extensions["triage_db"].session() as session:
        rows = session.scalars(select(LetterRevision).where(LetterRevision.intake_id == intake_id)).all()
        assert [(r.action, r.revision, sorted(r.texts)) for r in rows] == [("edit", 1, ["plan"])]  # only the edited field
    edited = page_text(letter_pdf(app, intake_id))
    assert "Gastroscopy and duodenal biopsies at the clinic." in edited and "Draft - not reviewed by a clinician" in edited
    assert f"{struck_name}: " not in edited and f"{options[0][1]}: " in edited  # struck out of the impression

    texts = _current_texts(client, intake_id)
    assert texts["plan"] == plan
    assert _post(client, intake_id, "/letter", {**texts, "struck": struck, "sign": "Sign and finalise"}).status_code == 303
    signed = page_text(letter_pdf(app, intake_id))
    assert "Draft - not reviewed" not in signed
    assert "Signed and finalised by Dr Ada Gut, Consultant gastroenterologist (GMC 1234567)" in " ".join(signed.split())
    page = client.get(f"/clinic/intakes/{intake_id}/letter").get_data(as_text=True)
    assert "Amend (new revision)" in page and "Save draft" not in page  # read-only once signed

    refused = _post(client, intake_id, "/letter", {**texts, "plan": "Changed after signing", "save": "Save draft"})
    assert refused.status_code == 303
    assert "choose Amend" in client.get(f"/clinic/intakes/{intake_id}/letter").get_data(as_text=True)
    assert "Changed after signing" not in page_text(letter_pdf(app, intake_id))

    assert _post(client, intake_id, "/letter/amend", {}).status_code == 303
    amended = page_text(letter_pdf(app, intake_id))
    assert "Draft - not reviewed by a clinician (revision 2, being amended)" in " ".join(amended.split())
    page = client.get(f"/clinic/intakes/{intake_id}/letter").get_data(as_text=True)
    assert "Revision 2: amendment started" in page and "Revision 1: signed by Dr Ada Gut" in page
    assert "Revision 1: edited by Dr Ada Gut" in page

    assert [o for o, _d in _audit(app, "letter.edit")] == ["ok", "refused"]
    assert [o for o, _d in _audit(app, "letter.sign")] == ["ok"] and _audit(app, "letter.amend")[0][0] == "ok"
    assert _audit(app, "letter.view") and "fields=plan" in _audit(app, "letter.edit")[0][1]


def test_referral_details_are_validated_saved_and_printed(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    intake_id = stored_case(app, "LET-2", CASES["bloody_diarrhoea_fever_19"])
    fields = {"mrn": "RX1 2345", "referrer_name": "Dr Gee Pee", "referrer_practice": "Riverside Surgery"}

    bad = _post(client, intake_id, "/referral", {**fields, "nhs_number": "943 476 5918", "referrer_contact": "01632 960001"})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "check digit is wrong" in body and 'value="Riverside Surgery"' in body  # nothing typed is lost

    good = _post(client, intake_id, "/referral", {**fields, "nhs_number": "943 476 5919", "referrer_contact": "01632 960001"})
    assert good.status_code == 303
    with app.extensions["triage_db"].session() as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None and (intake.nhs_number, intake.mrn) == ("9434765919", "RX1 2345")
    text = " ".join(page_text(letter_pdf(app, intake_id)).split())
    assert "NHS number 943 476 5919" in text and "MRN RX1 2345" in text
    assert "Dr Gee Pee" in text and "Riverside Surgery" in text and "01632 960001" in text
    assert _audit(app, "referral.edit") == [("ok", "fields=nhs_number,mrn,referrer_name,referrer_practice,referrer_contact")]


def test_only_clinicians_reach_the_letter(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, roles=("rules_editor",))
    intake_id = stored_case(app, "LET-3", CASES["ppi_b12_tingling_62"])
    assert client.get(f"/clinic/intakes/{intake_id}/letter").status_code == 403
    assert client.post(f"/clinic/intakes/{intake_id}/letter", data={"plan": "x"}).status_code in (400, 403)


def test_the_invitation_captures_the_referral_and_refuses_a_bad_nhs_number(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    token = csrf_token(client.get("/clinic/").data)
    referral = {
        "mrn": "H-77",
        "referrer_name": "Dr Gee Pee",
        "referrer_practice": "Hill Surgery",
        "referrer_contact": "gp@example.org",
    }

    bad = client.post("/clinic/invitations", data={"csrf_token": token, "ref": "INV-1", "nhs_number": "12345", **referral})
    assert bad.status_code == 400
    assert "An NHS number has 10 digits" in bad.get_data(as_text=True) and 'value="Hill Surgery"' in bad.get_data(as_text=True)

    good = client.post("/clinic/invitations", data={"csrf_token": token, "ref": "INV-1", "nhs_number": "9434765919", **referral})
    assert good.status_code == 200 and "Invitation for INV-1 created" in good.get_data(as_text=True)
    with app.extensions["triage_db"].session() as session:
        intake = session.scalars(select(Intake).where(Intake.ref == "INV-1")).one()
        stored = (intake.nhs_number, intake.mrn, intake.referrer_name, intake.referrer_practice, intake.referrer_contact)
    assert stored == ("9434765919", "H-77", "Dr Gee Pee", "Hill Surgery", "gp@example.org")
    assert "referral=nhs_number,mrn,referrer_name,referrer_practice,referrer_contact" in _audit(app, "invitation.create")[0][1]
