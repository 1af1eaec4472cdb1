"""Under gunicorn with debug logging: a whole patient flow and a failed answer INSERT leave no token or health data in any log.

With LOG_FORMAT=json every line of every log is one JSON object, each request has one access line with its request id
(a trusted proxy's safe X-Request-ID kept), and still no token or health data.

Also: gunicorn's own error pages (its 414 for a huge request line, its 400 for a broken one) carry the security headers.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.helpers.apps import TEST_SECRET, build_app
from tests.helpers.log_lines import health_data_in, json_lines, seed_patient
from tests.helpers.patient import DONE_URL, PLAN, new_invitation, open_link, post_page, submit, walk_to_review
from triage.web.security import SECURITY_HEADERS

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
# Health data a log must never hold: distinctive, so that a hit cannot be a coincidence.
NAME = "Quillonby Sentinelname"
BIRTH = "1961-07-23"
FREE_TEXT = "Zebrafree sentinel-concern about cramps"
PATIENT = {**PLAN, "full_name": [NAME], "date_of_birth": [BIRTH], "main_concern": [FREE_TEXT], "hopes": [FREE_TEXT + " hope"]}
FAIL_SQLITE = "CREATE TRIGGER simulated_disk_full BEFORE INSERT ON answers BEGIN SELECT RAISE(ABORT, 'disk full'); END"
FAIL_PG = [
    "CREATE FUNCTION simulated_disk_full() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER simulated_disk_full BEFORE INSERT ON answers FOR EACH ROW EXECUTE FUNCTION simulated_disk_full()",
]
UNFAIL_PG = ["DROP TRIGGER IF EXISTS simulated_disk_full ON answers", "DROP FUNCTION IF EXISTS simulated_disk_full()"]


@dataclass
class Page:
    """A requests response as the patient test helpers read one (a Flask test response's few attributes)."""

    response: requests.Response
    base: str

    @property
    def status_code(self) -> int:
        """The HTTP status."""
        return self.response.status_code

    @property
    def location(self) -> str:
        """The redirect target, as a path."""
        return self.response.headers.get("Location", "").removeprefix(self.base)

    def get_data(self, as_text: bool = False) -> str:
        """The body as text."""
        return self.response.text


class HttpClient:
    """A browser over a real socket with the test client's get/post (no redirects followed)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def get(self, url: str, **_: Any) -> Page:
        """GET a path."""
        return Page(self.http.get(self.base + url, allow_redirects=False, timeout=20), self.base)

    def post(self, url: str, data: dict[str, Any]) -> Page:
        """POST a form to a path."""
        return Page(self.http.post(self.base + url, data=data, allow_redirects=False, timeout=20), self.base)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A gunicorn serving the app, with its log files."""

    base: str
    port: int
    logs: list[Path]

    def log_text(self) -> str:
        """Every line of every log file."""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in self.logs if path.exists())


@contextmanager
def running_gunicorn(db_url: str, tmp_path: Path, **settings: str) -> Iterator[Server]:
    """gunicorn with the project's config module, debug logging, access and error logs to files, and these settings."""
    port = free_port()
    access, error, output = tmp_path / "access.log", tmp_path / "error.log", tmp_path / "output.log"
    env = os.environ | {
        "TRIAGE_ENV": "test",
        "DATABASE_URL": db_url,
        "SECRET_KEY": TEST_SECRET,
        "TRIAGE_INSTANCE": str(tmp_path / "instance"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PDF_PREWARM": "0",
        "PYTHONPATH": str(ROOT),
        **settings,
    }
    command = [str(GUNICORN), "-c", "python:triage.web.gunicorn_conf", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    command += ["--log-level", "debug", "--access-logfile", str(access), "--error-logfile", str(error), "triage:create_app()"]
    with output.open("w") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/staff/login", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start: {output.read_text()[-3000:]}")
            time.sleep(0.2)
        yield Server(base, port, [access, error, output])
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    """gunicorn logging text (the default)."""
    with running_gunicorn(db_url, tmp_path) as running:
        yield running


@pytest.fixture
def json_server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    """gunicorn logging JSON lines, behind one proxy on 127.0.0.1 (the tests' requests come from there)."""
    with running_gunicorn(db_url, tmp_path, LOG_FORMAT="json", PROXY_HOPS="1") as running:
        yield running


def force_answer_insert_failure(db_url: str) -> None:
    """Make every INSERT of an answer fail from now on, as a full disk would."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for statement in [FAIL_SQLITE] if engine.dialect.name == "sqlite" else FAIL_PG:
            conn.execute(text(statement))
    engine.dispose()


def undo_failure(db_url: str) -> None:
    """Drop the failing trigger (the PostgreSQL test database is shared by the tests of this process)."""
    engine = create_engine(db_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for statement in UNFAIL_PG:
                conn.execute(text(statement))
    engine.dispose()


def raw_request(port: int, request_line: bytes) -> bytes:
    """Send one raw request line and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request_line + b"\r\nHost: 127.0.0.1\r\n\r\n")
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_no_token_or_health_data_in_any_log_line(server: Server, db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, tmp_path)
    token, _intake = new_invitation(app, ref="G-1")
    failing_token, _ = new_invitation(app, ref="G-2")
    app.extensions["triage_db"].dispose()
    patient = cast(Any, HttpClient(server.base))
    patient.http.headers["Referer"] = f"{server.base}/i/{token}"  # a token in a logged header too
    open_link(patient, token)
    walk_to_review(patient, PATIENT)
    assert submit(patient, PATIENT).status_code == 303
    assert patient.get(DONE_URL).status_code == 200
    # A broken request line carrying the token: gunicorn itself logs it (a preformatted message).
    assert raw_request(server.port, f"GET /i/{token} HTTP/1.1 trailing".encode()).startswith(b"HTTP/1.1 400")
    second = cast(Any, HttpClient(server.base))
    open_link(second, failing_token)
    force_answer_insert_failure(db_url)
    try:
        failed = post_page(second, "/intake/about_you", PATIENT)
    finally:
        undo_failure(db_url)
    assert failed.status_code == 500
    time.sleep(0.5)  # the access log line of the last request
    logged = server.log_text()
    lines = logged.splitlines()
    # The logs were really written at debug level, SQL included, and the failure was logged with its traceback.
    assert any("GET /intake/done" in line for line in lines)
    assert "INSERT INTO answers" in logged and "disk full" in logged and "Traceback" in logged
    assert "/i/[redacted]" in logged
    for secret in (token, failing_token, NAME, "Quillonby", "Sentinelname", BIRTH, FREE_TEXT, "Zebrafree"):
        found = [line for line in lines if secret in line]
        assert found == [], (secret, found[:3])
    # The year of birth on its own, as a word: not the digits inside a timing such as "cached since 0.1961s ago".
    year = re.compile(r"(?<![\d.])" + BIRTH[:4] + r"(?![\d])")
    found = [line for line in lines if year.search(line)]
    assert found == [], (BIRTH[:4], found[:3])


def test_gunicorns_own_error_pages_carry_the_security_headers(server: Server) -> None:
    for request_line, status in ((b"GET /" + b"a" * 8000 + b" HTTP/1.1", b"414"), (b"GET / HTTP/1.1 junk", b"400")):
        answer = raw_request(server.port, request_line)
        head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        assert head.startswith(f"HTTP/1.1 {status.decode()}"), head[:200]
        headers = {line.split(":", 1)[0].lower(): line.split(":", 1)[1].strip() for line in head.splitlines()[1:]}
        for name, value in SECURITY_HEADERS.items():
            assert headers.get(name.lower()) == value, (status, name)
        assert headers["cache-control"] == "no-store"
    assert requests.get(server.base + "/staff/login", timeout=5).headers["X-Frame-Options"] == "DENY"


def test_json_logs_are_one_object_a_line_with_request_ids_and_no_health_data(
    json_server: Server, db_url: str, tmp_path: Path
) -> None:
    app = build_app(db_url, tmp_path)
    seeded_token, _seeded = seed_patient(app)
    token, _intake = new_invitation(app, ref="J-1")
    failing_token, _ = new_invitation(app, ref="J-2")
    app.extensions["triage_db"].dispose()
    base = json_server.base
    kept = requests.get(f"{base}/healthz?token={token}", headers={"X-Request-ID": "lb-42.a_b"}, timeout=10)
    replaced = requests.get(f"{base}/healthz", headers={"X-Request-ID": "bad id\u00e9"}, timeout=10)
    assert kept.headers["X-Request-ID"] == "lb-42.a_b" and re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"])
    patient = cast(Any, HttpClient(base))
    patient.http.headers["Referer"] = f"{base}/i/{seeded_token}"
    open_link(patient, seeded_token)
    open_link(patient, token)
    assert post_page(patient, "/intake/about_you", PATIENT).status_code == 303  # the name and birth date are stored
    second = cast(Any, HttpClient(base))
    open_link(second, failing_token)
    force_answer_insert_failure(db_url)
    try:
        failed = post_page(second, "/intake/about_you", PATIENT)
    finally:
        undo_failure(db_url)
    assert failed.status_code == 500
    failed_id = cast(Any, failed).response.headers["X-Request-ID"]
    assert raw_request(json_server.port, f"GET /i/{token} HTTP/1.1 trailing".encode()).startswith(b"HTTP/1.1 400")
    time.sleep(0.5)  # the access line of the last request
    lines = json_server.log_text().splitlines()
    entries = json_lines("\n".join(line for line in lines if line))  # every line is JSON, or this fails
    assert health_data_in(lines, token, failing_token, seeded_token, FREE_TEXT, "Zebrafree") == []
    access = [e for e in entries if e["logger"] == "triage.access"]
    by_id = {e["request_id"]: e for e in access}
    assert len(by_id) == len(access)  # one access line per request
    assert (by_id["lb-42.a_b"]["path"], by_id["lb-42.a_b"]["status"]) == ("/healthz", 200)
    assert by_id[replaced.headers["X-Request-ID"]]["method"] == "GET"
    assert (by_id[failed_id]["method"], by_id[failed_id]["path"], by_id[failed_id]["status"]) == (
        "POST",
        "/intake/about_you",
        500,
    )
    assert any(e["path"] == "/i/[redacted]" for e in access)
    assert all(isinstance(e["duration_ms"], float) and "?" not in e["path"] for e in access)
    (error,) = [e for e in entries if e["message"] == "unhandled error"]
    assert error["request_id"] == failed_id and "disk full" in error["exception"] and "Traceback" in error["exception"]
    assert any("INSERT INTO answers" in e["message"] and e.get("request_id") for e in entries)
    assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["message"] for e in entries)
