"""Every request has an id: echoed in X-Request-ID, taken from a trusted proxy only when safe, kept by the mail it queues."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest
from flask import Flask

from tests.helpers.log_lines import ENQUEUE_URL, add_enqueue_view
from tests.helpers.staff import StaffLogin
from triage.db.models import OutboxMessage
from triage.jobs import log_context

GENERATED = re.compile(r"[0-9a-f]{32}")
PROXY = "127.0.0.1"  # in TRUSTED_PROXIES by default
STRANGER = "203.0.113.9"


def test_every_response_carries_a_new_generated_id(app: Flask) -> None:
    client = app.test_client()
    responses = [client.get("/healthz"), client.get("/staff/login"), client.get("/no/such/page"), client.get("/clinic/")]
    ids = [r.headers.get("X-Request-ID", "") for r in responses]
    assert [r.status_code for r in responses][:3] == [200, 200, 404]
    assert all(GENERATED.fullmatch(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


def test_without_a_configured_proxy_an_incoming_id_is_ignored(app: Flask) -> None:
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "lb-1234"}, environ_base={"REMOTE_ADDR": PROXY})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


def test_a_trusted_proxys_safe_id_is_kept(make_app: Callable[..., Flask]) -> None:
    app = make_app(PROXY_HOPS=1)
    given = "nginx.7f3a-9b_01"
    headers = {"X-Request-ID": given, "X-Forwarded-For": STRANGER}
    response = app.test_client().get("/healthz", headers=headers, environ_base={"REMOTE_ADDR": PROXY})
    assert response.headers["X-Request-ID"] == given


def test_an_id_from_any_other_peer_is_replaced(make_app: Callable[..., Flask]) -> None:
    app = make_app(PROXY_HOPS=1)
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "chosen-by-me"}, environ_base={"REMOTE_ADDR": STRANGER})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


@pytest.mark.parametrize("given", ["x" * 65, "has space", "semi;colon", 'quote"d', "é-accent", "a/b", ""])
def test_an_unsafe_id_from_a_trusted_proxy_is_replaced(make_app: Callable[..., Flask], given: str) -> None:
    app = make_app(PROXY_HOPS=1)
    response = app.test_client().get("/healthz", headers={"X-Request-ID": given}, environ_base={"REMOTE_ADDR": PROXY})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


def test_the_longest_safe_id_is_kept(make_app: Callable[..., Flask]) -> None:
    given = "A-z.0_9" * 9 + "x"  # 64 characters
    app = make_app(PROXY_HOPS=1)
    response = app.test_client().get("/healthz", headers={"X-Request-ID": given}, environ_base={"REMOTE_ADDR": PROXY})
    assert response.headers["X-Request-ID"] == given


def test_a_failing_view_and_a_refused_request_still_carry_an_id(app: Flask) -> None:
    client = app.test_client()
    refused = client.post("/staff/login", data={"email": "x@example.org"})  # no CSRF token
    redirected = client.get("/clinic/")
    assert refused.status_code == 400 and redirected.status_code == 302
    assert GENERATED.fullmatch(refused.headers["X-Request-ID"]) and GENERATED.fullmatch(redirected.headers["X-Request-ID"])


def test_log_records_of_a_request_and_its_access_line_carry_its_id(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    from triage.web.logs import context_fields

    seen: list[tuple[str, str | int | None]] = []

    class Spy(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append((record.name, context_fields(record).get("request_id")))

    spy = Spy()
    logging.getLogger().addHandler(spy)
    try:
        with caplog.at_level(logging.INFO):
            response = app.test_client().get("/i/not-a-real-link-token-at-all")
    finally:
        logging.getLogger().removeHandler(spy)
    request_id = response.headers["X-Request-ID"]
    assert ("triage.access", request_id) in seen
    assert any(name == "triage.patient" for name, _ in seen)
    assert {rid for _, rid in seen} == {request_id}


def test_a_message_queued_by_a_request_keeps_the_requests_id(app: Flask, staff_login: Callable[..., StaffLogin]) -> None:
    add_enqueue_view(app)
    client = app.test_client()
    staff_login(client, ("clinician",))
    response = client.get(ENQUEUE_URL)
    assert response.status_code == 200
    with app.extensions["triage_db"].session() as session:
        message = session.get(OutboxMessage, int(response.get_data(as_text=True)))
        assert message is not None
        details = dict(message.details)
    assert details == {"alert_id": 0, "request_id": response.headers["X-Request-ID"]}  # what it said already stays


def test_a_message_queued_outside_a_request_has_no_request_id(app: Flask) -> None:
    from tests.helpers.outbox import enqueue, row

    message_id = enqueue(app, "alert:cli:1", details={"alert_id": 1})
    assert message_id is not None
    assert row(app, message_id).details == {"alert_id": 1}


def test_the_worker_binds_only_known_fields_and_safe_ids() -> None:
    assert log_context.safe_request_id("ok-id_1.2") == "ok-id_1.2"
    assert log_context.safe_request_id("bad id") is None and log_context.safe_request_id(42) is None
    with log_context.bound(job="escalate_due"), log_context.bound(outbox_message=3, request_id=None):
        assert dict(log_context.current()) == {"job": "escalate_due", "outbox_message": 3}
    assert dict(log_context.current()) == {}
    with pytest.raises(ValueError, match="unknown"), log_context.bound(patient="x"):
        pass
