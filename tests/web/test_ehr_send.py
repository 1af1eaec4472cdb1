"""Sending the intake's Bundle to the EHR when its letter is finalised, against a FHIR endpoint the test runs.

On SQLite and PostgreSQL: sent once as a transaction the endpoint validates; retried with backoff while the EHR is down
and sent once when it is back (a second run of the job sends nothing); refused for good on a 400, with the EHR's
reason on the intake page; each try audited without health data.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select

from tests.helpers.ehr import EHR_TOKEN, amend_letter, delivery, ehr_settings, run_send, sign_letter, stored_pdf_bytes, sweep
from tests.helpers.fhir_endpoint import FhirEndpoint
from tests.helpers.letters import CASES, stored_case
from tests.helpers.pdf_jobs import context_of, job_rows, run_jobs
from triage.db.clock import utcnow
from triage.db.models import AuditEvent
from triage.jobs.ehr_send import enqueue_send, send_key
from triage.jobs.rq_queue import RqJobQueue, serve
from triage.jobs.runner import DbJobRunner

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def endpoint() -> Iterator[FhirEndpoint]:
    with FhirEndpoint() as served:
        yield served


@pytest.fixture
def ehr_app(make_app: Callable[..., Flask], endpoint: FhirEndpoint) -> Flask:
    return make_app(**ehr_settings(endpoint.url))


@pytest.fixture
def clinician(ehr_app: Flask, staff_login: Callable[..., Any]) -> FlaskClient:
    client = ehr_app.test_client()
    staff_login(client)
    return client


def _intake(app: Flask, ref: str) -> int:
    return stored_case(app, ref, CASES["coeliac_iron_27"])


def _page(client: FlaskClient, intake_id: int) -> str:
    """The intake page's text, tags dropped and spaces collapsed."""
    html = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" .", ".").replace(" :", ":")


def _sends(app: Flask, intake_id: int) -> list[tuple[str, str]]:
    with app.extensions["triage_db"].session() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ehr.send", AuditEvent.intake_id == intake_id).order_by(AuditEvent.id)
        )
        return [(r.outcome, r.detail) for r in rows]


def _run_jobs_at(app: Flask, at: dt.datetime) -> None:
    """One round of the worker's background jobs at a later time (when the sweep's jobs are due)."""
    DbJobRunner(context_of(app)).run_due(now=at)


def _document(bundle: dict[str, Any]) -> dict[str, Any]:
    (document,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference"]
    return document


def test_a_finalised_letter_is_sent_once_as_a_transaction_with_its_pdf(
    ehr_app: Flask, clinician: FlaskClient, endpoint: FhirEndpoint
) -> None:
    intake_id = _intake(ehr_app, "EHR-1")
    sign_letter(clinician, intake_id)
    assert ("ehr_send", f"ehr_send:{intake_id}", "queued", 0, "") in job_rows(ehr_app)  # queued with the signature
    assert "queued to be sent" in _page(clinician, intake_id)

    run_jobs(ehr_app)
    store = endpoint.store
    assert [p["status"] for p in store.posts] == [200]
    assert store.posts[0]["authorization"] == f"Bearer {EHR_TOKEN}"
    (bundle,) = store.accepted
    document = _document(bundle)
    assert document["status"] == "current" and document["docStatus"] == "final"
    assert document["type"]["coding"][0]["code"] == "11488-4"
    attachment = document["content"][0]["attachment"]
    pdf = base64.b64decode(attachment["data"])
    assert pdf == stored_pdf_bytes(ehr_app, intake_id) and pdf.startswith(b"%PDF")
    assert attachment["size"] == len(pdf)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf, usedforsecurity=False).digest()).decode()
    patient_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert document["subject"]["reference"] == patient_url  # resolves inside the transaction

    assert delivery(ehr_app, intake_id)["status"] == "sent"
    page = _page(clinician, intake_id)
    assert "EHR: sent" in page and "(letter revision 1)" in page

    # Nothing is sent twice: not by the job run again, a stale job row, or the sweep much later.
    assert run_send(ehr_app, intake_id) == "nothing to do"
    assert sweep(ehr_app, utcnow() + dt.timedelta(days=2)) == 0
    run_jobs(ehr_app)
    assert len(store.posts) == 1
    (sent,) = _sends(ehr_app, intake_id)
    assert sent[0] == "ok" and "revision=1" in sent[1] and "http=200" in sent[1]


def test_a_resend_after_a_new_signature_duplicates_nothing_on_the_ehr(
    ehr_app: Flask, clinician: FlaskClient, endpoint: FhirEndpoint
) -> None:
    intake_id = _intake(ehr_app, "EHR-2")
    sign_letter(clinician, intake_id)
    run_jobs(ehr_app)
    first = {kind: len(endpoint.store.by_type(kind)) for kind in ("Patient", "DocumentReference", "QuestionnaireResponse")}
    total = len(endpoint.store.resources)

    amend_letter(clinician, intake_id)
    sign_letter(clinician, intake_id)
    run_jobs(ehr_app)
    assert len(endpoint.store.accepted) == 2
    assert len(endpoint.store.resources) == total  # every conditional PUT updated what the first send made
    assert first == {"Patient": 1, "DocumentReference": 1, "QuestionnaireResponse": 1}
    (document,) = endpoint.store.by_type("DocumentReference")
    assert document["masterIdentifier"]["value"] == "EHR-2/r2"
    assert delivery(ehr_app, intake_id)["sent_revision"] == 2


def test_while_the_ehr_is_down_it_is_retried_and_sent_once_when_back(
    ehr_app: Flask, clinician: FlaskClient, endpoint: FhirEndpoint
) -> None:
    intake_id = _intake(ehr_app, "EHR-3")
    endpoint.fail(503, "Service unavailable for maintenance", times=2)
    sign_letter(clinician, intake_id)
    run_jobs(ehr_app)
    state = delivery(ehr_app, intake_id)
    assert state["status"] == "retrying" and state["attempts"] == 1
    assert "503" in state["reason"] and "maintenance" in state["reason"]
    page = _page(clinician, intake_id)
    assert "not accepted yet after 1 try" in page and "Service unavailable for maintenance" in page
    assert "The next try is at" in page

    assert sweep(ehr_app) == 0  # not before its backoff has passed
    later = utcnow() + dt.timedelta(hours=2)
    assert sweep(ehr_app, later) == 1 and sweep(ehr_app, later) == 0  # asked for once
    _run_jobs_at(ehr_app, later)
    assert delivery(ehr_app, intake_id)["attempts"] == 2
    endpoint.fail(200, delay=3.0)  # then it answers, but too late: a timeout
    later = utcnow() + dt.timedelta(hours=4)
    assert sweep(ehr_app, later) == 1
    _run_jobs_at(ehr_app, later)
    assert "did not answer within 1 seconds" in delivery(ehr_app, intake_id)["reason"]

    later = utcnow() + dt.timedelta(hours=8)
    assert sweep(ehr_app, later) == 1
    _run_jobs_at(ehr_app, later)
    assert delivery(ehr_app, intake_id)["status"] == "sent"
    assert run_send(ehr_app, intake_id) == "nothing to do"  # the job run twice sends nothing twice
    assert sweep(ehr_app, utcnow() + dt.timedelta(days=1)) == 0
    assert [p["status"] for p in endpoint.store.posts] == [503, 503, 200, 200]  # the late answer, then the send
    assert len(endpoint.store.accepted) == 1
    assert [o for o, _d in _sends(ehr_app, intake_id)] == ["retry", "retry", "retry", "ok"]
    assert "http=none" in _sends(ehr_app, intake_id)[2][1]


def test_a_refusal_fails_for_good_with_the_reason_on_the_intake_page(
    ehr_app: Flask, clinician: FlaskClient, endpoint: FhirEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    intake_id = _intake(ehr_app, "EHR-4")
    endpoint.fail(400, "Patient.birthDate: not allowed for this organisation")
    sign_letter(clinician, intake_id)
    run_jobs(ehr_app)
    state = delivery(ehr_app, intake_id)
    assert state["status"] == "failed" and state["attempts"] == 1
    page = _page(clinician, intake_id)
    assert "EHR: not sent" in page and "Patient.birthDate: not allowed for this organisation" in page
    assert sweep(ehr_app, utcnow() + dt.timedelta(days=3)) == 0 and run_send(ehr_app, intake_id) == "nothing to do"
    assert len(endpoint.store.posts) == 1 and not endpoint.store.accepted
    assert _sends(ehr_app, intake_id)[0][0] == "failed"
    # Neither the EHR's answer nor the patient's data goes in the log.
    assert "birthDate" not in caplog.text and "Cora" not in caplog.text


@pytest.mark.parametrize("status", [408, 429, 500])
def test_busy_and_timeout_answers_are_retried(
    ehr_app: Flask, clinician: FlaskClient, endpoint: FhirEndpoint, status: int
) -> None:
    intake_id = _intake(ehr_app, f"EHR-{status}")
    endpoint.fail(status)
    sign_letter(clinician, intake_id)
    run_jobs(ehr_app)
    assert delivery(ehr_app, intake_id)["status"] == "retrying"


def test_nothing_is_queued_when_sending_is_off(make_app: Callable[..., Flask], staff_login: Callable[..., Any]) -> None:
    app = make_app()
    client = app.test_client()
    staff_login(client)
    intake_id = _intake(app, "EHR-OFF")
    sign_letter(client, intake_id)
    assert not [r for r in job_rows(app) if r[0] == "ehr_send"]
    assert "EHR:" not in _page(client, intake_id)


def test_on_redis_the_send_job_is_queued_after_the_signature_and_sent_once(
    make_app: Callable[..., Flask], endpoint: FhirEndpoint, staff_login: Callable[..., Any]
) -> None:
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("no Redis at 127.0.0.1:6379; .ci/run starts it, and on CI this test must run, not be skipped")
        pytest.skip("no Redis at 127.0.0.1:6379")
    queue = RqJobQueue(connection, f"triage-test-{uuid.uuid4().hex[:12]}", timeout_seconds=30, intervals=[1] * 4)
    try:
        app = make_app(REDIS_URL=REDIS_URL, EHR_FHIR_URL=endpoint.url, EHR_FHIR_TOKEN=EHR_TOKEN)
        app.extensions["triage_job_queue"] = queue  # the app's queue, on this test's own queue name
        client = app.test_client()
        staff_login(client)
        intake_id = _intake(app, "EHR-RQ")
        sign_letter(client, intake_id)
        assert queue.state(send_key(intake_id)) == "queued" and not job_rows(app)
        serve(context_of(app), queue, burst=True)
        assert delivery(app, intake_id)["status"] == "sent" and len(endpoint.store.accepted) == 1
        assert enqueue_send(queue, intake_id)  # the job once more: it finds the delivery sent
        serve(context_of(app), queue, burst=True)
        assert len(endpoint.store.posts) == 1
    finally:
        queue.purge()
        connection.close()
