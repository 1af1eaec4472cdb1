"""The rules editor (role rules_editor): every rule as a sentence, the draft, and forms to edit, add and retire rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from triage.db import impact as impact_queries
from triage.db import rulesets
from triage.domain.errors import RulesetError
from triage.web.access import database, role_required, signed_in_staff
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.rules.common import EDITOR, after_save, audit, no_draft, on_conflict, posted_lock
from triage.web.rules.controls import row_views, rule_controls
from triage.web.rules.drafts import Draft, current_draft, find_rule, start_draft, store, topics, without_rule
from triage.web.rules.forms import check_rule, ordered_rule, read_rule_fields
from triage.web.rules.kept import keep_unshown
from triage.web.rules.lint_view import lint_for
from triage.web.rules.posted import RuleForm, text_of
from triage.web.rules.preview import sentence_view
from triage.web.rules.rule_page import covering_cases
from triage.web.rules.tree import apply_action, rows_from_form, rows_from_tree, tree_from_rows
from triage.web.rules.views import feedback_by_rule

routes = RouteTable()


@routes.route("/draft", methods=["POST"])
@role_required(EDITOR)
@on_conflict("Another editor opened a draft at the same moment. Use theirs.", back=lambda _args: url_for("rules.index"))
def new_draft() -> Any:
    """Open a draft copied from the newest published version."""
    with database().session() as session:
        if rulesets.open_draft(session) is not None:
            flash("A draft is already open; it is shown below.", "info")
            return redirect(url_for("rules.index"), code=303)
        row = start_draft(session, signed_in_staff().email)
        audit(session, "ruleset.draft_create", f"draft {row.id} from version {row.based_on_id}", ruleset_version=row.label)
    flash("Draft opened. Change rules below; nothing reaches patients until it is approved and published.", "info")
    return redirect(url_for("rules.index"), code=303)


def _rule_page(
    draft: Draft,
    rule: Mapping[str, Any],
    rows: list[Any],
    file: str,
    errors: Mapping[str, list[str]],
    general: list[str],
    rule_id: str | None,
    status: int = 200,
) -> Any:
    feedback = feedback_by_rule(draft.ruleset, [])
    if rule_id is not None:
        with database().session() as session:
            feedback = feedback_by_rule(draft.ruleset, impact_queries.feedback_with_fired(session))
    differentials = [(d.id, d.name) for d in draft.ruleset.differentials]
    parameters = draft.documents.get("ruleset.yaml", {}).get("parameters", {})
    page = render_template(
        "rules/rule.html",
        draft=draft.info,
        rule_id=rule_id,
        sentence=sentence_view(rule, draft.ruleset, parameters),
        fields=rule_controls(rule, errors, differentials, None if rule_id else topics(draft.documents), file),
        rows=row_views(rows, draft.ruleset.facts, parameters, errors),
        general=general,
        has_errors=bool(errors or general),
        feedback=feedback.get(rule_id or ""),
        report=draft.info.tests,
        cases=covering_cases(draft.ruleset, draft.tests, rule_id) if rule_id else [],
        checks=lint_for(draft.documents, draft.ruleset, rule_id),
    )
    return page, status


@routes.route("/draft/rules/new", methods=["GET", "POST"], endpoint="new_rule")
@routes.route("/draft/rules/<rule_id>", methods=["GET", "POST"], endpoint="edit_rule")
@role_required(EDITOR)
@on_conflict("Your change to rule {rule} was not saved: {error}.")
def edit_rule(rule_id: str | None = None) -> Any:
    """Edit a rule (or add one) in a form: its fields and its condition as nested rows; saved only on “Save”."""
    with database().session() as session:
        draft = current_draft(session)
    if draft is None:
        return no_draft()
    found = find_rule(draft.documents, rule_id) if rule_id else None
    if rule_id and found is None:
        return render_error(404, "The draft has no rule with that id.")
    if request.method == "GET":
        file, rule = (
            found
            if found
            else (topics(draft.documents)[0][0], {"kind": "differential", "author": signed_in_staff().email, "when": {}})
        )
        return _rule_page(draft, rule, rows_from_tree(rule.get("when")), file, {}, [], rule_id)
    form = RuleForm()
    fields, errors = read_rule_fields(request.form, rule_id)
    fields = keep_unshown(fields, found[1] if found else None)
    rows = rows_from_form(request.form)
    if rows is None:
        return render_error(400, "The condition rows of this form were not in a shape the editor made. Open the rule again.")
    action = "update" if form.action.data is None else form.action.data
    rows = apply_action(rows, action)
    kinds = {fact_id: fact.kind for fact_id, fact in draft.ruleset.facts.items()}
    rule = ordered_rule(fields, tree_from_rows(rows, kinds))
    file = found[0] if found else text_of(form, "file")
    if file not in dict(topics(draft.documents)):
        errors.setdefault("file", []).append("Choose one of the topics.")
    checked = check_rule(draft.documents, file, rule, rows, rule_id, errors)
    if action != "save" or not checked.ok:
        return _rule_page(
            draft,
            rule,
            rows,
            file,
            checked.errors if action == "save" else {},
            checked.general if action == "save" else [],
            rule_id,
            400 if action == "save" else 200,
        )
    return _save_rule(draft, rule, checked.documents, checked.unused_parameters, rule_id, found[1] if found else None)


def _save_rule(
    draft: Draft,
    rule: Mapping[str, Any],
    documents: Mapping[str, Any],
    unused: list[str],
    rule_id: str | None,
    before: Mapping[str, Any] | None,
) -> Any:
    new_id = str(rule.get("id"))
    changed = [k for k in rule if before is None or before.get(k) != rule.get(k)]
    with database().session() as session:
        row = store(session, draft.info.id, posted_lock(), documents, draft.tests, signed_in_staff().email)
        detail = f"{'changed' if rule_id else 'added'} rule {new_id}: {', '.join(changed) or 'no field'}" + (
            f"; parameters now unused: {', '.join(unused)}" if unused else ""
        )
        audit(session, "ruleset.rule_save" if rule_id else "ruleset.rule_add", detail, ruleset_version=row.label)
        report = dict(row.test_report or {})
    note = unused_note(unused)
    for message in lint_for(documents, draft.ruleset, new_id):
        flash(f"Please check rule {new_id}: {message}", "error")  # saved all the same: a finding, not a refusal
    return after_save("rules.edit_rule", f"Rule {new_id} saved.{note}", report, rule_id=new_id)


def unused_note(names: list[str]) -> str:
    """What a save says about parameters that no rule uses any more (kept in the draft until retired)."""
    if not names:
        return ""
    words = ", ".join(f"“{n}”" for n in names)
    plural = len(names) > 1
    return (
        f" No rule uses the parameter{'s' if plural else ''} {words} any more;"
        f" retire {'them' if plural else 'it'} from the parameters list if {'they are' if plural else 'it is'} not needed."
    )


@routes.route("/draft/rules/<rule_id>/retire", methods=["POST"])
@role_required(EDITOR)
@on_conflict("Rule {rule_id} was not retired: {error}.", back=lambda args: url_for("rules.edit_rule", rule_id=args["rule_id"]))
def retire_rule(rule_id: str) -> Any:
    """Take a rule out of the draft (published versions keep it)."""
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        if find_rule(draft.documents, rule_id) is None:
            return render_error(404, "The draft has no rule with that id.")
        documents, unused = without_rule(draft.documents, rule_id)
        try:
            row = store(session, draft.info.id, posted_lock(), documents, draft.tests, signed_in_staff().email)
        except RulesetError as error:
            flash(f"Rule {rule_id} cannot be retired: {error}", "error")
            return redirect(url_for("rules.edit_rule", rule_id=rule_id), code=303)
        audit(
            session,
            "ruleset.rule_retire",
            f"retired rule {rule_id}" + (f"; parameters now unused: {', '.join(unused)}" if unused else ""),
            ruleset_version=row.label,
        )
        report = dict(row.test_report or {})
    return after_save("rules.index", f"Rule {rule_id} retired.{unused_note(unused)}", report)
