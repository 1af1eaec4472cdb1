"""Load test: simulated patients against gunicorn -w 2 on SQLite and PostgreSQL; prints p50/p95/p99 per request kind.

Each patient has its own cookie jar, opens an invitation link made beforehand, reads every step (1-3 s think time),
posts valid answers with the page's CSRF token, reviews and submits, then takes the next link until the time is up.
Loopback only; the run stops by itself. Prints figures and whether the target was met; asserts nothing.
With --pdfs both (the default) each database is run twice, without and then with 10 clinicians downloading PDFs
nobody downloaded before (bench/load_clinicians.py); `triage worker` runs beside gunicorn in both runs.
Run: .venv/bin/python bench/load.py [--seconds 60] [--patients 100] [--db sqlite|postgresql|both] [--pdfs both|with|without]
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import os
import queue
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.load_clinicians import clinicians, pdf_summary, seed_clinicians, seed_submitted, start_worker  # noqa: E402
from bench.load_patients import Patient, Stats  # noqa: E402
from triage.db import audit, migrate  # noqa: E402
from triage.db import intakes as queries  # noqa: E402
from triage.db.evaluations import ensure_stored_ruleset  # noqa: E402
from triage.db.models import Intake  # noqa: E402
from triage.db.session import Database  # noqa: E402
from triage.domain.questionnaire.questions import default_questionnaire  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
KINDS = ("open link", "step page GET", "step save POST", "review", "submit")
TARGET_P95_MS = 25.0
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(M)s"
APP_ACCESS = re.compile(r'"([A-Z]+) ([^" ?]+)[^"]*" \d{3} ([\d.]+)ms')


def kind_of(method: str, path: str) -> str | None:
    """The request kind of an access-log line (None for anything else)."""
    if path.startswith("/i/"):
        return "open link"
    if path == "/intake/review":
        return "review" if method == "GET" else "submit"
    if path.startswith("/intake"):
        return "step page GET" if method == "GET" else "step save POST"
    return None


def server_times(log: Path, offset: int) -> Stats:
    """gunicorn's request times per kind, from the access log after `offset` (the warm-up left out)."""
    stats = Stats()
    with log.open("rb") as handle:
        handle.seek(offset)
        for line in handle.read().decode("utf-8", "replace").splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[3].isdigit() and (kind := kind_of(parts[0], parts[1])):
                stats.add(kind, int(parts[3]) / 1000, None)
            # The app's own access line (triage.web.gunicorn_conf): ... "POST /intake/x" 303 12.3ms
            elif (found := APP_ACCESS.search(line)) and (kind := kind_of(found.group(1), found.group(2))):
                stats.add(kind, float(found.group(3)) / 1000, None)
    return stats


def app_env(url: str, folder: Path, audit_key: str, port: int) -> dict[str, str]:
    """The environment of the app and its worker: development mode on this database."""
    return os.environ | {
        "TRIAGE_ENV": "development",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "AUDIT_KEY": audit_key,
        "TRIAGE_INSTANCE": str(folder),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }


def start_gunicorn(url: str, folder: Path, audit_key: str) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn -w 2 on a free port of 127.0.0.1 in its own process group, on a migrated database, in development mode."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    # The web workers render no PDF (the worker does): no warm PDF processes beside them.
    env = app_env(url, folder, audit_key, port) | {"PDF_PREWARM": "0"}
    command = [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    # gunicorn's own time per request (from the worker taking it to the last byte: no wait in the listen queue).
    command += ["--access-logfile", str(folder / "access.log"), "--access-logformat", ACCESS_FORMAT]
    if importlib.util.find_spec("triage.web.gunicorn_conf") is not None:
        command += ["-c", "python:triage.web.gunicorn_conf"]  # the production set-up: redacting logs, headered errors
    with (folder / "gunicorn.log").open("ab") as log:
        process = subprocess.Popen(
            [*command, "triage:create_app()"], env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
        )
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
    raise RuntimeError(f"gunicorn did not start; see {folder / 'gunicorn.log'}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the gunicorn this script started: SIGTERM, then SIGKILL to the process group made for it."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=35)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def percentile(samples: list[float], q: int) -> float:
    """The q-th percentile in milliseconds."""
    if len(samples) < 2:
        return samples[0] * 1000 if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1] * 1000


def submitted_count(db: Database) -> int:
    """Submitted intakes in the database."""
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Intake).where(Intake.status == "submitted")) or 0


def crowd(port: int, tokens: list[str], stats: Stats, patients: int, pause: tuple[float, float], seconds: float) -> None:
    """Run `patients` patients on these links for `seconds` (arrivals a little apart), then wait for them (bounded)."""
    pool: queue.Queue[str] = queue.Queue()
    for token in tokens:
        pool.put(token)
    deadline = time.monotonic() + seconds
    threads = [Patient(port, pool, stats, pause, deadline, seed) for seed in range(patients)]
    for thread in threads:
        thread.start()
        time.sleep(min(0.02, seconds / patients / 4))
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic() + 20))


def report(kind: str, stats: Stats, server: Stats, stored: int, args: argparse.Namespace) -> int:
    """Print the table of one run (as the patients saw it, and gunicorn's own time); returns the number of errors."""
    errors = sum(len(e) for e in stats.errors.values())
    pauses = f"{args.min_pause:g}-{args.max_pause:g} s think time"
    load = " ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"\n{kind}: {args.patients} patients, {pauses}, {args.seconds:g} s, gunicorn -w 2 on 127.0.0.1; load average {load}")
    print(
        f"  {'request':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}  server p50/p95/p99 ms"
    )
    for name in KINDS:
        samples = stats.samples.get(name, [])
        worst = max(samples) * 1000 if samples else 0.0
        print(
            f"  {name:<16}{len(samples):>7}{percentile(samples, 50):>9.1f}{percentile(samples, 95):>9.1f}"
            f"{percentile(samples, 99):>9.1f}{worst:>9.1f}{len(stats.errors.get(name, [])):>8}  "
            + "/".join(f"{percentile(server.samples.get(name, []), q):.1f}" for q in (50, 95, 99))
        )
    print(f"  submitted {stats.submitted} (in the database: {stored}); errors {errors}")
    for line in sorted({e for es in stats.errors.values() for e in es})[:8]:
        print(f"    {line}")
    return errors


def run_load(kind: str, url: str, folder: Path, args: argparse.Namespace, pdfs: bool) -> tuple[float, int, str]:
    """Migrate, make the links, start gunicorn and the worker, run the patients (and clinicians downloading PDFs)."""
    migrate.upgrade(url)
    audit_key = secrets.token_urlsafe(48)
    db = Database(url, audit_key=audit_key)
    ensure_stored_ruleset(db)
    accounts = seed_clinicians(db, args.clinicians) if pdfs else []
    letters = seed_submitted(db, int(args.clinicians * args.seconds / 2) + 20) if pdfs else []
    version = default_questionnaire().version
    with db.session() as session:
        tokens = [
            queries.create_invitation(session, ref=f"LOAD-{i}", questionnaire_version=version, expires_days=1)[0]
            for i in range(args.patients * (int(args.seconds // 12) + 2) + 6)
        ]
    process, port = start_gunicorn(url, folder, audit_key)
    worker = start_worker(ROOT, app_env(url, folder, audit_key, port), folder)
    stats = Stats()
    try:
        crowd(port, tokens[:6], Stats(), 3, (0.0, 0.0), 30)  # warm both workers (imports, templates, ruleset); not measured
        warmed, offset = submitted_count(db), (folder / "access.log").stat().st_size
        doctors, pdf_stats = clinicians(port, accounts, letters, args.seconds)
        crowd(port, tokens[6:], stats, args.patients, (args.min_pause, args.max_pause), args.seconds)
        for doctor in doctors:
            doctor.join(timeout=40)
    finally:
        stop(process)
        stop(worker)
    stored = submitted_count(db) - warmed
    with db.session() as session:
        chain = audit.verify_chain(session)
    db.dispose()
    server = server_times(folder / "access.log", offset)
    errors = report(
        f"{kind}, {'with' if pdfs else 'without'} {args.clinicians} clinicians downloading PDFs", stats, server, stored, args
    )
    print(f"  audit chain: {'verifies' if chain.ok else f'BROKEN at row {chain.broken_id}: {chain.reason}'} ({chain.rows} rows)")
    line = pdf_summary(pdf_stats, args.seconds) if pdfs else "no PDFs"
    print(f"  PDFs: {line}")
    for problem in sorted(set(pdf_stats.errors))[:5]:
        print(f"    {problem}")
    saves = server.samples.get("step save POST", [])
    figures = f"server p50/p95 {percentile(saves, 50):.1f}/{percentile(saves, 95):.1f} ms; {line}"
    return percentile(stats.samples.get("step save POST", []), 95), errors + len(pdf_stats.errors), figures


@contextmanager
def pg_database() -> Iterator[str]:
    """A new PostgreSQL database for this run (its URL), dropped afterwards."""
    name = f"triage_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    """Run the load on the chosen databases and print the target line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the patients keep coming (default 60)")
    parser.add_argument("--patients", type=int, default=100, help="simulated patients at once (default 100)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--min-pause", type=float, default=1.0, help="shortest think time per step, in seconds")
    parser.add_argument("--max-pause", type=float, default=3.0, help="longest think time per step, in seconds")
    parser.add_argument("--pdfs", choices=("both", "with", "without"), default="both", help="clinicians downloading PDFs")
    parser.add_argument("--clinicians", type=int, default=10, help="clinicians downloading PDFs at once (default 10)")
    args = parser.parse_args()
    if not (0 < args.seconds <= 3600 and 0 < args.patients <= 1000 and 0 <= args.min_pause <= args.max_pause <= 60):
        parser.error("--seconds must be in (0, 3600], --patients in 1..1000, and 0 <= --min-pause <= --max-pause <= 60")
    results: dict[tuple[str, bool], tuple[float, int, str]] = {}
    variants = {"both": (False, True), "with": (True,), "without": (False,)}[args.pdfs]
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        for pdfs in variants:  # without and with the PDFs, one after the other on new databases
            if args.db in ("sqlite", "both"):
                (folder := Path(tmp) / f"sqlite-{pdfs}").mkdir()
                results["SQLite", pdfs] = run_load("SQLite", f"sqlite:///{folder / 'load.db'}", folder, args, pdfs)
            if args.db in ("postgresql", "both"):
                (folder := Path(tmp) / f"postgresql-{pdfs}").mkdir()
                with pg_database() as url:
                    results["PostgreSQL", pdfs] = run_load("PostgreSQL", url, folder, args, pdfs)
    print("\nside by side (step save p95 as the patients saw it):")
    for (kind, pdfs), (p95, errors, figures) in results.items():
        print(f"  {kind:<11} {'with' if pdfs else 'without':<8} PDFs: step save p95 {p95:.1f} ms, {errors} errors; {figures}")
    for (kind, pdfs), (p95, errors, _figures) in results.items():
        if kind == "PostgreSQL":
            met = "met" if p95 < TARGET_P95_MS and errors == 0 else "NOT met"
            when = "with" if pdfs else "without"
            print(f"target: step save p95 < {TARGET_P95_MS:g} ms on PostgreSQL {when} PDFs, 0 errors: {met} (p95 {p95:.1f} ms)")


if __name__ == "__main__":
    main()
