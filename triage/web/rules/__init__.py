"""The rules editors' audience: drafts, header forms, tests, impact, review and publishing."""

from __future__ import annotations

from flask import Blueprint

from triage.db.rulesets import DraftConflict, RulesetRefused
from triage.web.rules import (
    case_edit,
    change_request,
    editor,
    feedback_page,
    header,
    header_new,
    home,
    impact,
    preview,
    review,
    rule_page,
    signoff,
)
from triage.web.rules.common import draft_conflict, ruleset_refused
from triage.web.rules.opened import review_waiting


def build_blueprint() -> Blueprint:
    """The rules blueprint under /rules, assembled from its view modules, with the one handler per draft refusal."""
    blueprint = Blueprint("rules", __name__, url_prefix="/rules")
    modules = (
        home,
        editor,
        preview,
        header,
        header_new,
        review,
        case_edit,
        change_request,
        impact,
        rule_page,
        signoff,
        feedback_page,
    )
    for module in modules:
        module.routes.register(blueprint)
    # Each view declares its words with @on_conflict / @on_refusal; these render them for the whole blueprint.
    blueprint.register_error_handler(DraftConflict, draft_conflict)
    blueprint.register_error_handler(RulesetRefused, ruleset_refused)
    # Every staff page's header says when a rules draft waits for the signed-in editor's review.
    blueprint.app_context_processor(lambda: {"rules_review_waiting": review_waiting})
    return blueprint
