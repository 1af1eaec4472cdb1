"""The reminder job: REMINDER_DAYS before the appointment, once per occasion, only for invitations still waiting for answers.

Every test runs on SQLite and on PostgreSQL; the clock is the `now` each round is given.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import create_engine

from tests.helpers.reminders import APPOINTMENT, DAY, change, invite, reminder_keys, reminders, run_reminders, submit_intake
from triage.cli.worker import JOBS
from triage.db import reminders as reminder_queries
from triage.jobs.reminders import queue_reminders
from triage.jobs.worker import OutboxWorker

HOUR = dt.timedelta(hours=1)
run = run_reminders


def sweep(app: Flask, start: dt.datetime, end: dt.datetime, step: dt.timedelta = HOUR) -> dict[dt.datetime, int]:
    """Run a round every `step` from start to end; the rounds that queued something, with how many."""
    queued = {}
    now = start
    while now <= end:
        count = run(app, now)
        if count:
            queued[now] = count
        now += step
    return queued


def keys(invitation_id: int, *occasions: str, channels: tuple[str, ...] = ("email",)) -> list[str]:
    """The dedupe keys the given occasions' reminders have, sorted."""
    return sorted(f"reminder:{invitation_id}:{o}:{c}" for o in occasions for c in channels)


def test_the_reminder_job_runs_in_every_worker_round() -> None:
    assert queue_reminders in JOBS


def test_reminders_go_7_and_2_days_before_once_each_over_many_rounds(app: Flask) -> None:
    invitation = invite(app, "R-1", created_at=APPOINTMENT - 14 * DAY, appointment_at=APPOINTMENT, mobile="+447700900123")
    queued = sweep(app, APPOINTMENT - 14 * DAY, APPOINTMENT + 2 * DAY)
    # One round each, at the reminder's time; email and text message; nothing after the appointment.
    assert queued == {APPOINTMENT - 7 * DAY: 2, APPOINTMENT - 2 * DAY: 2}
    assert reminder_keys(app) == keys(invitation, "2d", "7d", channels=("email", "sms"))
    assert {due for _key, _to, due in reminders(app)} == {APPOINTMENT - 7 * DAY, APPOINTMENT - 2 * DAY}


def test_an_invitation_made_3_days_before_gets_only_the_2_day_reminder(app: Flask) -> None:
    invitation = invite(app, "R-1", created_at=APPOINTMENT - 3 * DAY, appointment_at=APPOINTMENT)
    assert sweep(app, APPOINTMENT - 3 * DAY, APPOINTMENT) == {APPOINTMENT - 2 * DAY: 1}
    assert reminder_keys(app) == keys(invitation, "2d")


def test_an_invitation_made_the_day_before_gets_no_reminder(app: Flask) -> None:
    invite(app, "R-1", created_at=APPOINTMENT - DAY, appointment_at=APPOINTMENT)
    assert sweep(app, APPOINTMENT - DAY, APPOINTMENT + DAY) == {}


def test_a_reminder_more_than_a_day_late_is_skipped(app: Flask) -> None:
    # The worker was down from before the 7-day reminder until a day and a half after it.
    invitation = invite(app, "R-1", created_at=APPOINTMENT - 10 * DAY, appointment_at=APPOINTMENT)
    assert run(app, APPOINTMENT - 7 * DAY + 36 * HOUR) == 0
    assert run(app, APPOINTMENT - 2 * DAY + 23 * HOUR) == 1  # late, but within the day
    assert reminder_keys(app) == keys(invitation, "2d")


@pytest.mark.parametrize(
    "state",
    ["submitted", "revoked", "expired", "opted out", "no email or mobile", "past"],
)
def test_no_reminder_for_an_invitation_that_does_not_wait_for_answers(app: Flask, state: str) -> None:
    created = APPOINTMENT - 14 * DAY
    waiting = invite(app, "R-0", created_at=created, appointment_at=APPOINTMENT)
    other = invite(
        app,
        "R-1",
        created_at=created,
        appointment_at=APPOINTMENT - 30 * DAY if state == "past" else APPOINTMENT,
        email="" if state == "no email or mobile" else "patient@example.org",
        expires_days=5 if state == "expired" else 30,
    )
    if state == "submitted":
        submit_intake(app, other)
    elif state == "revoked":
        change(app, other, revoked_at=created + DAY)
    elif state == "opted out":
        change(app, other, reminders_opted_out_at=created + DAY)
    sweep(app, APPOINTMENT - 8 * DAY, APPOINTMENT + DAY, step=6 * HOUR)
    assert reminder_keys(app) == keys(waiting, "2d", "7d")


def test_a_date_only_appointment_is_reminded_at_9_local_time_in_the_clinic_zone(make_app: Callable[..., Flask]) -> None:
    app = make_app(CLINIC_TIME_ZONE="Europe/London")
    day = dt.date(2027, 7, 20)  # summer: 09:00 in London is 08:00 UTC
    invitation = invite(app, "R-1", created_at=dt.datetime(2027, 7, 1, tzinfo=dt.UTC), appointment_date=day)
    seven_before = dt.datetime(2027, 7, 13, 8, 0, tzinfo=dt.UTC)
    assert run(app, seven_before - dt.timedelta(minutes=1)) == 0
    assert run(app, seven_before) == 1
    assert run(app, seven_before + HOUR) == 0
    assert sweep(app, seven_before, dt.datetime(2027, 7, 21, tzinfo=dt.UTC)) == {dt.datetime(2027, 7, 18, 8, 0, tzinfo=dt.UTC): 1}
    assert reminder_keys(app) == keys(invitation, "2d", "7d")


def test_across_the_clock_change_a_reminder_keeps_the_local_time(make_app: Callable[..., Flask]) -> None:
    app = make_app(CLINIC_TIME_ZONE="Europe/London")
    appointment = dt.datetime(2027, 4, 1, 9, 30, tzinfo=dt.UTC)  # 10:30 BST; 7 days before (GMT) 10:30 is 10:30 UTC
    invite(app, "R-1", created_at=appointment - 20 * DAY, appointment_at=appointment)
    queued = sweep(app, appointment - 8 * DAY, appointment, step=dt.timedelta(minutes=30))
    assert queued == {dt.datetime(2027, 3, 25, 10, 30, tzinfo=dt.UTC): 1, dt.datetime(2027, 3, 30, 9, 30, tzinfo=dt.UTC): 1}


def test_a_reminder_due_in_quiet_hours_is_queued_for_their_end(app: Flask) -> None:
    early = dt.datetime(2027, 3, 15, 6, 30, tzinfo=dt.UTC)  # quiet hours 21:00-08:00 by default
    invite(app, "R-1", created_at=early - 14 * DAY, appointment_at=early)
    assert run(app, early - 7 * DAY) == 1
    assert [due for _key, _to, due in reminders(app)] == [dt.datetime(2027, 3, 8, 8, 0, tzinfo=dt.UTC)]


def test_custom_reminder_days_and_none(make_app: Callable[..., Flask]) -> None:
    app = make_app(REMINDER_DAYS="3,1")
    invitation = invite(app, "R-1", created_at=APPOINTMENT - 14 * DAY, appointment_at=APPOINTMENT)
    assert sweep(app, APPOINTMENT - 8 * DAY, APPOINTMENT) == {APPOINTMENT - 3 * DAY: 1, APPOINTMENT - DAY: 1}
    assert reminder_keys(app) == keys(invitation, "1d", "3d")
    silent = make_app(REMINDER_DAYS="")
    invite(silent, "R-2", created_at=APPOINTMENT - 14 * DAY, appointment_at=APPOINTMENT)
    assert run(silent, APPOINTMENT - 7 * DAY) == 0


def test_a_round_reads_a_bounded_page_and_once_queued_an_invitation_is_not_read_again(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminder_queries, "PAGE", 5)
    for n in range(12):
        invite(app, f"R-{n}", created_at=APPOINTMENT - 14 * DAY, appointment_at=APPOINTMENT + n * dt.timedelta(minutes=5))
    now = APPOINTMENT - 7 * DAY + HOUR
    assert [run(app, now) for _ in range(4)] == [5, 5, 2, 0]
    with app.extensions["triage_db"].session() as session:
        assert reminder_queries.due_reminders(session, now, (7, 2), ZoneInfo("UTC")) == []


def test_two_workers_racing_queue_each_reminder_once(make_app: Callable[..., Flask]) -> None:
    first, second = make_app(), make_app()
    ids = [invite(first, f"R-{n}", created_at=APPOINTMENT - 14 * DAY, appointment_at=APPOINTMENT) for n in range(30)]
    workers = [
        OutboxWorker(a.extensions["triage_db"], a.extensions["triage_settings"], transports={}, jobs=(queue_reminders,))
        for a in (first, second)
    ]
    gate = threading.Barrier(len(workers))
    counts: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def rounds(worker: OutboxWorker) -> None:
        try:
            gate.wait()
            for minutes in range(0, 30, 3):
                counts.append(worker.run_jobs(APPOINTMENT - 7 * DAY + dt.timedelta(minutes=minutes)))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=rounds, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert all(count["queue_reminders"] >= 0 for count in counts)  # no round failed
    assert sum(count["queue_reminders"] for count in counts) == 30
    assert reminder_keys(first) == sorted(k for i in ids for k in keys(i, "7d"))


@pytest.mark.postgres
def test_on_postgresql_the_timed_query_can_walk_the_appointment_index(pg_migrated_url: str) -> None:
    engine = create_engine(pg_migrated_url)
    query = reminder_queries._timed(APPOINTMENT - 7 * DAY, 7).limit(reminder_queries.PAGE)
    with engine.connect() as conn:
        compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
    engine.dispose()
    assert "ix_invitations_appointment_at" in plan
