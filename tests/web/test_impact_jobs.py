"""The impact count as a background job, on SQLite and PostgreSQL: progress, result, reuse, cancel, a lost worker."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from tests.helpers.apps import csrf_token
from tests.helpers.impact_jobs import runs, start_count
from tests.helpers.pdf_jobs import context_of, job_rows, run_jobs
from tests.helpers.rules_editor import rule_cases, seed_from_cases, submit_intake, text_of
from tests.unit.test_impact import retire_rules
from tests.web.test_rq_jobs import queue  # noqa: F401 - the fixture: an RQ queue of this test's own
from tests.web.test_rules_impact import caveat_shown, count, edit_draft, start_draft
from triage.cli.worker import JOBS
from triage.db import job_table
from triage.db.clock import utcnow
from triage.db.impact_runs import prune_impact_runs
from triage.db.models import ImpactRun, ImpactRunChange
from triage.jobs.impact_run import Pace, run_impact
from triage.jobs.queue import job_lease
from triage.jobs.rq_queue import RqJobQueue, serve
from triage.jobs.runner import DbJobRunner

PACE = Pace(stale_after=dt.timedelta(minutes=5), batch=10)


@pytest.fixture
def seeded(app: Flask) -> dict[int, Any]:
    """30 past intakes whose stored results come from version 1."""
    return seed_from_cases(app, rule_cases()[:30])


@pytest.fixture
def editor(app: Flask, seeded: dict[int, Any], staff_login: Callable[..., Any]) -> Any:
    """A rules editor whose draft drops the caveat most stored summaries show."""
    client = start_draft(app, staff_login)
    caveat, _showing = caveat_shown(app, seeded)
    edit_draft(app, lambda d: retire_rules(d, [caveat]))
    return client


def run_url(reply: Any) -> str:
    """The run page a start or cancel redirects to."""
    location = reply.headers["Location"]
    assert re.search(r"/rules/draft/impact/runs/\d+$", location), location
    return location


def change_rows(app: Flask) -> int:
    """How many changed intakes are stored over every run."""
    with app.extensions["triage_db"].session() as session:
        return int(session.scalar(select(func.count()).select_from(ImpactRunChange)) or 0)


def test_a_count_shows_its_progress_in_batches_then_its_result_and_is_reused(app: Flask, seeded: dict, editor: Any) -> None:
    landing = editor.get("/rules/draft/impact").get_data(as_text=True)
    assert 'id="impact-not-counted"' in landing and 'id="count-considered"' not in landing
    token = csrf_token(landing)
    refused = editor.post("/rules/draft/impact", data={"csrf_token": token, "last": "twelve"})
    assert refused.status_code == 400 and "Enter a whole number of intakes from 1 to" in text_of(refused)
    assert runs(app) == [] and job_rows(app) == []
    url = run_url(start_count(editor))
    waiting = editor.get(url)
    page = waiting.get_data(as_text=True)
    assert waiting.headers["Refresh"] == f"2; url={url}"  # refreshes without script
    assert re.search(r'<progress id="impact-progress" max="30" value="0">0%</progress>', page)
    assert "0 of 30 intakes compared (0%), waiting for a worker" in text_of(waiting)
    assert [kind for kind, *_ in job_rows(app)] == ["impact_run"]

    seen: list[str] = []
    run_id = int(url.rsplit("/", 1)[1])
    outcome = run_impact(
        app.extensions["triage_db"], run_id, PACE, after_batch=lambda _done: seen.append(text_of(editor.get(url)))
    )
    assert outcome == "done"
    assert [re.search(r"(\d+) of 30 intakes compared \((\d+)%\)", s).groups() for s in seen[:2]] == [("10", "33"), ("20", "66")]
    done = editor.get(url)
    assert "Refresh" not in done.headers and 'id="impact-progress"' not in done.get_data(as_text=True)
    html = done.get_data(as_text=True)
    assert count(html, "considered") == 30 and count(html, "caveats-changed") >= 1
    assert run_jobs(app).done == 1 and job_rows(app) == []  # the queued job finds the run done: nothing more

    # The same draft over the same data: the stored run, at once, with no new job.
    page = editor.get("/rules/draft/impact")
    assert count(page.get_data(as_text=True), "considered") == 30
    again = editor.post("/rules/draft/impact", data={"csrf_token": csrf_token(page.data), "last": ""})
    assert run_url(again) == url and job_rows(app) == [] and len(runs(app)) == 1

    # A new submitted intake changes the data: the old result is not offered as the current one.
    submit_intake(app, "R-NEW", next(iter(seeded.values())).answers, dt.date.today())
    assert 'id="impact-not-counted"' in editor.get("/rules/draft/impact").get_data(as_text=True)
    assert run_url(start_count(editor)) != url and len(runs(app)) == 2


def test_a_count_can_be_cancelled_and_its_job_stops_between_batches(app: Flask, seeded: dict, editor: Any) -> None:
    url = run_url(start_count(editor))
    run_id = int(url.rsplit("/", 1)[1])
    assert editor.post(f"{url}/cancel", data={}).status_code == 400  # CSRF on every form

    def cancel(_done: int) -> None:
        page = editor.get(url)
        reply = editor.post(f"{url}/cancel", data={"csrf_token": csrf_token(page.data)})
        assert run_url(reply) == url

    assert run_impact(app.extensions["triage_db"], run_id, PACE, after_batch=cancel) == "cancelled"
    assert runs(app) == [(run_id, "cancelled", 10, 30)]
    page = text_of(editor.get(url))
    assert "The count was cancelled." in page and "It stopped after 10 of 30 intakes." in page
    assert "Count the impact" in page
    token = csrf_token(editor.get(url).data)
    assert "The count had already ended." in text_of(
        editor.post(f"{url}/cancel", data={"csrf_token": token}, follow_redirects=True)
    )
    run_jobs(app)
    assert runs(app) == [(run_id, "cancelled", 10, 30)]  # the queued job does not count a cancelled run
    assert 'id="impact-not-counted"' in editor.get("/rules/draft/impact").get_data(as_text=True)  # a new count may start


def test_a_run_whose_worker_died_mid_way_is_taken_over_from_its_last_batch_once_the_lease_runs_out(
    app: Flask, seeded: dict, editor: Any
) -> None:
    url = run_url(start_count(editor))
    run_id = int(url.rsplit("/", 1)[1])
    context = context_of(app)
    lease = job_lease(context.settings)
    db = app.extensions["triage_db"]
    # A worker takes the job and counts one batch, then dies: it never settles the job, never beats again.
    with db.session() as session:
        claim = job_table.claim_next(session, utcnow(), lease)
    assert claim is not None and claim.kind == "impact_run"

    def die(_done: int) -> None:
        raise SystemExit("killed")

    with pytest.raises(SystemExit):
        run_impact(db, run_id, PACE, after_batch=die)
    assert runs(app) == [(run_id, "running", 10, 30)]
    before = change_rows(app)
    assert DbJobRunner(context).run_due().done == 0  # leased: no other worker runs it yet
    # Time passes: the lease and the run's heartbeat run out (the heartbeat is set back as the clock would move).
    with db.session() as session:
        session.execute(update(ImpactRun).values(heartbeat_at=utcnow() - lease))
    later = utcnow() + lease + dt.timedelta(seconds=1)
    assert DbJobRunner(context).run_due(now=later).done == 1
    assert runs(app) == [(run_id, "done", 30, 30)] and job_rows(app) == []
    html = editor.get(url).get_data(as_text=True)
    assert count(html, "considered") == 30
    # The first batch was not counted twice: each changed intake is stored once.
    with db.session() as session:
        intakes = list(session.scalars(select(ImpactRunChange.intake_id).where(ImpactRunChange.run_id == run_id)))
    assert len(intakes) == len(set(intakes)) == count(html, "changed") and before <= len(intakes)


def test_a_long_count_hands_over_to_its_next_slice_and_an_edited_draft_outdates_a_waiting_run(
    app: Flask, seeded: dict, editor: Any
) -> None:
    url = run_url(start_count(editor))
    run_id = int(url.rsplit("/", 1)[1])
    db = app.extensions["triage_db"]
    queued: list[int] = []
    slice_ = Pace(stale_after=dt.timedelta(minutes=5), budget_seconds=0.0, batch=10)
    assert run_impact(db, run_id, slice_, continue_later=lambda: queued.append(run_id)) == "continued"
    assert queued == [run_id] and runs(app) == [(run_id, "queued", 10, 30)]
    assert run_impact(db, run_id, PACE) == "done" and runs(app) == [(run_id, "done", 30, 30)]

    second = run_url(start_count(editor, "/rules/draft/impact?last=5"))
    edit_draft(app, lambda d: retire_rules(d, []))  # saved again: a new lock, the same content
    edit_draft(app, lambda d: d["ruleset.yaml"].update(note="Changed while the count waited."))
    run_jobs(app)
    page = text_of(editor.get(second))
    assert "The count stopped: the draft or the published version changed" in page and "Count the impact" in page


def test_runs_older_than_thirty_days_are_pruned_with_their_changes_by_the_worker(app: Flask, seeded: dict, editor: Any) -> None:
    old = int(run_url(start_count(editor)).rsplit("/", 1)[1])
    run_jobs(app)
    kept = int(run_url(start_count(editor, "/rules/draft/impact?last=3")).rsplit("/", 1)[1])
    db = app.extensions["triage_db"]
    with db.session() as session:
        session.execute(update(ImpactRun).where(ImpactRun.id == old).values(created_at=utcnow() - dt.timedelta(days=31)))
    assert change_rows(app) >= 1
    with db.session() as session:
        assert prune_impact_runs(session, utcnow()) == 1
    assert [r[0] for r in runs(app)] == [kept] and change_rows(app) == 0
    assert editor.get(f"/rules/draft/impact/runs/{old}").status_code == 404
    assert prune_impact_runs in JOBS


def test_on_rq_the_count_runs_on_the_redis_queue_and_its_page_shows_the_result(
    app: Flask,
    seeded: dict,
    editor: Any,
    queue: RqJobQueue,  # noqa: F811 - the imported fixture
) -> None:
    app.extensions["triage_job_queue"] = queue  # the app as with REDIS_URL set, on this test's own queue
    url = run_url(start_count(editor))
    assert job_rows(app) == [] and queue.queue.count == 1
    assert "waiting for a worker" in text_of(editor.get(url))
    assert serve(context_of(app), queue, burst=True)
    html = editor.get(url).get_data(as_text=True)
    assert count(html, "considered") == 30 and queue.failed(10) == []
