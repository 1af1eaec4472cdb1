"""The impact of a one-rule change as a background job, over N stored intakes, beside its floor, on SQLite and PostgreSQL.

For each change the job path (a run stored, then counted batch by batch exactly as `triage worker` counts it: claim,
batches with progress and changes stored, the summary) is timed beside its floor in the same run, interleaved,
medians of RUNS: the floor reads and decodes only the rows the job needs (every submitted intake's number,
questionnaire and date, batch by batch; the changed rules' answers of each batch; the full answers of the intakes
the screen picks), with no rule evaluated and nothing written. Target: the job within 1.5x of its floor at 10^5
intakes, and under 30 s at 10^6. The old request-path count (triage.db.impact.compute_impact) is timed as well.
Run: .venv/bin/python bench/impact.py [--intakes N] [--distinct M] [--runs R] [--changes weight,condition,age]
[--old] [--sqlite-only | --postgresql-only]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import shutil
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

from impact_seed import seed  # noqa: E402

from triage.db import impact_job_rows as rows  # noqa: E402
from triage.db import impact_runs, migrate, rulesets  # noqa: E402
from triage.db.impact import answers_of, compute_impact  # noqa: E402
from triage.db.session import Database  # noqa: E402
from triage.domain.engine.evaluate import Ruleset, load_ruleset_from_documents  # noqa: E402
from triage.domain.engine.impact_batch import BatchCounter  # noqa: E402
from triage.domain.engine.impact_run import CHUNK, candidates  # noqa: E402
from triage.jobs.impact_run import BATCH, Pace, run_impact  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PACE = Pace(stale_after=dt.timedelta(minutes=10))


def draft_with(base: Ruleset, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Version 1's documents with one change, as a draft's (with its own version text)."""
    documents = copy.deepcopy(base.documents)
    documents["ruleset.yaml"]["version"] = "bench-draft"
    change(documents)
    return documents


def _rule(documents: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for name, d in documents.items() if name != "ruleset.yaml" for r in d["rules"] if r["id"] == rule_id)


CHANGES: dict[str, tuple[str, Callable[[dict[str, Any]], None]]] = {
    "weight": ("one rule's weight", lambda d: _rule(d, "cd_iron_deficiency").update(weight=1)),
    "condition": (
        "one rule's condition (1 question)",
        # Low B12 counted as well as low iron (the rule's condition was known_anaemia equals iron_deficiency).
        lambda d: _rule(d, "cd_iron_deficiency").update(
            when={"question": "known_anaemia", "one_of": ["iron_deficiency", "b12_deficiency"]}
        ),
    ),
    "age": ("one age parameter (2 rules)", lambda d: d["ruleset.yaml"]["parameters"]["upper_gi_cancer_age"].update(value=50)),
}


def open_draft(db: Database, documents: dict[str, Any]) -> tuple[int, Ruleset]:
    """Store these documents as the one open draft (replacing the draft before); its id and compiled ruleset."""
    ruleset = load_ruleset_from_documents(documents)
    with db.session() as session:
        row = rulesets.open_draft(session)
        if row is None:
            base = rulesets.latest_published(session)
            if base is None:
                raise RuntimeError("version 1 is stored by the seed")
            row = rulesets.create_draft(
                session, base, documents=documents, sha256=ruleset.sha256, label=ruleset.version, report={}, actor="bench"
            )
        else:
            row = rulesets.save_draft(
                session,
                row.id,
                row.lock_version,
                documents=documents,
                tests={},
                sha256=ruleset.sha256,
                label=ruleset.version,
                report={},
                actor="bench",
            )
        return row.id, ruleset


def job_path(db: Database, draft_id: int, draft: Ruleset, base: Ruleset) -> tuple[float, int, int]:
    """A new run counted to its end as the worker counts it: (seconds, intakes evaluated again, intakes changed)."""
    with db.session() as session:
        new = impact_runs.NewRun(draft_id, draft.sha256, draft.version, base.sha256, base.version, None, "bench")
        run_id = impact_runs.add_run(session, new)
    begun = time.perf_counter()
    outcome = run_impact(db, run_id, PACE)
    seconds = time.perf_counter() - begun
    with db.session() as session:
        run = impact_runs.get_run(session, run_id, PACE.stale_after)
    if outcome != "done" or run is None:
        raise RuntimeError(f"the run ended {outcome}")
    return seconds, run.evaluated, run.changed


def floor(db: Database, claim: rows.RunClaim, counter: BatchCounter) -> float:
    """Read and decode the rows the job reads (intakes by batch, the screen's answers, the picks' full answers)."""
    with db.session() as session:
        batches, cursor = [], None
        while batch := rows.next_batch(session, claim, cursor, BATCH):
            batches.append(batch)
            cursor = batch[-1].intake_id
        picked = [candidates(counter.screen, b, rows.BatchAnswers(session), every_submitted=False) for b in batches]
    with db.session() as session:
        begun = time.perf_counter()
        cursor = None
        source = rows.BatchAnswers(session)
        for chosen in picked:
            batch = rows.next_batch(session, claim, cursor, BATCH)
            cursor = batch[-1].intake_id
            if counter.screen.questions and not counter.screen.everyone:
                source.answers([i.intake_id for i in batch], counter.screen.questions)
            for start in range(0, len(chosen), CHUNK):
                answers_of(session, [i.intake_id for i in chosen[start : start + CHUNK]], None)
        return time.perf_counter() - begun


def measure(label: str, url: str, count: int, distinct: int, runs: int, changes: list[str], old_path: bool) -> None:
    """Seed a migrated database, then time each change's job path beside its floor (and the old request path)."""
    migrate.upgrade(url)
    db = Database(url)
    started = time.perf_counter()
    base = seed(db, count, distinct)
    seeded = time.perf_counter() - started
    print(f"{label}: {count:,} submitted intakes seeded in {seeded:.1f} s ({count / seeded:,.0f} intakes a second)")
    claim = rows.RunClaim(0, "", 0, "", "", None, count, None, 0, count)
    for key in changes:
        name, change = CHANGES[key]
        draft_id, draft = open_draft(db, draft_with(base, change))
        counter = BatchCounter(base, draft)
        jobs, floors, old = [], [], []
        for _ in range(runs):  # interleaved: job, floor, old path, repeated
            seconds, evaluated, changed = job_path(db, draft_id, draft, base)
            jobs.append(seconds)
            floors.append(floor(db, claim, counter))
            if old_path:
                with db.session() as session:
                    begun = time.perf_counter()
                    compute_impact(session, draft, None, base)
                    old.append(time.perf_counter() - begun)
        job, bare = statistics.median(jobs), statistics.median(floors)
        before = f"request path before {statistics.median(old):6.2f} s" if old else "request path not timed"
        print(
            f"  {name:<34} job {job:6.2f} s | floor {bare:6.2f} s | {job / bare:5.2f}x (target <= 1.5x)"
            f" | {before} | {evaluated:,} evaluated again, {changed:,} would change (median of {runs})"
        )
        if count < 1_000_000:
            print(f"  {'':<34} 10^6 extrapolated linearly from this size (not measured): job ~{job * 1e6 / count:5.1f} s")
    db.dispose()


def main() -> None:
    """Run on SQLite, then on PostgreSQL when it answers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--intakes", type=int, default=100_000)
    parser.add_argument("--distinct", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgresql-only", action="store_true")
    parser.add_argument("--changes", default="weight,condition,age", help="which changes: weight, condition, age")
    parser.add_argument("--old", action="store_true", help="time the old request-path count too")
    args = parser.parse_args()
    changes = [c for c in args.changes.split(",") if c]
    folder = Path(tempfile.mkdtemp(prefix="bench-impact-"))
    if not args.postgresql_only:
        try:
            measure("SQLite", f"sqlite:///{folder / 'bench.db'}", args.intakes, args.distinct, args.runs, changes, args.old)
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # about 36 GB at 10^6 intakes
    if args.sqlite_only:
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bench_impact_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        print(f"PostgreSQL: not reachable at {PG_ADMIN_URL}; skipped")
        return
    try:
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        measure("PostgreSQL", url, args.intakes, args.distinct, args.runs, changes, args.old)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
