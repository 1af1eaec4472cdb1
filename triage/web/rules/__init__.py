"""The rules editors' audience: drafts, header forms, tests, impact, review and publishing."""

from __future__ import annotations

from flask import Blueprint

from triage.db.rulesets import DraftConflict, RulesetRefused
from triage.web.rules import editor, header, impact, review
from triage.web.rules.common import draft_conflict, ruleset_refused


def build_blueprint() -> Blueprint:
    """The rules blueprint under /rules, assembled from its four view modules, with the one handler per draft refusal."""
    blueprint = Blueprint("rules", __name__, url_prefix="/rules")
    for module in (editor, header, review, impact):
        module.routes.register(blueprint)
    # Each view declares its words with @on_conflict / @on_refusal; these render them for the whole blueprint.
    blueprint.register_error_handler(DraftConflict, draft_conflict)
    blueprint.register_error_handler(RulesetRefused, ruleset_refused)
    return blueprint
