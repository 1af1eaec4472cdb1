"""Worklist server time with 10 000 intakes, on SQLite and on PostgreSQL (figures only; nothing is asserted).

Run: .venv/bin/python bench/worklist.py [--intakes N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "plum orbit lantern 42 quietly"  # noqa: S105 - a throwaway benchmark account
RUNS = 20
VIEWS = {
    "default (urgency first, then waiting time)": "/clinic/",
    "newest change first": "/clinic/?sort=updated",
    "sorted by red-flag urgency": "/clinic/?sort=urgency",
    "submitted + urgent": "/clinic/?status=submitted&urgency=urgent",
    "search by reference": "/clinic/?q=W-0999",
    "page 100": "/clinic/?page=100",
}


def seed(db: Any, count: int) -> None:
    """`count` intakes across every status; submitted ones have one or two evaluations with varied urgency."""
    from sqlalchemy import insert, select

    from triage.db.models import Evaluation, Intake

    statuses = ("invited", "in_progress", "submitted", "submitted", "reviewed")
    urgencies = (None, None, "soon", "urgent", "emergency")
    differentials = ("celiac_disease", "ibs", "crohns_disease", "gerd", "h_pylori")
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    result = {"ruleset": {"version": "bench", "hash": "0" * 64}, "red_flags": [], "differentials": []}
    with db.session() as session:
        rows = []
        for n in range(count):
            status = statuses[n % len(statuses)]
            moment = base + dt.timedelta(minutes=n)
            done = status in ("submitted", "reviewed")
            rows.append(
                {
                    "ref": f"W-{n:05d}",
                    "status": status,
                    "questionnaire_version": "bench",
                    "created_at": moment,
                    "updated_at": moment,
                    "submitted_at": moment if done else None,
                    "answers_sha256": "0" * 64 if done else None,
                    "pending_inputs": {},
                    "appointment_date": (base + dt.timedelta(days=n % 90)).date(),
                }
            )
        session.execute(insert(Intake), rows)
        ids = session.execute(select(Intake.id, Intake.status).order_by(Intake.id)).all()
        evaluations = []
        for n, (intake_id, status) in enumerate(ids):
            if status not in ("submitted", "reviewed"):
                continue
            for again in range(2 if n % 10 == 0 else 1):
                evaluations.append(
                    {
                        "intake_id": intake_id,
                        "ruleset_version": "bench",
                        "ruleset_sha256": "0" * 64,
                        "result": result,
                        "fired_rules": [],
                        "top_differential": differentials[(n + again) % 5],
                        "top_urgency": urgencies[(n + again) % 5],
                        "reason": "reevaluate" if again else "submit",
                        "created_at": base + dt.timedelta(minutes=n, seconds=again),
                    }
                )
        session.execute(insert(Evaluation), evaluations)


def token(page: str) -> str:
    """The CSRF token of the first form in a page."""
    tag = re.search(r'<input\b[^>]*\bname="csrf_token"[^>]*>', page)
    value = re.search(r'\bvalue="([^"]+)"', tag.group(0)) if tag else None
    if value is None:
        raise RuntimeError("no CSRF token in the page")
    return value.group(1)


def signed_in_client(app: Any) -> Any:
    """A test client signed in as a new clinician through the real password and TOTP steps."""
    import pyotp

    from triage.db import users

    with app.extensions["triage_db"].session() as session:
        _user, uri = users.create_user(session, f"bench-{uuid.uuid4().hex[:6]}@clinic.example", PASSWORD, ("clinician",))
        email = _user.email
    client = app.test_client()
    client.post(
        "/staff/login",
        data={"csrf_token": token(client.get("/staff/login").get_data(as_text=True)), "email": email, "password": PASSWORD},
    )
    client.post(
        "/staff/login/code",
        data={"csrf_token": token(client.get("/staff/login/code").get_data(as_text=True)), "code": pyotp.parse_uri(uri).now()},
    )
    if client.get("/clinic/").status_code != 200:
        raise RuntimeError("could not sign the benchmark clinician in")
    return client


def median_ms(action: Callable[[], Any]) -> float:
    """Median milliseconds over RUNS calls after one warm-up."""
    action()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(label: str, url: str, count: int) -> None:
    """Seed a migrated database and print the query time and the whole request time of each view."""
    from triage import create_app
    from triage.db import migrate, worklist
    from triage.web.clinic.forms import worklist_query

    started = time.perf_counter()
    migrate.upgrade(url)
    os.environ.setdefault("TRIAGE_INSTANCE", tempfile.mkdtemp(prefix="bench-instance-"))
    os.environ.setdefault("TRIAGE_ENV", "development")  # an unset TRIAGE_ENV means production, which refuses TESTING
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-long-enough-0123456789", "TESTING": True})
    db = app.extensions["triage_db"]
    seed(db, count)
    client = signed_in_client(app)
    print(f"{label}: {count} intakes seeded in {time.perf_counter() - started:.1f} s")
    for name, path in VIEWS.items():
        query = worklist_query(dict(part.split("=") for part in path.partition("?")[2].split("&") if part))

        def run_query(query: Any = query) -> None:
            with db.session() as session:
                worklist.worklist_page(session, query)

        def request(path: str = path) -> None:
            if client.get(path).status_code != 200:
                raise RuntimeError(f"{path} failed")

        print(
            f"  {name:<32} queries {median_ms(run_query):6.1f} ms   whole request {median_ms(request):6.1f} ms (target < 100 ms)"
        )
    db.dispose()


def main() -> None:
    """Run on SQLite, then on PostgreSQL when it answers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--intakes", type=int, default=10_000)
    count = parser.parse_args().intakes
    folder = Path(tempfile.mkdtemp(prefix="bench-worklist-"))
    measure("SQLite", f"sqlite:///{folder / 'bench.db'}", count)
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bench_worklist_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        print(f"PostgreSQL: not reachable at {PG_ADMIN_URL}; skipped")
        return
    try:
        measure("PostgreSQL", make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False), count)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
