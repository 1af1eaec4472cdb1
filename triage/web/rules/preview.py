"""The rule editor's live sentence: the form as it stands, read as a save reads it, answered with its plain words.

The page's script posts the whole form (CSRF token included) as the editor types; the answer is the same
partial the page itself renders, so the words come from one place (triage/domain/engine/sentences.py), and each
test row's answer controls, which the script swaps in for the row whose question or test changed.
Nothing is stored, and without JavaScript the "Update the sentence" button does the same by a full round trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template, request

from triage.db import rulesets
from triage.db.evaluations import version_ruleset
from triage.domain.engine.evaluate import Ruleset
from triage.domain.engine.sentences import condition_tree, effect_words
from triage.web.access import database, role_required
from triage.web.routes import RouteTable
from triage.web.rules.common import EDITOR, header_parameters, sentence_of
from triage.web.rules.controls import row_views
from triage.web.rules.drafts import find_rule
from triage.web.rules.forms import ordered_rule, read_rule_fields
from triage.web.rules.kept import keep_unshown
from triage.web.rules.tree import rows_from_form, tree_from_rows

routes = RouteTable()


def sentence_view(rule: Mapping[str, Any], ruleset: Ruleset, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """A rule in plain words for a page: the one sentence, its condition as a tree, and what it does when it fires."""
    names = {d.id: d.name for d in ruleset.differentials}
    return {
        "sentence": sentence_of(rule, ruleset, parameters),
        "tree": condition_tree(rule.get("when"), ruleset.facts, parameters),
        "effect": effect_words(rule, names),
    }


def _fragment(message: str, status: int) -> tuple[str, int]:
    return render_template("rules/_sentence_refused.html", message=message), status


@routes.route("/draft/sentence", methods=["POST"], endpoint="new_rule_sentence")
@routes.route("/draft/rules/<rule_id>/sentence", methods=["POST"], endpoint="rule_sentence")
@role_required(EDITOR)
def rule_sentence(rule_id: str | None = None) -> Any:
    """The posted rule form in plain words (an HTML fragment for the editor's script; nothing is saved)."""
    with database().session() as session:
        row = rulesets.open_draft(session)
        if row is None:
            return _fragment("There is no draft open.", 409)
        ruleset = version_ruleset(row)
        documents: Mapping[str, Any] = row.documents
        found = find_rule(documents, rule_id) if rule_id else None
        parameters = header_parameters(documents)
    if rule_id and found is None:
        return _fragment("The draft has no rule with that id.", 404)
    rows = rows_from_form(request.form)
    if rows is None:
        return _fragment("The condition rows of this form were not in a shape the editor made.", 400)
    fields, _errors = read_rule_fields(request.form, rule_id)  # problems are named on save, not while typing
    fields = keep_unshown(fields, found[1] if found else None)
    kinds = {fact_id: fact.kind for fact_id, fact in ruleset.facts.items()}
    rule = ordered_rule(fields, tree_from_rows(rows, kinds))
    return render_template(
        "rules/sentence_preview.html",
        view=sentence_view(rule, ruleset, parameters),
        # Only the rows whose question or test just changed (the script names them): the others keep what is typed.
        rows=row_views([r for r in rows if r.path in request.form.getlist("answers_for")], ruleset.facts, parameters, {}),
    )
