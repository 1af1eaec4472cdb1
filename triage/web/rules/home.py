"""The rules home (role rules_editor): find any rule, the draft's state, and its change request (review, approval)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from triage.db import feedback_counts, rule_firing, rule_signoffs, ruleset_review, rulesets
from triage.db import impact as impact_queries
from triage.db.evaluations import bundled_ruleset, version_ruleset
from triage.domain.governance.feedback_counts import tally
from triage.domain.governance.signoff import ruleset_statuses
from triage.web.access import database, role_required, signed_in_staff
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.rules.common import EDITOR
from triage.web.rules.controls import control
from triage.web.rules.drafts import current_draft
from triage.web.rules.finder import index_data, read_filters
from triage.web.rules.lint_view import lint
from triage.web.rules.views import feedback_by_rule, parameter_rows

routes = RouteTable()


def _review_state(session: Any, draft: Any, me: str, four_eyes: bool) -> dict[str, Any]:
    """What this editor can do with the draft's change request, and what they have still to open."""
    if draft is None:
        return {}
    info = draft.info
    row = rulesets.open_draft(session)
    missing = ruleset_review.missing_parts(session, row, me) if row is not None else []
    staff = signed_in_staff()
    requested = bool(info.review and info.review.requested_by)
    reviewer = me not in info.editors and not info.approval_valid and four_eyes
    return {
        "requested": requested,
        "can_request": me in info.editors and not requested and info.tests_green,
        "reviewer": reviewer and requested,
        "can_approve": reviewer and requested and info.tests_green and not missing,
        "missing": missing,
        "can_discard": me == info.created_by or "admin" in staff.roles,
    }


@routes.route("/", endpoint="index")
@role_required(EDITOR)
def index() -> Any:
    """Find a rule (words and facets, without JavaScript), rules grouped by differential, the draft's change request."""
    number = request.args.get("version", type=int)
    me = signed_in_staff().email
    with database().session() as session:
        draft = None if number else current_draft(session)
        row = rulesets.by_number(session, number) if number else rulesets.latest_published(session)
        if number and (row is None or row.status != "published"):
            return render_error(404, "There is no published ruleset version with that number.")
        shown = rulesets.info(row) if row is not None else None
        documents, ruleset = (
            (draft.documents, draft.ruleset)
            if draft
            else (row.documents, version_ruleset(row))
            if row
            else (bundled_ruleset().documents, bundled_ruleset())
        )
        feedback = feedback_by_rule(ruleset, impact_queries.feedback_with_fired(session))
        fired = rule_firing.fired_in_period(session)
        four_eyes = rulesets.four_eyes_required(session)
        review = _review_state(session, draft, me, four_eyes)
        statuses = ruleset_statuses(documents, rule_signoffs.all_signoffs(session))
        tallied = tally(feedback_counts.feedback_counts(session))
    signoffs = {k: status for k, (_content, status) in statuses.items()}
    filters, problems = read_filters(request.args, ruleset)
    found = index_data(documents, ruleset, feedback, fired.by_rule, filters, signoffs, tallied)
    rationale = draft.info.review.rationale if draft and draft.info.review else ""
    return render_template(
        "rules/index.html",
        draft=draft.info if draft else None,
        shown=shown,
        viewing_old=bool(number),
        number=number,
        found=found,
        filter_problems=problems,
        fired_intakes=fired.intakes,
        period_days=rule_firing.PERIOD_DAYS,
        parameters=parameter_rows(documents),
        # Findings about the ruleset as a whole (a parameter no rule uses); those about one rule are on its page.
        ruleset_checks=[w.message for w in lint(documents, ruleset) if not w.rule] if draft else [],
        title=ruleset.title,
        label=ruleset.version,
        four_eyes=four_eyes,
        review=review,
        can_publish=bool(draft and draft.info.tests_green and (draft.info.approval_valid or not four_eyes)),
        publish_field=control(
            "summary",
            "Summary of the change",
            rationale,
            hint="One or two sentences for the version history: what changed and why (the author's rationale to start).",
        ),
        rationale_field=control(
            "rationale",
            "Why the rules change (your rationale for the reviewer)",
            kind="textarea",
            hint="What you changed, why, and the evidence; the reviewer reads it beside the diff, and it is kept in the history.",
        ),
        comment_field=control(
            "comment",
            "Your review comment",
            kind="textarea",
            hint="What you checked and why you approve; it is kept in the version history.",
        ),
    )
