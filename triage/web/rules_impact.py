"""Impact before publishing: how the draft would change past patients' results (counts, a list, and each case side by side)."""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.db import queries, rulesets
from triage.db.models import Intake
from triage.domain.engine import Ruleset, evaluate
from triage.domain.impact import DraftImpact, ImpactReport, IntakeImpact, compare_summaries, summary_of_result
from triage.domain.questions import default_questionnaire
from triage.domain.result_view import compare_results, item_list, result_parts
from triage.evaluation import version_ruleset
from triage.web.access import database, role_required
from triage.web.errors import render_error
from triage.web.rules_common import EDITOR, audit, bp, no_draft
from triage.web.rules_controls import control
from triage.web.rules_drafts import current_draft

LIST_LIMIT = 200


def compute_impact(session: Session, draft: Ruleset, last: int | None = None) -> ImpactReport:
    """Compare the draft with every submitted intake's newest stored result (or the last N submitted).

    Answers are read in two rounds: first those of rules evaluated again in full and of changed
    comparisons; then, only for intakes on which a changed comparison decides differently, the rest
    of that rule's answers.
    """
    started = time.perf_counter()
    rows = rulesets.newest_evaluations(session, last)
    versions = rulesets.published_by_sha(session, {row[2] for row in rows})
    calculators = {sha: DraftImpact(draft, version_ruleset(version)) for sha, version in versions.items()}
    first = {q for c in calculators.values() for q in c.changes.first_questions}
    scope = [row[0] for row in rows] if last else None
    answers = rulesets.answers_of(session, scope, first) if first else {}
    changed: list[IntakeImpact] = []
    unknown, pending = [], []
    today = dt.date.today()
    for intake_id, evaluation_id, sha, fired_json, submitted in rows:
        calculator = calculators.get(sha)
        if calculator is None:
            unknown.append((intake_id, evaluation_id, submitted))
            continue
        on = rulesets.submitted_date(submitted) if calculator.reads_dates else today
        given = answers.get(intake_id, {})
        differing = calculator.differing(given, on)
        if differing:
            pending.append((calculator, intake_id, evaluation_id, fired_json, on, differing))
            continue
        found = calculator.compare_stored(intake_id, evaluation_id, fired_json or "[]", given, on, differing)
        if found is not None:
            changed.append(found)
    if pending:
        more = {q for calculator, *_rest, differing in pending for q in calculator.more_questions(differing)}
        extra = rulesets.answers_of(session, [p[1] for p in pending], more)
        for calculator, intake_id, evaluation_id, fired_json, on, differing in pending:
            given = {**answers.get(intake_id, {}), **extra.get(intake_id, {})}
            found = calculator.compare_stored(intake_id, evaluation_id, fired_json or "[]", given, on, differing)
            if found is not None:
                changed.append(found)
    changed += _evaluated_in_full(session, draft, unknown)
    order = {row[0]: i for i, row in enumerate(rows)}
    changed.sort(key=lambda i: order[i.intake_id])
    return ImpactReport(len(rows), tuple(changed), time.perf_counter() - started)


def _evaluated_in_full(session: Session, draft: Ruleset, unknown: list[tuple[int, int, Any]]) -> list[IntakeImpact]:
    """Results made by a ruleset never stored as a version: evaluate those intakes in full, against their stored result."""
    if not unknown:
        return []
    full = rulesets.answers_of(session, [u[0] for u in unknown], None)
    stored = rulesets.stored_results(session, [u[1] for u in unknown])
    found = []
    for intake_id, evaluation_id, submitted in unknown:
        after = summary_of_result(evaluate(draft, full.get(intake_id, {}), on=rulesets.submitted_date(submitted)).to_dict())
        impact = compare_summaries(intake_id, evaluation_id, summary_of_result(stored.get(evaluation_id, {})), after)
        if impact is not None:
            found.append(impact)
    return found


def evaluated_on(result: Mapping[str, Any]) -> dt.date:
    """The date a stored result was evaluated as of (today when it does not say)."""
    try:
        return dt.date.fromisoformat(str(result.get("evaluated_on") or ""))
    except ValueError:
        return dt.date.today()


def _last() -> int | None:
    raw = request.args.get("last", "")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 10_000_000 else None


@bp.route("/draft/impact")
@role_required(EDITOR)
def impact() -> Any:
    """The impact counts of the draft over past submitted intakes, and the list of intakes that would change."""
    last = _last()
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        report = compute_impact(session, draft.ruleset, last)
        shown = [i.intake_id for i in report.changed[:LIST_LIMIT]]
        refs = {intake_id: ref for intake_id, ref in session.execute(select(Intake.id, Intake.ref).where(Intake.id.in_(shown)))}
        audit(session, "ruleset.impact", f"draft {draft.info.id}: {report.considered} intakes, {len(report.changed)} would change", ruleset_version=draft.info.label)
    names = {d.id: d.name for d in draft.ruleset.differentials}
    titles = {r.id: r.title for r in draft.ruleset.rules}
    items = [
        {"intake_id": i.intake_id, "ref": refs.get(i.intake_id, ""), "gained": [titles.get(f, f) for f in i.flags_gained], "lost": [titles.get(f, f) for f in i.flags_lost],
         "old_top": names.get(i.old_top or "", i.old_top or "none"), "new_top": names.get(i.new_top or "", i.new_top or "none"), "top_changed": i.top_changed,
         "levels": [(names.get(d, d), a, b) for d, a, b in i.level_changes]}
        for i in report.changed[:LIST_LIMIT]
    ]
    counts = {"considered": report.considered, "changed": len(report.changed), "flags_gained": report.flags_gained, "flags_lost": report.flags_lost,
              "top_changed": report.top_changed, "level_changed": report.level_changed, "seconds": f"{report.seconds:.2f}"}
    last_field = control("last", "Only the last N submitted intakes", last or "", hint="Leave empty to compare every submitted intake.")
    return render_template("rules/impact.html", draft=draft.info, counts=counts, items=items, last_field=last_field, more=max(0, len(report.changed) - LIST_LIMIT))


def _side(result: Mapping[str, Any]) -> dict[str, Any]:
    questionnaire = default_questionnaire()
    flags, differentials = result_parts(questionnaire, result)
    return {
        "version": (result.get("ruleset") or {}).get("version", ""),
        "flags": flags,
        "differentials": differentials,
        "investigations": item_list(result.get("investigations"), ("why",)),
        "caveats": item_list(result.get("caveats"), ("explanation",)),
    }


@bp.route("/draft/impact/<int:intake_id>")
@role_required(EDITOR)
def impact_case(intake_id: int) -> Any:
    """One intake's stored result beside what the draft would conclude."""
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        evaluation = rulesets.newest_evaluation(session, intake_id)
        if evaluation is None:
            return render_error(404, "There is no submitted intake with that number.")
        intake = session.get(Intake, intake_id)
        old = dict(evaluation.result)
        answers = queries.load_answers(session, intake_id)
        audit(session, "intake.view", "rules editor: stored and draft results side by side", intake_id=intake_id, ruleset_version=evaluation.ruleset_version)
        ref = intake.ref if intake else ""
    new = evaluate(draft.ruleset, answers, on=evaluated_on(old)).to_dict()
    changes = compare_results(default_questionnaire(), old, new)
    return render_template("rules/impact_case.html", draft=draft.info, intake_id=intake_id, ref=ref, old=_side(old), new=_side(new), changes=changes)
