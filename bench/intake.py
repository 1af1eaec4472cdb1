"""Benchmark of the patient intake: step render and post times in-process, page sizes, and p95 under load on gunicorn.

Prints figures, never asserts. Targets on the reference machine: step render within 2x of a plain Jinja
rendering of the same fields, step post (red-flag pass included) under 3 ms, p95 under 25 ms for 100 patients on `gunicorn -w 2`.
Run: .venv/bin/python bench/intake.py [--quick] [--db sqlite|postgresql|both] [--no-load]
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from triage import create_app  # noqa: E402
from triage.db import intakes as queries  # noqa: E402
from triage.db import migrate  # noqa: E402
from triage.domain.questionnaire.questions import Question, default_questionnaire  # noqa: E402

SECRET = "bench-secret-key-long-enough-0123456789abcdef"
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_NAMES = re.compile(r'\bname="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# The same page with the fields written out as plain Jinja loops (no macro): the yardstick for the macro's cost.
PLAIN_SOURCE = (
    '{% extends "base.html" %}{% block title %}{{ step.title }}{% endblock %}{% block content %}\n'
    '<div class="progress"><p>Step {{ number }} of {{ total }}</p><progress max="{{ total }}" value="{{ number }}'
    '"></progress></div>\n'
    '<h1>{{ step.title }}</h1><form method="post" action="{{ url_for(\'patient.save\', step_id=step.id) }}'
    '" novalidate>\n'
    '<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">\n'
    '{% for q in questions %}<div class="q" id="q-{{ q.id }}">{% if q.type in ("single", "multi", "scale") %}'
    "<fieldset><legend>{{ q.label }}</legend>\n"
    '{% if q.help %}<p class="hint">{{ q.help }}</p>{% endif %}{% if q.type == "scale" %}'
    '{% for n in range(q.min|int, q.max|int + 1) %}<label><input type="radio" name="{{ q.id }}" value="{{ n }}'
    '"{% if n|string in shown[q.id] %} checked{% endif %}> {{ n }}</label>{% endfor %}\n'
    '{% else %}{% for c in q.choices %}<label><input type="{{ "checkbox" if q.type == "multi" else "radio" }}'
    '" name="{{ q.id }}" value="{{ c.value }}"{% if c.value in shown[q.id] %} checked{% endif %}> {{ c.label }}'
    "</label>{% endfor %}{% endif %}</fieldset>\n"
    '{% elif q.type == "longtext" %}<label for="f-{{ q.id }}">{{ q.label }}</label><textarea id="f-{{ q.id }}'
    '" name="{{ q.id }}">{{ shown[q.id]|join(" ") }}</textarea>\n'
    '{% else %}<label for="f-{{ q.id }}">{{ q.label }}</label><input id="f-{{ q.id }}" name="{{ q.id }}'
    '" value="{{ shown[q.id]|join(" ") }}">{% endif %}</div>\n'
    "{% endfor %}<button>Continue</button></form>{% endblock %}"
)


def answer_for(question: Question, variant: int = 0) -> list[str]:
    """A valid, follow-up-heavy answer (every symptom and test ticked, the first choice); variant 1 changes numbers and text."""
    if question.type in ("multi", "single"):
        values = [c.value for c in question.choices if c.value not in ("none", "not_sure")]
        return values if question.type == "multi" else [question.choices[0].value]
    low, high = question.min or 0, question.max if question.max is not None else 10
    if question.type in ("integer", "scale"):
        return [str(int((low + high) // 2) + variant)]
    if question.type == "number":
        return [str((low + high) / 2 + variant / 2)]
    return {"date": [f"1970-01-0{1 + variant}"], "consent": ["yes"]}.get(question.type, [f"Some words, café 🙂 ({variant})"])


def median_ms(samples: list[float]) -> float:
    """Median in milliseconds."""
    return statistics.median(samples) * 1000


def p95_ms(samples: list[float]) -> float:
    """95th percentile in milliseconds."""
    return statistics.quantiles(samples, n=100)[94] * 1000 if len(samples) >= 2 else median_ms(samples)


def timed(call: Callable[[], Any], runs: int) -> list[float]:
    """Wall-clock durations of `runs` calls."""
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages, for reading the figures beside them."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


@contextmanager
def pg_database() -> Iterator[str]:
    """A new, migrated PostgreSQL database for the in-process figures (its URL), dropped afterwards."""
    name = f"triage_intake_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        migrate.upgrade(url := make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def new_database(folder: Path) -> str:
    """A migrated SQLite database in a folder."""
    migrate.upgrade(url := f"sqlite:///{folder / 'bench.db'}")
    return url


def form_for(page: str, variant: int = 0) -> dict[str, list[str]]:
    """The post for a page: an answer to every field it shows, plus its CSRF token."""
    questionnaire = default_questionnaire()
    names = set(_NAMES.findall(page))
    data = {n: answer_for(questionnaire.by_id[n], variant) for n in names if n in questionnaire.by_id}
    # A date is asked in three boxes (day, month, year): each gets its part of the ISO answer.
    for n in names:
        base, _, part = n.rpartition("-")
        question = questionnaire.by_id.get(base)
        if question is not None and question.type == "date" and part in ("day", "month", "year"):
            year, month, day = answer_for(question, variant)[0].split("-")
            data[n] = [{"day": day, "month": month, "year": year}[part]]
    found = _CSRF.search(page)
    data["csrf_token"] = [found.group(1) if found else ""]
    return data


def server_ms(app: Any, builders: list[EnvironBuilder], runs: int) -> float:
    """Median server time of a request: the WSGI app called directly with prepared environs, taken in turn."""
    prepared = [(env, env["wsgi.input"].read()) for env in (b.get_environ() for b in builders)]
    statuses: list[str] = []
    turn = iter(range(10**9))

    def once() -> None:
        environ, body = prepared[next(turn) % len(prepared)]
        for _chunk in app.wsgi_app(dict(environ, **{"wsgi.input": io.BytesIO(body)}), lambda status, *_: statuses.append(status)):
            pass

    times = timed(once, runs)
    if any(not s.startswith(("200", "303")) for s in statuses):
        raise RuntimeError(f"unexpected status while timing {builders[0].path}: {sorted(set(statuses))}")
    return median_ms(times)


def statements_per_call(app: Any, call: Callable[[], Any], calls: int) -> float:
    """SQL statements sent per request while `call` makes `calls` requests (an engine event listener counts them)."""
    engine, sent = app.extensions["triage_db"].engine, [0]

    def count(*_args: Any) -> None:
        sent[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return sent[0] / calls


def cookie_header(client: Any) -> list[tuple[str, str]]:
    """The test client's session cookie as a request header."""
    cookie = client.get_cookie("triage_session")
    return [("Cookie", f"triage_session={cookie.value if cookie else ''}")]


def measure_step(app: Any, client: Any, path: str, runs: int) -> dict[str, float]:
    """One step: server time of GET and POST, render_step alone and the plain template, page size."""
    from triage.web.patient.forms import shown_values
    from triage.web.patient.pages import page_questions, render_step
    from triage.web.patient.session import load_bound

    page = client.get(path).get_data(as_text=True)
    headers = cookie_header(client)
    figures = {"get": server_ms(app, [EnvironBuilder(path=path, headers=headers)], runs), "kb": len(page.encode()) / 1024}
    # Two answer sets in turn, so every timed post changes what is stored (numbers and text differ).
    posts = [MultiDict([(k, v) for k, vs in form_for(page, variant).items() for v in vs]) for variant in (1, 0)]
    builders = [EnvironBuilder(path=path, method="POST", data=d, headers=headers) for d in posts]
    figures["post"] = server_ms(app, builders, runs)
    figures["sql"] = statements_per_call(app, lambda: server_ms(app, builders, 2), 2)
    step = default_questionnaire().step(path.rsplit("/", 1)[-1])
    with app.test_request_context(path, headers=headers):
        with app.extensions["triage_db"].session() as session:
            bound = load_bound(session)
            if bound is None:
                raise RuntimeError("the bench client's session is not bound to its intake")
            progress, stored = bound.progress(session)
        visible, shown, (number, total) = (
            progress.visible(step),
            shown_values(step.questions, stored, progress.pending),
            progress.section_position(step)[:2],
        )
        plain = app.jinja_env.from_string(PLAIN_SOURCE)
        same_fields = page_questions(default_questionnaire(), step, visible)[0]  # the visible ones and same-page follow-ups
        figures["render"] = median_ms(timed(lambda: render_step(progress, step, visible, shown, {}), runs))
        figures["plain"] = median_ms(
            timed(lambda: plain.render(step=step, questions=same_fields, shown=shown, number=number, total=total), runs)
        )
    return figures


def past_interrupt(client: Any) -> str | None:
    """Press "I understand - continue my answers" if the interrupt page waits (emergency answers); where it leads."""
    page = client.get("/intake/urgent")
    if page.status_code != 200:
        return None
    return str(client.post("/intake/urgent", data=form_for(page.get_data(as_text=True))).location)


def red_flag_pass_ms(app: Any, runs: int) -> float:
    """The red-flag pass alone (ruleset look-up plus the red-flag rules) on the bench patient's stored answers."""
    import datetime as dt

    from triage.db import alerts

    with app.extensions["triage_db"].session() as session:
        intake_id = max(row["id"] for row in queries.list_intakes(session))
        answers = queries.load_answers(session, intake_id)
        today = dt.date.today()
        return median_ms(timed(lambda: alerts.red_flags_so_far(session, answers, today), runs))


def in_process(url: str, runs: int, label: str = "SQLite") -> None:
    """Every step in turn: server times, render against plain Jinja, page sizes; then the review page."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "TESTING": True})
    with app.extensions["triage_db"].session() as session:
        token, _intake = queries.create_invitation(
            session, ref="BENCH", questionnaire_version=default_questionnaire().version, expires_days=1
        )
    client = app.test_client()
    client.get(f"/i/{token}")
    print(f"\nIn-process server time (WSGI app called directly), median of {runs} runs; {label}; every symptom and test ticked;")
    print(f"each timed post changes the stored numbers and text; SQL = statements per post; load average {load_average()}.")
    print(f"{'step':<17}{'GET ms':>8}{'POST ms':>9}{'SQL':>5}{'render ms':>10}{'plain ms':>9}{'ratio':>7}{'KB':>7}")
    rows, path = [], "/intake/about_you"
    while path != "/intake/review":
        past_interrupt(client)  # a timed post with emergency answers leaves the interrupt page waiting
        rows.append(figures := measure_step(app, client, path, runs))
        ratio = figures["render"] / figures["plain"]
        print(
            f"{path[8:]:<17}{figures['get']:>8.2f}{figures['post']:>9.2f}{figures['sql']:>5.0f}{figures['render']:>10.2f}"
            f"{figures['plain']:>9.2f}{ratio:>7.2f}{figures['kb']:>7.1f}"
        )
        past_interrupt(client)
        path = client.post(path, data=form_for(client.get(path).get_data(as_text=True))).location or "/intake/review"
        if path == "/intake/urgent":
            path = past_interrupt(client) or "/intake/review"
    review = client.get("/intake/review")
    review_ms = server_ms(app, [EnvironBuilder(path="/intake/review", headers=cookie_header(client))], runs)
    print(f"{'review':<17}{review_ms:>8.2f}{'':>40}{len(review.data) / 1024:>7.1f}")
    # The floor: a patient post that saves nothing (CSRF, session, the intake's lock, a redirect): nothing waits to be read.
    floor = server_ms(
        app,
        [
            EnvironBuilder(
                path="/intake/urgent", method="POST", data=form_for(review.get_data(as_text=True)), headers=cookie_header(client)
            )
        ],
        runs,
    )
    posts, ratios = [r["post"] for r in rows], [r["render"] / r["plain"] for r in rows]
    print(f"step post: median over steps {statistics.median(posts):.2f} ms, slowest {max(posts):.2f} ms (target < 3 ms)")
    print(
        f"  red-flag pass included (emergency and urgent flags stand from the symptoms step on): the pass alone "
        f"{red_flag_pass_ms(app, runs):.3f} ms; floor (a patient post that saves nothing) {floor:.2f} ms"
    )
    print(
        f"render / plain Jinja: median {statistics.median(ratios):.2f}x, worst {max(ratios):.2f}x (target <= 2x); "
        f"largest page {max(r['kb'] for r in rows):.1f} KB (limit 60)"
    )
    app.extensions["triage_db"].dispose()


def start_gunicorn(url: str, folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn with 2 workers on a free port of 127.0.0.1, on the given database, in its own process group."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = os.environ | {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "TRIAGE_INSTANCE": str(folder),
        "PYTHONPATH": str(ROOT),
        "TRIAGE_ENV": "development",
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "triage:create_app()",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True)
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/intake")
            connection.getresponse().read()
            connection.close()
            return process, port
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
    stop(process)
    raise RuntimeError("gunicorn did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the gunicorn this script started: SIGTERM, then SIGKILL to the process group it was given (its helpers too)."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # only the group created for this gunicorn
    except ProcessLookupError:
        pass
    process.wait(timeout=5)


class Patient(threading.Thread):
    """One virtual patient (http.client, one cookie): opens the link, answers every step with pauses, submits."""

    def __init__(self, port: int, token: str, pause: tuple[float, float], deadline: float, seed: int):
        super().__init__(daemon=True)
        self.port, self.token, self.pause, self.deadline, self.random = port, token, pause, deadline, random.Random(seed)
        self.cookie, self.finished = "", False
        self.gets, self.posts, self.submits, self.errors = [], [], [], []  # type: tuple[list[float], list[float], list[float], list[str]]

    def _call(self, method: str, path: str, into: list[float], form: dict[str, list[str]] | None = None) -> tuple[int, str, str]:
        """One request on a new connection (gunicorn's sync workers close each one): status, Location, body."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = urlencode([(k, v) for k, values in form.items() for v in values]) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        start = time.perf_counter()
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8")
        finally:
            connection.close()
        into.append(time.perf_counter() - start)
        self.cookie = (response.getheader("Set-Cookie") or self.cookie).split(";", 1)[0]
        if response.status >= 500:
            self.errors.append(f"{method} {path} {response.status}")
        return response.status, response.getheader("Location") or "", text

    def run(self) -> None:
        """Walk the questionnaire once."""
        try:
            self._call("GET", f"/i/{self.token}", self.gets)
            path = "/intake/about_you"
            while time.monotonic() < self.deadline:
                page = self._call("GET", path, self.gets)[2]
                time.sleep(self.random.uniform(*self.pause))  # the patient reads and answers
                status, location, _body = self._call(
                    "POST", path, self.submits if path == "/intake/review" else self.posts, form_for(page)
                )
                if path == "/intake/review" or status not in (200, 303):
                    self.finished = path == "/intake/review" and status == 303
                    self.errors += [] if self.finished else [f"POST {path} {status}"]
                    return
                path = location or path  # 200: follow-ups shown again without JavaScript
        except (OSError, http.client.HTTPException) as error:
            self.errors.append(type(error).__name__)


def run_all(patients: list[Patient], pause: float, timeout: Callable[[], float]) -> None:
    """Start the patients a little apart, then wait for each (bounded)."""
    for patient in patients:
        patient.start()
        time.sleep(pause)
    for patient in patients:
        patient.join(timeout=timeout())


def under_load(folder: Path, patients: int, pause: tuple[float, float], limit: float) -> None:
    """Latency of page loads, step saves and submissions for many patients against gunicorn -w 2."""
    url = new_database(folder)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    version = default_questionnaire().version
    with app.extensions["triage_db"].session() as session:
        tokens = [
            queries.create_invitation(session, ref=f"LOAD-{i}", questionnaire_version=version, expires_days=1)[0]
            for i in range(patients + 4)
        ]
    app.extensions["triage_db"].dispose()
    process, port = start_gunicorn(url, folder)
    try:
        # Warm both workers (imports, templates, the ruleset) with a few patients who do not pause; not measured.
        warm = [Patient(port, token, (0.0, 0.0), time.monotonic() + 60, -1) for token in tokens[patients:]]
        run_all(warm, pause=0.0, timeout=lambda: 60.0)
        deadline = time.monotonic() + limit
        crowd = [Patient(port, token, pause, deadline, seed) for seed, token in enumerate(tokens[:patients])]
        started = time.perf_counter()
        run_all(crowd, pause=0.01, timeout=lambda: max(0.1, deadline - time.monotonic() + 15))
        elapsed = time.perf_counter() - started
    finally:
        stop(process)
    gets, posts, submits = ([t for p in crowd for t in getattr(p, kind)] for kind in ("gets", "posts", "submits"))
    errors = [e for p in crowd for e in p.errors]
    print(
        f"\nLoad: {patients} patients, {pause[0]}-{pause[1]} s pauses, gunicorn -w 2 on 127.0.0.1:{port}, SQLite, {elapsed:.0f} s"
    )
    for label, samples in (
        ("page loads", gets),
        ("step saves", posts),
        ("submissions (rules evaluated)", submits),
        ("all requests", gets + posts + submits),
    ):
        print(f"  {label}: {len(samples)} requests, median {median_ms(samples):.1f} ms, p95 {p95_ms(samples):.1f} ms")
    print(
        f"  (target: p95 < 25 ms) submitted {sum(p.finished for p in crowd)}/{patients}; "
        f"errors {len(errors)} {sorted(set(errors))[:5]}"
    )


def main() -> None:
    """Run the in-process figures, then the load test."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and a short load test (25 patients)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite", help="in-process figures on")
    parser.add_argument("--no-load", action="store_true", help="only the in-process figures (bench/load.py runs the load)")
    args = parser.parse_args()
    runs, patients, pause, limit = (20, 25, (0.3, 1.0), 40.0) if args.quick else (200, 100, (1.0, 3.0), 150.0)
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        folder = Path(tmp)
        os.environ["TRIAGE_INSTANCE"] = str(folder)
        os.environ.setdefault("TRIAGE_ENV", "development")  # an unset TRIAGE_ENV means production, which refuses TESTING
        if args.db in ("sqlite", "both"):
            (folder / "inproc").mkdir()
            in_process(new_database(folder / "inproc"), runs)
        if args.db in ("postgresql", "both"):
            with pg_database() as url:
                in_process(url, runs, "PostgreSQL")
        if not args.no_load:
            under_load(folder, patients, pause, limit)


if __name__ == "__main__":
    main()
