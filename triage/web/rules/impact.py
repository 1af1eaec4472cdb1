"""Impact before publishing: how the draft would change past patients' results (counts, a list, and each case side by side)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template, request

from triage.db import impact as impact_queries
from triage.db.models import Intake
from triage.domain.engine.evaluate import evaluate
from triage.domain.engine.result_view import compare_results, item_list, result_parts
from triage.domain.engine.what_if import evaluated_on
from triage.domain.questionnaire.questions import Questionnaire
from triage.domain.report.versions import questionnaire_of
from triage.web.access import database, role_required
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.rules.common import EDITOR, audit, no_draft
from triage.web.rules.controls import control
from triage.web.rules.drafts import current_draft

routes = RouteTable()

LIST_LIMIT = 200


def _last() -> int | None:
    raw = request.args.get("last", "")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 10_000_000 else None


@routes.route("/draft/impact")
@role_required(EDITOR)
def impact() -> Any:
    """The impact counts of the draft over past submitted intakes, and the list of intakes that would change."""
    last = _last()
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        report = impact_queries.compute_impact(session, draft.ruleset, last)
        refs = impact_queries.intake_refs(session, [i.intake_id for i in report.changed[:LIST_LIMIT]])
        audit(
            session,
            "ruleset.impact",
            f"draft {draft.info.id}: {report.considered} intakes, {len(report.changed)} would change",
            ruleset_version=draft.info.label,
        )
    names = {d.id: d.name for d in draft.ruleset.differentials}
    titles = {r.id: r.title for r in draft.ruleset.rules}
    items = [
        {
            "intake_id": i.intake_id,
            "ref": refs.get(i.intake_id, ""),
            "gained": [titles.get(f, f) for f in i.flags_gained],
            "lost": [titles.get(f, f) for f in i.flags_lost],
            "old_top": names.get(i.old_top or "", i.old_top or "none"),
            "new_top": names.get(i.new_top or "", i.new_top or "none"),
            "top_changed": i.top_changed,
            "levels": [(names.get(d, d), a, b) for d, a, b in i.level_changes],
        }
        for i in report.changed[:LIST_LIMIT]
    ]
    counts = {
        "considered": report.considered,
        "changed": len(report.changed),
        "flags_gained": report.flags_gained,
        "flags_lost": report.flags_lost,
        "top_changed": report.top_changed,
        "level_changed": report.level_changed,
        "seconds": f"{report.seconds:.2f}",
    }
    last_field = control(
        "last", "Only the last N submitted intakes", last or "", hint="Leave empty to compare every submitted intake."
    )
    return render_template(
        "rules/impact.html",
        draft=draft.info,
        counts=counts,
        items=items,
        last_field=last_field,
        more=max(0, len(report.changed) - LIST_LIMIT),
    )


def _side(questionnaire: Questionnaire, result: Mapping[str, Any]) -> dict[str, Any]:
    flags, differentials = result_parts(questionnaire, result)
    return {
        "version": (result.get("ruleset") or {}).get("version", ""),
        "flags": flags,
        "differentials": differentials,
        "investigations": item_list(result.get("investigations"), ("why",)),
        "caveats": item_list(result.get("caveats"), ("explanation",)),
    }


@routes.route("/draft/impact/<int:intake_id>")
@role_required(EDITOR)
def impact_case(intake_id: int) -> Any:
    """One intake's stored result beside what the draft would conclude."""
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        case = impact_queries.stored_case(session, intake_id)
        if case is None:
            return render_error(404, "There is no submitted intake with that number.")
        intake = session.get(Intake, intake_id)
        questionnaire = questionnaire_of(intake.questionnaire_version if intake else "")  # the questions it was asked
        audit(
            session,
            "intake.view",
            "rules editor: stored and draft results side by side",
            intake_id=intake_id,
            ruleset_version=case.ruleset_version,
        )
    old = case.result
    new = evaluate(draft.ruleset, case.answers, on=evaluated_on(old)).to_dict()
    changes = compare_results(questionnaire, old, new)
    return render_template(
        "rules/impact_case.html",
        draft=draft.info,
        intake_id=intake_id,
        ref=case.ref,
        old=_side(questionnaire, old),
        new=_side(questionnaire, new),
        changes=changes,
    )
