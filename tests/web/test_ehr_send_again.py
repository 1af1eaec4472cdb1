""" "Send again": a refused or lost letter is sent to the EHR again from its intake page or the admin delivery page.

Against a FHIR endpoint the test runs, on SQLite and PostgreSQL: a refused letter is sent once the problem is put
right; a second press while it is queued queues nothing more; every press is audited; admins see the letters not
sent with their reason and counts; sending off, no CSRF token or the wrong role change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.ehr import delivery, ehr_settings, sign_letter
from tests.helpers.fhir_endpoint import FhirEndpoint
from tests.helpers.html_forms import form_posting_to
from tests.helpers.letters import CASES, stored_case
from tests.helpers.pdf_jobs import run_jobs
from triage.db.models import AuditEvent

REFUSAL = "Patient.identifier: unknown organisation code"


@pytest.fixture
def endpoint() -> Iterator[FhirEndpoint]:
    with FhirEndpoint() as served:
        yield served


@pytest.fixture
def ehr_app(make_app: Callable[..., Flask], endpoint: FhirEndpoint) -> Flask:
    return make_app(**ehr_settings(endpoint.url))


def _refused(app: Flask, client: FlaskClient, endpoint: FhirEndpoint, ref: str) -> int:
    """An intake whose signed letter the EHR refused for good."""
    intake_id = stored_case(app, ref, CASES["coeliac_iron_27"])
    endpoint.fail(400, REFUSAL)
    sign_letter(client, intake_id)
    run_jobs(app)
    assert delivery(app, intake_id)["status"] == "failed"
    return intake_id


def _resends(app: Flask) -> list[tuple[str, str, str]]:
    with app.extensions["triage_db"].session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == "ehr.resend").order_by(AuditEvent.id))
        return [(r.actor, r.outcome, r.detail) for r in rows]


def _press(client: FlaskClient, page_url: str, action: str) -> Any:
    """Press the form posting to `action` on the page, as a browser would."""
    form = form_posting_to(client.get(page_url).data, action)
    return client.post(action, data=form.post_data(), follow_redirects=True)


def test_a_clinician_sends_a_refused_letter_again_once_the_problem_is_put_right(
    ehr_app: Flask, endpoint: FhirEndpoint, staff_login: Callable[..., Any]
) -> None:
    client = ehr_app.test_client()
    who = staff_login(client)
    intake_id = _refused(ehr_app, client, endpoint, "AGAIN-1")
    page_url, action = f"/clinic/intakes/{intake_id}", f"/clinic/intakes/{intake_id}/ehr/send-again"
    answer = _press(client, page_url, action)
    assert answer.status_code == 200 and "queued to be sent to the EHR again" in answer.get_data(as_text=True)
    assert delivery(ehr_app, intake_id)["status"] == "queued"
    again = client.post(action, data={"csrf_token": csrf_token(client.get(page_url).data)}, follow_redirects=True)
    assert "Nothing was queued" in again.get_data(as_text=True)  # a second press while it waits queues nothing more
    run_jobs(ehr_app)
    state = delivery(ehr_app, intake_id)
    assert state["status"] == "sent" and state["attempts"] == 1 and state["sent_revision"] == state["letter_revision"]
    assert len(endpoint.store.accepted) == 1
    assert _resends(ehr_app) == [
        (who.email, "ok", f"revision={state['letter_revision']}"),
        (who.email, "refused", "nothing to send again"),
    ]
    # A sent letter can go again (the EHR lost it): the button says so.
    assert "Send to the EHR again" in client.get(page_url).get_data(as_text=True)


def test_an_admin_sees_the_letters_not_sent_and_sends_one_again(
    ehr_app: Flask, endpoint: FhirEndpoint, staff_login: Callable[..., Any]
) -> None:
    clinician = ehr_app.test_client()
    staff_login(clinician)
    intake_id = _refused(ehr_app, clinician, endpoint, "AGAIN-2")
    admin = ehr_app.test_client()
    staff_login(admin, roles=("admin",))
    page = admin.get("/admin/deliveries").get_data(as_text=True)
    assert "Letters sent to the EHR" in page and REFUSAL in page and "1 refused (not sent)" in page
    answer = _press(admin, "/admin/deliveries", f"/admin/deliveries/ehr/{intake_id}/send-again")
    text = answer.get_data(as_text=True)
    assert "queued to be sent to the EHR again" in text and "0 refused (not sent)" in text
    run_jobs(ehr_app)
    assert delivery(ehr_app, intake_id)["status"] == "sent"
    assert "Every signed letter has been sent or is on its way." in admin.get("/admin/deliveries").get_data(as_text=True)

    assert admin.post(f"/admin/deliveries/ehr/{intake_id}/send-again", data={}).status_code == 400  # no CSRF token
    token = csrf_token(clinician.get(f"/clinic/intakes/{intake_id}").data)
    assert clinician.post(f"/admin/deliveries/ehr/{intake_id}/send-again", data={"csrf_token": token}).status_code == 403
    own = csrf_token(admin.get("/admin/deliveries").data)
    assert admin.post(f"/clinic/intakes/{intake_id}/ehr/send-again", data={"csrf_token": own}).status_code == 403


def test_with_sending_off_there_is_no_button_and_nothing_is_queued(
    make_app: Callable[..., Flask], staff_login: Callable[..., Any]
) -> None:
    app = make_app()
    admin = app.test_client()
    staff_login(admin, roles=("admin",))
    page = admin.get("/admin/deliveries").get_data(as_text=True)
    assert "Sending to the EHR is switched off" in page and "Send again" not in page
    answer = admin.post("/admin/deliveries/ehr/1/send-again", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "switched off" in answer.get_data(as_text=True)
    assert _resends(app) == []
