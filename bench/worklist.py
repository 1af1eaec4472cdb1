"""Worklist views at 10^4, 10^5 and 10^6 intakes on SQLite and PostgreSQL, each beside its floor (figures only).

For each size a new database is loaded at schema 0008 (bench/worklist_seed.py), upgraded to head (migration 0009 fills
the worklist columns in batches: its time is printed) and served by the app. Every view is timed as the worklist's
queries alone and as the whole signed-in request; the floor is an indexed SELECT of the same rows by primary key,
LIMIT 50, the least any page of them costs. Repetitions are interleaved (each round times every view once) and the
figures are medians; the SQL statements of one signed-in request of each view are counted and printed. Target: every
view under 50 ms at 10^6 intakes on both databases.

Run: .venv/bin/python bench/worklist.py [--sizes 10000,100000,1000000] [--databases sqlite,postgresql] [--runs 15]
"""

from __future__ import annotations

import argparse
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

import worklist_seed  # noqa: E402
from sqlalchemy import create_engine, event, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from triage import create_app  # noqa: E402
from triage.db import migrate, users, worklist  # noqa: E402
from triage.db.models import Intake  # noqa: E402
from triage.db.worklist_order import FIELDS, Cursor, encode  # noqa: E402
from triage.web.clinic.forms import worklist_query  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "plum orbit lantern 42 quietly"  # noqa: S105 - a throwaway benchmark account
TARGET_MS = 50.0
VIEWS = {
    "default (urgency, then waiting)": "",
    "sorted by red-flag urgency": "sort=urgency",
    "newest change first": "sort=updated",
    "status submitted": "status=submitted",
    "urgency urgent": "urgency=urgent",
    "submitted + urgent": "status=submitted&urgency=urgent",
    "decision urgent": "decision=urgent",
    "no decision yet": "decision=none",
    "assigned to one clinician": "assignee=3",
    "assigned to nobody": "assignee=none",
    "search, one reference": "q={one}",
    "search, broad prefix": "q=W-00",
    "a later page (mid-list)": "after={middle}",
}


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

    with app.extensions["triage_db"].session() as session:
        account, uri = users.create_user(session, f"bench-{uuid.uuid4().hex[:6]}@clinic.example", PASSWORD, ("clinician",))
        email = account.email
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


def build(url: str, count: int, sqlite: bool) -> tuple[float, float]:
    """Load `count` intakes at 0008 and upgrade to head; returns (load seconds, migration seconds)."""
    migrate.upgrade(url, worklist_seed.BEFORE_WORKLIST)
    started = time.perf_counter()
    engine = create_engine(url)
    with engine.begin() as conn:
        worklist_seed.seed(conn.connection.dbapi_connection, count, sqlite)
        if not sqlite:
            worklist_seed.move_sequences(conn)
    loaded = time.perf_counter()
    migrate.upgrade(url)
    filled = time.perf_counter()
    if not sqlite:  # what autovacuum does soon after a bulk change: statistics and the visibility map
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return loaded - started, filled - loaded


def middle_cursor(db: Any, count: int) -> str:
    """A cursor half-way down the default order: after a submitted intake near the middle of the history."""
    with db.session() as session:
        row = session.execute(
            select(Intake.queue_order, Intake.queue_time, Intake.id)
            .where(Intake.id >= count // 2, Intake.queue_order < 4)
            .order_by(Intake.id)
            .limit(1)
        ).one()
    return encode(Cursor(row.queue_order, (row.queue_time, row.id)), "priority", True)


def statements_of(engine: Any, action: Callable[[], Any]) -> int:
    """How many SQL statements the action executes (the session check, the page, the audit row: every round trip)."""
    seen: list[str] = []

    def hit(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", hit)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", hit)
    return len(seen)


def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def measure(label: str, url: str, count: int, runs: int) -> dict[str, tuple[float, float, float]]:
    """Build, then time every view: {view: (query ms, floor ms, request ms)}, medians of interleaved rounds."""
    sqlite = url.startswith("sqlite")
    load_s, fill_s = build(url, count, sqlite)
    print(f"{label} {count:>9,} intakes: loaded in {load_s:.1f} s, migration 0009 filled them in {fill_s:.1f} s", flush=True)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-long-enough-0123456789", "TESTING": True})
    db = app.extensions["triage_db"]
    client = signed_in_client(app)
    fill = {"one": worklist_seed.reference(count * 2 // 3), "middle": middle_cursor(db, count)}
    paths = {name: path.format(**fill) for name, path in VIEWS.items()}
    actions: dict[str, tuple[Callable[[], Any], Callable[[], Any], Callable[[], Any]]] = {}
    statements: dict[str, int] = {}
    for name, path in paths.items():
        query = worklist_query(dict(part.split("=", 1) for part in path.split("&") if part))
        with db.session() as session:
            ids = [row.id for row in worklist.worklist_page(session, query).rows]

        def run_query(query: Any = query) -> None:
            with db.session() as session:
                worklist.worklist_page(session, query)

        def run_floor(ids: list[int] = ids) -> None:
            with db.session() as session:
                session.execute(select(*FIELDS).where(Intake.id.in_(ids)).order_by(Intake.id).limit(50)).all()

        def run_request(path: str = path) -> None:
            if client.get(f"/clinic/?{path}").status_code != 200:
                raise RuntimeError(f"/clinic/?{path} failed")

        actions[name] = (run_query, run_floor, run_request)
        run_query(), run_floor(), run_request()  # warm-up
        statements[name] = statements_of(db.engine, run_request)
    times: dict[str, list[list[float]]] = {name: [[], [], []] for name in actions}
    for _ in range(runs):
        for name, trio in actions.items():
            for slot, action in enumerate(trio):
                times[name][slot].append(_timed(action))
    db.dispose()
    print(f"  SQL statements per signed-in request: {', '.join(f'{n}: {c}' for n, c in statements.items())}")
    return {name: (statistics.median(q), statistics.median(f), statistics.median(r)) for name, (q, f, r) in times.items()}


def print_table(label: str, results: dict[int, dict[str, tuple[float, float, float]]]) -> None:
    """One line per view: at each size the query time beside its floor (and the ratio), then the whole request."""
    sizes = sorted(results)
    header = " | ".join(f"{size:,}: query / floor (x) / request" for size in sizes)
    print(f"\n{label}\n{'view':<34} | {header}")
    for name in VIEWS:
        cells = []
        for size in sizes:
            query, floor, request = results[size][name]
            cells.append(f"{query:6.2f} / {floor:5.2f} ({query / floor:5.1f}) / {request:6.1f} ms")
        print(f"{name:<34} | " + " | ".join(cells))
    largest = results[sizes[-1]]
    slow = [name for name, (_q, _f, request) in largest.items() if request >= TARGET_MS]
    verdict = "met" if not slow else "NOT met for " + ", ".join(slow)
    print(f"target (every view's whole request < {TARGET_MS:.0f} ms at {sizes[-1]:,} intakes): {verdict}")


def pg_scratch() -> tuple[Any, str]:
    """An AUTOCOMMIT engine on the PostgreSQL server and the name for a scratch database."""
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT"), f"bench_worklist_{uuid.uuid4().hex[:8]}"


def run_postgresql(sizes: list[int], runs: int) -> dict[int, dict[str, tuple[float, float, float]]]:
    """Each size in a new scratch database, dropped afterwards."""
    results = {}
    admin, base = pg_scratch()
    for size in sizes:
        name = f"{base}_{size}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
            results[size] = measure("PostgreSQL", url, size, runs)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    return results


def main() -> None:
    """Run every size on each database asked for."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="intake counts, comma-separated")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--runs", type=int, default=15, help="interleaved rounds per view")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    os.environ.setdefault("TRIAGE_INSTANCE", tempfile.mkdtemp(prefix="bench-instance-"))
    os.environ.setdefault("TRIAGE_ENV", "development")  # an unset TRIAGE_ENV means production, which refuses TESTING
    tables = {}
    if "sqlite" in args.databases:
        folder = Path(tempfile.mkdtemp(prefix="bench-worklist-"))
        tables["SQLite"] = {size: measure("SQLite", f"sqlite:///{folder / f'{size}.db'}", size, args.runs) for size in sizes}
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    if "postgresql" in args.databases:
        tables["PostgreSQL"] = run_postgresql(sizes, args.runs)
    for label, results in tables.items():
        print_table(label, results)


if __name__ == "__main__":
    main()
