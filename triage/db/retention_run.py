"""Retention runs: the command line's whole run in batches, its dry run, and the worker's daily job (a batch a round).

The last finished run is kept in app_settings (`retention.state`), so the worker runs at most once a day whichever
process ran last; a run the worker has begun keeps its running totals there until its last batch, then audits them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.config import Settings
from triage.db.clinic_profile import load_clinic_profile
from triage.db.clock import as_utc
from triage.db.models import AppSetting
from triage.db.retention import (
    BATCH,
    RetentionPreview,
    RetentionReport,
    delete_batch,
    lock,
    periods_of,
    preview,
    record_run,
)
from triage.db.session import Database
from triage.domain.retention import RetentionPeriods

STATE_KEY = "retention.state"
EVERY = dt.timedelta(days=1)
WORKER = ("worker", "system")  # the actor and role of the worker's audit rows


def periods_in_force(session: Session, settings: Settings) -> RetentionPeriods:
    """The periods set on the clinic details page, else the defaults."""
    return periods_of(load_clinic_profile(session, settings))


def _state(session: Session) -> dict[str, Any]:
    # A column read, not the ORM object: after the lock it must be the committed value, not one cached by the session.
    raw = session.scalar(select(AppSetting.value).where(AppSetting.key == STATE_KEY))
    loaded = json.loads(raw) if raw else {}
    return loaded if isinstance(loaded, dict) else {}


def _save_state(session: Session, state: dict[str, Any], now: dt.datetime) -> None:
    row = session.get(AppSetting, STATE_KEY)
    if row is None:
        session.add(AppSetting(key=STATE_KEY, value=json.dumps(state), changed_at=now))
    else:
        row.value, row.changed_at = json.dumps(state), now


def last_run(session: Session) -> tuple[dt.datetime | None, str]:
    """When the last whole run finished, and who ran it ('cli' or 'worker'); (None, '') before the first."""
    state = _state(session)
    if not state.get("last_run"):
        return None, ""
    return as_utc(dt.datetime.fromisoformat(state["last_run"])), str(state.get("by", ""))


def next_run(session: Session, now: dt.datetime) -> dt.datetime:
    """When the worker's next run is due: a day after the last one, or now when that has passed (or none ran)."""
    finished, _by = last_run(session)
    return max(now, finished + EVERY) if finished is not None else now


def dry_run(db: Database, settings: Settings, now: dt.datetime) -> tuple[RetentionPeriods, RetentionPreview]:
    """What a run at `now` would delete; nothing is changed and nothing audited (counts only, no health data)."""
    with db.session() as session:
        periods = periods_in_force(session, settings)
        return periods, preview(session, periods.cutoffs(now))


def run(
    db: Database, settings: Settings, now: dt.datetime, *, batch: int = BATCH, actor: str = "cli", role: str = "cli"
) -> tuple[RetentionPeriods, RetentionReport]:
    """Delete everything past its period at `now`, `batch` intakes (and messages) per transaction; one audit row for the run."""
    with db.session() as session:
        periods = periods_in_force(session, settings)
    cutoffs, total = periods.cutoffs(now), RetentionReport()
    while True:
        with db.session() as session:
            part = delete_batch(session, cutoffs, batch, actor, role)
        total.add(part)
        if not part.full:
            break
    with db.session() as session:
        lock(session)
        record_run(session, total, periods, actor, role)
        _save_state(session, {"last_run": now.isoformat(), "by": actor}, now)
    return periods, total


def _totals(state: dict[str, Any]) -> RetentionReport:
    saved = state.get("progress") or {}
    return RetentionReport(
        intakes=int(saved.get("intakes", 0)),
        letters=int(saved.get("letters", 0)),
        messages=int(saved.get("messages", 0)),
        rows=Counter({str(k): int(v) for k, v in (saved.get("rows") or {}).items()}),
    )


def _due(state: dict[str, Any], now: dt.datetime) -> bool:
    if state.get("progress"):
        return True  # a run the worker began continues
    finished = state.get("last_run")
    return not finished or now - as_utc(dt.datetime.fromisoformat(finished)) >= EVERY


def retention_daily(session: Session, now: dt.datetime, settings: Settings) -> int:
    """The worker's job: at most once a day, delete one batch a round until nothing is past its period; returns rows gone."""
    if not _due(_state(session), now):
        return 0
    lock(session)
    state = _state(session)  # again under the lock: another worker may have just finished the run
    if not _due(state, now):
        return 0
    periods = periods_in_force(session, settings)
    part = delete_batch(session, periods.cutoffs(now), BATCH, *WORKER)
    total = _totals(state).add(part)
    if part.full:
        progress = {"intakes": total.intakes, "letters": total.letters, "messages": total.messages, "rows": dict(total.rows)}
        _save_state(session, {**state, "progress": progress}, now)
    else:
        record_run(session, total, periods, *WORKER)
        _save_state(session, {"last_run": now.isoformat(), "by": WORKER[0]}, now)
    return part.intakes + part.messages
