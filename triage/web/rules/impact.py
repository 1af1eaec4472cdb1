"""Impact before publishing: what the draft changes for past patients, counted by a background job, case by case.

Starting a count (POST) stores a run keyed by the draft's content, the published version's and the data as it stands,
and queues its job; asking again for the same draft over the same data finds the stored run. While the job counts,
the run's page shows its progress and refreshes itself (the HTTP Refresh header: no script needed); then the result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField

from triage.db import impact as impact_queries
from triage.db import impact_runs as runs
from triage.db.evaluations import ruleset_in_force
from triage.domain.engine.impact import Names, line
from triage.jobs.impact_run import enqueue_impact_run, impact_key
from triage.jobs.queue import job_lease
from triage.web.access import database, role_required, signed_in_staff
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.job_queue import job_queue
from triage.web.routes import RouteTable
from triage.web.rules import impact_view as view
from triage.web.rules.common import EDITOR, audit, no_draft
from triage.web.rules.controls import control
from triage.web.rules.drafts import Draft, current_draft
from triage.web.rules.opened import note_opened

routes = RouteTable()

REFRESH_SECONDS = 2
MAX_SAMPLE = 10_000_000
SAMPLE_ERROR = f"Enter a whole number of intakes from 1 to {MAX_SAMPLE:,}, or leave it empty to compare every one."


class StartForm(FlaskForm):
    """Start a count: how many of the newest submitted intakes (empty: all of them)."""

    last = StringField()


def _sample(raw: str | None) -> tuple[int | None, str]:
    text = (raw or "").strip().replace(",", "")
    if not text:
        return None, ""
    if not text.isdigit() or not 0 < int(text) <= MAX_SAMPLE:
        return None, SAMPLE_ERROR
    return int(text), ""


def _stale_after() -> dt.timedelta:
    return job_lease(current_app.extensions["triage_settings"])


def _current_key(session: Any, draft: Draft, sample: int | None) -> str:
    mark, _newest = runs.watermark(session)
    return runs.run_key(draft.ruleset.sha256, ruleset_in_force(session).sha256, sample, mark)


def _kick(run: runs.RunInfo) -> str | None:
    """The run's job state; a new job when an unfinished run has none left, or its worker went quiet."""
    queue = job_queue()
    state = queue.state(impact_key(run.id))
    if run.status in runs.ACTIVE and (state is None or run.stale):
        enqueue_impact_run(queue, run.id)
        state = "queued"
    return state


def _page(draft: Draft, run: runs.RunInfo | None, sample: int | None, errors: list[str] | None = None) -> Response:
    state = _kick(run) if run is not None else None  # before the page's transaction: the queue may be this database
    with database().session() as session:
        published = ruleset_in_force(session)
        submitted = runs.submitted_count(session)
        note_opened(session, "impact")
        shown = view.progress(run, state) if run is not None else None
        result: dict[str, Any] = {}
        if run is not None and run.status == "done":
            changed = runs.changed_page(session, run.id, view.LIST_LIMIT)
            refs = impact_queries.intake_refs(session, [intake_id for intake_id, _c in changed])
            names = Names.of(published, draft.ruleset)
            tally, tally_more = view.tally(run, names)
            counts = view.counts(run)
            result = {
                "counts": counts,
                "tally": tally,
                "tally_more": tally_more,
                "items": view.rows(changed, refs, names),
                "more": max(0, counts.get("changed", 0) - len(changed)),
            }
            # Counts only: no answer or result of any patient goes into the audit row.
            audit(
                session,
                "ruleset.impact",
                f"draft {draft.info.id} against published {run.published_version}: {counts.get('considered', 0)} intakes,"
                f" {counts.get('evaluated', 0)} evaluated again, {counts.get('changed', 0)} would change (run {run.id})",
                ruleset_version=draft.info.label,
            )
    current = run is not None and run.draft_sha256 == draft.ruleset.sha256 and run.published_sha256 == published.sha256
    last_field = control(
        "last",
        "How many of the newest submitted intakes to compare",
        sample or "",
        errors=errors or [],
        hint=f"Leave it empty to compare every one of the {submitted:,} submitted intakes.",
    )
    page = make_response(
        render_template(
            "rules/impact.html",
            draft=draft.info,
            published=published.version,
            submitted=submitted,
            run=shown,
            current=current,
            columns=[(key, title) for key, title, _group in view.COLUMNS],
            last_field=last_field,
            form=ActionForm(),
            refresh=REFRESH_SECONDS,
            **result,
        ),
        400 if errors else 200,
    )
    if shown is not None and shown["active"]:
        # The HTTP Refresh header, as the letter's "being prepared" page: the page also offers "Check now".
        page.headers["Refresh"] = f"{REFRESH_SECONDS}; url={url_for('rules.impact_run', run_id=shown['id'])}"
    return page


@routes.route("/draft/impact")
@role_required(EDITOR)
def impact() -> Any:
    """The count for the draft as it is over the data as it stands, if one was asked for; else the form to start one."""
    sample, _error = _sample(request.args.get("last"))
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        run = runs.find_run(session, _current_key(session, draft, sample), _stale_after())
    return _page(draft, run, sample)


@routes.route("/draft/impact", methods=["POST"])
@role_required(EDITOR)
def start_impact() -> Any:
    """Start a count (or find the stored one for the same draft and data), then show it (Post/Redirect/Get)."""
    form = StartForm()
    if not form.validate_on_submit():
        return render_error(400)
    sample, error = _sample(form.last.data)
    if error:
        with database().session() as session:
            draft = current_draft(session)
        return _page(draft, None, None, [error]) if draft is not None else no_draft()
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        found = runs.find_run(session, _current_key(session, draft, sample), _stale_after())
        if found is None:
            published = ruleset_in_force(session)
            new = runs.NewRun(
                draft.info.id,
                draft.ruleset.sha256,
                draft.ruleset.version,
                published.sha256,
                published.version,
                sample,
                signed_in_staff().email,
            )
            run_id = runs.add_run(session, new)
            audit(session, "ruleset.impact_start", f"draft {draft.info.id}: count {sample or 'all'} (run {run_id})")
        else:
            run_id = found.id
    if found is None:
        enqueue_impact_run(job_queue(), run_id)  # after the commit: the worker must find the run
    return redirect(url_for("rules.impact_run", run_id=run_id), code=303)


@routes.route("/draft/impact/runs/<int:run_id>")
@role_required(EDITOR)
def impact_run(run_id: int) -> Any:
    """One count: its progress while the job counts (the page refreshes itself), then what it found."""
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        run = runs.get_run(session, run_id, _stale_after())
    if run is None:
        return render_error(404, "There is no such count of the draft's impact (old counts are deleted after 30 days).")
    return _page(draft, run, run.sample)


@routes.route("/draft/impact/runs/<int:run_id>/cancel", methods=["POST"])
@role_required(EDITOR)
def cancel_impact(run_id: int) -> Any:
    """Cancel a count: its job stops after the batch it is counting (Post/Redirect/Get)."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    with database().session() as session:
        stopped = runs.cancel(session, run_id)
        if stopped:
            audit(session, "ruleset.impact_cancel", f"run {run_id}")
    flash("The count was cancelled." if stopped else "The count had already ended.", "info")
    return redirect(url_for("rules.impact_run", run_id=run_id), code=303)


@routes.route("/draft/impact/<int:intake_id>")
@role_required(EDITOR)
def impact_case(intake_id: int) -> Any:
    """One intake evaluated with the version now published beside the draft, with what would change in plain words."""
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        published = ruleset_in_force(session)
        case = impact_queries.case_impact(session, published, draft.ruleset, intake_id)
        if case is None:
            return render_error(404, "There is no submitted intake with that number.")
        # Reading one patient's answers is a view of their intake: audited as such (no health data in the row).
        audit(
            session,
            "intake.view",
            "rules editor: published and draft results side by side",
            intake_id=intake_id,
            ruleset_version=case.stored_version,
        )
    names = Names.of(published, draft.ruleset)
    compared = case.compared
    groups = [(title, [line(c, names) for c in compared.changes if c.kind in group]) for _key, title, group in view.COLUMNS]
    return render_template(
        "rules/impact_case.html",
        draft=draft.info,
        intake_id=intake_id,
        ref=case.ref,
        stored_version=case.stored_version,
        old=view.side(compared.published, compared.draft, names),
        new=view.side(compared.draft, compared.published, names),
        groups=[(title, lines) for title, lines in groups if lines],
    )
