"""The PDF-downloading clinicians of bench/load.py: each signs in (password and TOTP) and downloads PDF after PDF.

A clinician opens an intake's page, posts the download with its CSRF token and, while the PDF is being prepared,
follows the page's own refresh (every 2 s, as a browser does) until the file comes; then takes another intake.
"""

from __future__ import annotations

import datetime as dt
import http.client
import queue
import re
import subprocess
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

import pyotp

from triage.db import intakes as queries
from triage.db import users
from triage.db.demo import demo_patients
from triage.db.evaluations import current_ruleset, evaluate_for_storage
from triage.db.session import Database
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_REFRESH = re.compile(r'http-equiv="refresh" content="(\d+)"')
PASSWORD = "load-bench clinician passphrase 42"  # noqa: S105 - a fictional account on a throw-away database


def seed_clinicians(db: Database, count: int) -> list[tuple[str, str]]:
    """Clinician accounts (email, TOTP secret), TOTP enrolled as from the command line."""
    found = []
    with db.session() as session:
        for n in range(count):
            user, uri = users.create_user(session, f"load-clinician-{n}@example.org", PASSWORD, ("clinician",))
            found.append((user.email, pyotp.parse_uri(uri).secret))
    return found


def seed_submitted(db: Database, count: int) -> list[int]:
    """Submitted, evaluated intakes with the demo patients' answers (each letter its own: its own reference); their ids."""
    questionnaire, today = default_questionnaire(), dt.date.today()
    answers = [validate_answers(questionnaire, p["answers"], today) for p in demo_patients()]
    ids = []
    with db.session() as session:
        ruleset = current_ruleset(session)
        for n in range(count):
            _token, intake = queries.create_invitation(
                session, ref=f"PDF-LOAD-{n}", questionnaire_version=questionnaire.version, expires_days=30
            )
            queries.save_step(session, intake, answers[n % len(answers)], {})
            queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, today, ruleset))
            ids.append(intake.id)
    return ids


class PdfStats:
    """What the clinicians saw: time from asking to having each PDF, pages served, errors."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waits: list[float] = []
        self.requests: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []


class Clinician(threading.Thread):
    """One clinician with a cookie jar, downloading the intakes it takes from the shared queue until the deadline."""

    def __init__(self, port: int, account: tuple[str, str], intakes: queue.Queue[int], stats: PdfStats, deadline: float):
        super().__init__(daemon=True)
        self.port, self.account, self.intakes, self.stats, self.deadline = port, account, intakes, stats, deadline
        self.jar: dict[str, str] = {}

    def call(self, kind: str, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, bytes]:
        """One request on its own connection; returns status, Location and body."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())} if self.jar else {}
        body = urlencode(form) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        start = time.perf_counter()
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        with self.stats.lock:
            self.stats.requests[kind].append(time.perf_counter() - start)
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if "max-age=0" in cookie.lower() or not value:
                self.jar.pop(name.strip(), None)
            else:
                self.jar[name.strip()] = value
        return response.status, response.getheader("Location") or "", data

    def token(self, path: str) -> str:
        """The CSRF token of a page."""
        found = _CSRF.search(self.call("page", "GET", path)[2].decode("utf-8", "replace"))
        return found.group(1) if found else ""

    def sign_in(self) -> str:
        """Password, then the TOTP code; '' when signed in, else what went wrong."""
        email, secret = self.account
        form = {"csrf_token": self.token("/staff/login"), "email": email, "password": PASSWORD, "next": ""}
        status = self.call("sign in", "POST", "/staff/login", form)[0]
        if status not in (302, 303):
            return f"sign-in: password step HTTP {status}"
        code = {"csrf_token": self.token("/staff/login/code"), "code": pyotp.TOTP(secret).now()}
        status = self.call("sign in", "POST", "/staff/login/code", code)[0]
        return "" if status in (302, 303) else f"sign-in: code step HTTP {status}"

    def download(self, intake_id: int) -> None:
        """Ask for one intake's PDF and wait for it as a browser would (following the page's refresh)."""
        url = f"/clinic/intakes/{intake_id}"
        start = time.perf_counter()
        form = {"csrf_token": self.token(url)}
        status, location, data = self.call("download POST", "POST", f"{url}/pdf", form)
        shown = 0
        while status == 303 and "/pdf/preparing" in location and time.monotonic() < self.deadline + 30:
            shown, _, body = self.call("preparing GET", "GET", f"{url}/pdf/preparing")
            page = body.decode("utf-8", "replace")
            wait = _REFRESH.search(page)
            if wait is None:  # ready (or failed): the page's button posts the download again
                status, location, data = self.call("download POST", "POST", f"{url}/pdf", {"csrf_token": _token_in(page)})
                break
            time.sleep(int(wait.group(1)))
        with self.stats.lock:
            if status == 200 and data.startswith(b"%PDF"):
                self.stats.waits.append(time.perf_counter() - start)
            else:
                self.stats.errors.append(f"download: HTTP {status} (the preparing page: HTTP {shown})")

    def run(self) -> None:
        """Sign in, then download until the deadline or the intakes run out."""
        try:
            problem = self.sign_in()
            if problem:
                with self.stats.lock:
                    self.stats.errors.append(problem)
                return
            while time.monotonic() < self.deadline:
                try:
                    intake_id = self.intakes.get_nowait()
                except queue.Empty:
                    return
                self.download(intake_id)
        except (OSError, http.client.HTTPException) as error:
            with self.stats.lock:
                self.stats.errors.append(type(error).__name__)


def _token_in(page: str) -> str:
    found = _CSRF.search(page)
    return found.group(1) if found else ""


def start_worker(root: Path, env: dict[str, str], folder: Path) -> subprocess.Popen[bytes]:
    """`triage worker` beside gunicorn, with the app's environment: it runs the PDF jobs (and sends the outbox)."""
    with (folder / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [str(root / ".venv/bin/triage"), "worker", "--poll-seconds", "0.2"],
            env=env,
            cwd=root,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


def clinicians(
    port: int, accounts: list[tuple[str, str]], intake_ids: list[int], seconds: float
) -> tuple[list[Clinician], PdfStats]:
    """Start one clinician per account on distinct intakes (each downloads PDFs nobody downloaded before)."""
    pool: queue.Queue[int] = queue.Queue()
    for intake_id in intake_ids:
        pool.put(intake_id)
    stats = PdfStats()
    deadline = time.monotonic() + seconds
    threads = [Clinician(port, account, pool, stats, deadline) for account in accounts]
    for thread in threads:
        thread.start()
    return threads, stats


def pdf_summary(stats: PdfStats, seconds: float) -> str:
    """One line: PDFs delivered, per second, the wait from asking to having one, and the errors."""
    waits = sorted(stats.waits)
    median = waits[len(waits) // 2] if waits else 0.0
    served = sorted(stats.requests.get("download POST", []))
    post = 1000 * served[len(served) // 2] if served else 0.0
    return (
        f"{len(waits)} PDFs delivered ({len(waits) / seconds:.2f} per second), wait from asking to the file median "
        f"{median:.1f} s, {len(served)} download POSTs (median {post:.0f} ms), "
        f"{len(stats.errors)} errors"
    )
