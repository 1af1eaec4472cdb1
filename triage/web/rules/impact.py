"""Impact before publishing: what the draft changes for past patients against the version now published, case by case."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from triage.db import impact as impact_queries
from triage.db.evaluations import ruleset_in_force
from triage.domain.engine import impact_compare as kinds
from triage.domain.engine.impact import DraftReport, Names, PatientImpact, line, read, sentence
from triage.domain.engine.result import Result
from triage.web.access import database, role_required
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.rules.common import EDITOR, audit, no_draft
from triage.web.rules.controls import control
from triage.web.rules.drafts import current_draft
from triage.web.rules.opened import note_opened

routes = RouteTable()

LIST_LIMIT = 200
# The newest submitted intakes compared unless the editor asks for more: each one the changed rules can touch is
# evaluated in full twice (a few milliseconds each), and the page must answer within a request's time.
DEFAULT_SAMPLE = 1000
TALLY_LIMIT = 100
# The list's columns: what a clinician reads, in the order the summary shows it.
COLUMNS = (
    ("flags", "Red flags", kinds.FLAG_KINDS),
    ("differentials", "Differentials", kinds.DIFFERENTIAL_KINDS),
    ("tests", "Suggested tests", kinds.TEST_KINDS),
    ("caveats", "Caveats", kinds.CAVEAT_KINDS),
    ("asks", "Ask at the visit", kinds.ASK_KINDS),
)


def _last() -> int | None:
    raw = request.args.get("last", "")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 10_000_000 else None


def _counts(report: DraftReport) -> dict[str, Any]:
    return {
        "considered": report.considered,
        "evaluated": report.evaluated,
        "changed": len(report.changed),
        "flags_gained": report.flags_gained,
        "flags_lost": report.flags_lost,
        "flags_urgency": report.count([kinds.FLAG_URGENCY]),
        "top_changed": report.top_changed,
        "rank_changed": report.count([kinds.RANK, kinds.LISTED, kinds.UNLISTED]),
        "level_changed": report.level_changed,
        "tests_changed": report.count(kinds.TEST_KINDS),
        "caveats_changed": report.count(kinds.CAVEAT_KINDS),
        "asks_changed": report.count(kinds.ASK_KINDS),
        "seconds": f"{report.seconds:.2f}",
    }


def _row(patient: PatientImpact, ref: str, names: Names) -> dict[str, Any]:
    cells = {key: [line(change, names) for change in patient.of(group)] for key, _title, group in COLUMNS}
    return {"intake_id": patient.intake_id, "ref": ref, **cells}


@routes.route("/draft/impact")
@role_required(EDITOR)
def impact() -> Any:
    """How many past patients would read something different under the draft, what, and which intakes."""
    sample = _last() or DEFAULT_SAMPLE
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        published = ruleset_in_force(session)
        report = impact_queries.compute_impact(session, draft.ruleset, sample, published)
        submitted = impact_queries.submitted_count(session)
        shown = report.changed[:LIST_LIMIT]
        refs = impact_queries.intake_refs(session, [p.intake_id for p in shown])
        # Counts only: no answer or result of any patient goes into the audit row.
        audit(
            session,
            "ruleset.impact",
            f"draft {draft.info.id} against published {report.published}: {report.considered} intakes,"
            f" {report.evaluated} evaluated again, {len(report.changed)} would change",
            ruleset_version=draft.info.label,
        )
        note_opened(session, "impact")
    names = Names.of(published, draft.ruleset)
    tally = [sentence(change, count, names) for change, count in report.tally()]
    last_field = control(
        "last",
        "How many of the newest submitted intakes to compare",
        sample,
        hint=f"{DEFAULT_SAMPLE} unless you ask for more; {submitted} intakes have been submitted.",
    )
    return render_template(
        "rules/impact.html",
        draft=draft.info,
        published=report.published,
        counts=_counts(report),
        submitted=submitted,
        tally=tally[:TALLY_LIMIT],
        tally_more=max(0, len(tally) - TALLY_LIMIT),
        columns=[(key, title) for key, title, _group in COLUMNS],
        items=[_row(p, refs.get(p.intake_id, ""), names) for p in shown],
        last_field=last_field,
        more=max(0, len(report.changed) - LIST_LIMIT),
    )


def _side(result: Result, other: Result, names: Names) -> dict[str, Any]:
    """One column of the side-by-side view; `new` marks what the other column does not have."""
    mine, theirs = read(result), read(other)
    return {
        "version": result.ruleset_version,
        "flags": [
            {"title": names.rule(key), "urgency": urgency, "new": theirs.flags.get(key) != urgency}
            for key, urgency in mine.flags.items()
        ],
        "differentials": [
            {
                "name": names.differential(d.id),
                "rank": mine.ranks[d.id],
                "level": mine.levels[d.id],
                "held_back": d.held_back,
                "new": (theirs.ranks.get(d.id), theirs.levels.get(d.id)) != (mine.ranks[d.id], mine.levels[d.id]),
            }
            for d in result.differentials
        ],
        "first": names.first(mine.top),
        "tests": [
            {"test": test, "deferred": deferred, "new": theirs.tests.get(test) != deferred}
            for test, deferred in mine.tests.items()
        ],
        "caveats": [{"title": names.rule(key), "new": key not in theirs.caveats} for key in mine.caveats],
        "asks": [{"label": names.question(key), "new": key not in theirs.asks} for key in mine.asks],
        "too_few": mine.too_few,
    }


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
    groups = [(title, [line(c, names) for c in compared.changes if c.kind in group]) for _key, title, group in COLUMNS]
    return render_template(
        "rules/impact_case.html",
        draft=draft.info,
        intake_id=intake_id,
        ref=case.ref,
        stored_version=case.stored_version,
        old=_side(compared.published, compared.draft, names),
        new=_side(compared.draft, compared.published, names),
        groups=[(title, lines) for title, lines in groups if lines],
    )
