"""LOG_FORMAT=json: every line the app and the worker write is one JSON object with its request id, and no health data.

The app runs through the test client with the handler a command or the development server installs; the worker runs
as a real `triage worker --once` process mailing the test's SMTP server. Under gunicorn: test_logs_under_gunicorn.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.log_lines import ENQUEUE_URL, add_enqueue_view, captured_logs, health_data_in, json_lines, seed_patient
from tests.helpers.outbox import worker_env, worker_for
from tests.helpers.smtp import SmtpServer
from tests.helpers.staff import StaffLogin
from triage.web.access import role_required

ROOT = Path(__file__).resolve().parents[2]
TRIAGE = Path(sys.executable).with_name("triage")
REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def check_access_line(entry: dict[str, Any], method: str, path: str, status: int, request_id: str) -> None:
    """An access line with every field the format promises."""
    assert entry["logger"] == "triage.access" and entry["level"] == "INFO"
    assert (entry["method"], entry["path"], entry["status"], entry["request_id"]) == (method, path, status, request_id)
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert "?" not in entry["path"] and "?" not in entry["message"]


def test_a_clinic_and_patient_session_logs_one_json_line_each_and_no_health_data(
    app: Flask, staff_login: Callable[..., StaffLogin]
) -> None:
    token, intake_id = seed_patient(app)
    staff = app.test_client()
    patient = app.test_client()
    staff_login(staff, ("clinician",))
    with captured_logs("json", sql=True) as buffer:
        requests: list[tuple[FlaskClient, str, str, int]] = [
            (staff, "/clinic/", "/clinic/", 200),
            (staff, f"/clinic/intakes/{intake_id}?name={token}", f"/clinic/intakes/{intake_id}", 200),
            (patient, f"/i/{token}?again={token}", "/i/[redacted]", 303),
            (patient, f"/no/such/page?birth={token}", "/no/such/page", 404),
        ]
        responses = [(client.get(url), path, status) for client, url, path, status in requests]
    lines = buffer.getvalue().splitlines()
    entries = json_lines(buffer.getvalue())
    page = responses[1][0].get_data(as_text=True)
    assert "Quillonby" in page  # the page showed the patient: the test would see a leak
    assert health_data_in(lines, token) == []
    assert any(e["logger"].startswith("sqlalchemy") for e in entries)  # SQL logged, parameters hidden
    for entry in entries:
        moment = dt.datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
        assert moment.utcoffset() == dt.timedelta(0) and entry["time"].endswith("Z")
        assert {"level", "logger", "message", "request_id"} <= entry.keys()  # every line here was written in a request
    access = [e for e in entries if e["logger"] == "triage.access"]
    for (response, path, status), entry in zip(responses, access, strict=True):  # one access line per request
        assert response.status_code == status
        check_access_line(entry, "GET", path, status, response.headers["X-Request-ID"])
    assert len({e["request_id"] for e in access}) == len(access)


def test_an_unhandled_error_is_one_json_line_with_its_redacted_traceback(
    app: Flask, staff_login: Callable[..., StaffLogin]
) -> None:
    token = "Zq3-secret_token_value_0123456789abcdefghijkl"

    @role_required("clinician")
    def broken() -> str:
        raise ValueError(f"failed on /i/{token}\nsecond line")

    app.add_url_rule("/test-only/broken", "test_broken", broken)
    client = app.test_client()
    staff_login(client, ("clinician",))
    with captured_logs("json") as buffer:
        response = client.get("/test-only/broken")
    assert response.status_code == 500
    assert token not in buffer.getvalue()
    entries = json_lines(buffer.getvalue())
    (error,) = [e for e in entries if e["message"] == "unhandled error"]
    assert error["level"] == "ERROR" and "Traceback" in error["exception"] and "/i/[redacted]" in error["exception"]
    assert error["request_id"] == response.headers["X-Request-ID"]
    check_access_line(entries[-1], "GET", "/test-only/broken", 500, response.headers["X-Request-ID"])


def test_the_text_format_keeps_its_shape_and_adds_the_request_id(app: Flask) -> None:
    with captured_logs("text") as buffer:
        response = app.test_client().get("/healthz?token=abc")
    (line,) = buffer.getvalue().splitlines()
    request_id = response.headers["X-Request-ID"]
    pattern = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO triage\.access: \"GET /healthz\" 200 [\d.]+ms \[request_id=(\w+)\]"
    found = re.fullmatch(pattern, line)
    assert found and found.group(1) == request_id, line


def test_a_worker_jobs_lines_carry_the_jobs_name(app: Flask) -> None:
    def failing_job(*_: Any) -> int:
        logging.getLogger("triage.jobs.test").warning("about to fail")
        raise RuntimeError("broken job")

    with captured_logs("json") as buffer:
        counts = worker_for(app, jobs=[failing_job]).run_jobs(dt.datetime.now(dt.UTC))
    assert counts == {"failing_job": -1}
    entries = json_lines(buffer.getvalue())
    assert [(e["message"], e["job"]) for e in entries] == [
        ("about to fail", "failing_job"),
        ("job failing_job failed: RuntimeError", "failing_job"),
    ]
    assert all("request_id" not in e for e in entries)


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_worker_process_logs_the_request_id_of_the_mail_it_sends(
    make_app: Callable[..., Flask],
    staff_login: Callable[..., StaffLogin],
    smtp_server: SmtpServer,
    db_url: str,
    tmp_path: Path,
    log_format: str,
) -> None:
    app = make_app()
    add_enqueue_view(app)
    token, _intake_id = seed_patient(app)
    client = app.test_client()
    staff_login(client, ("clinician",))
    queued = client.get(ENQUEUE_URL)
    assert queued.status_code == 200
    message_id, request_id = int(queued.get_data(as_text=True)), queued.headers["X-Request-ID"]
    assert REQUEST_ID.fullmatch(request_id)
    env = worker_env(db_url, tmp_path, smtp_server) | {"LOG_FORMAT": log_format}
    done = subprocess.run(
        [str(TRIAGE), "worker", "--once"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("sent 1,"), done.stdout
    assert len(smtp_server.messages()) == 1
    lines = done.stderr.splitlines()
    assert health_data_in(lines + done.stdout.splitlines(), token) == []
    if log_format == "text":
        sent = [line for line in lines if f"outbox message {message_id} sent" in line]
        assert len(sent) == 1 and sent[0].endswith(f"[request_id={request_id} outbox_message={message_id}]"), lines
        return
    entries = json_lines(done.stderr)
    (sent_entry,) = [e for e in entries if e["message"] == f"outbox message {message_id} sent (attempt 1)"]
    assert (sent_entry["request_id"], sent_entry["outbox_message"], sent_entry["logger"]) == (
        request_id,
        message_id,
        "triage.jobs.worker",
    )
