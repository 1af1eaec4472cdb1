"""Clinical sign-off of rules: the review queue, one rule's sign-off page, and the sign-off (clinician and rules editor)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from triage.db import rule_signoffs
from triage.domain.engine.diff import rules_by_id
from triage.domain.governance.rule_index import is_general_knowledge
from triage.domain.governance.signoff import changes_since, in_queue, queue_order, read_comment, rule_status, ruleset_statuses
from triage.web.access import database, deny, role_required, signed_in_staff
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.rules.common import EDITOR, audit, header_parameters, sentence_of
from triage.web.rules.controls import control
from triage.web.rules.signoff_view import (
    SIGNER_ROLES,
    ShownRules,
    queue_choices,
    read_queue_filters,
    shown_rules,
    signoff_fields,
    state_counts,
)
from triage.web.rules.views import rule_item

routes = RouteTable()
PAGE = 25


class SignoffForm(FlaskForm):
    """A sign-off: the hash of the rule as the clinician read it, and their comment (CSRF as on every form)."""

    sha256 = StringField()
    comment = TextAreaField()


def _items(shown: ShownRules, signoffs: list[Any]) -> list[dict[str, Any]]:
    statuses = ruleset_statuses(shown.documents, signoffs)
    parameters = header_parameters(shown.documents)
    return [
        rule_item(rule, file, shown.ruleset, parameters, {}) | signoff_fields(statuses[rule_id][1])
        for rule_id, (file, rule) in rules_by_id(shown.documents).items()
    ]


def may_sign(roles: frozenset[str]) -> bool:
    """Whether a staff member may sign rules off: a clinician who also holds the rules editor role."""
    return SIGNER_ROLES <= roles


@routes.route("/sign-off", endpoint="signoff_queue")
@role_required(EDITOR)
def queue() -> Any:
    """Rules awaiting clinical sign-off (never, or changed since), filterable by differential, evidence and state."""
    with database().session() as session:
        shown = shown_rules(session, request.args.get("of", ""))
        signoffs = rule_signoffs.all_signoffs(session)
    items = _items(shown, signoffs)
    filters, problems = read_queue_filters(request.args, shown.ruleset)
    listed = queue_order(i for i in items if in_queue(i, filters))
    pages = max(1, -(-len(listed) // PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    names = {d.id: d.name for d in shown.ruleset.differentials}
    return render_template(
        "rules/signoff_queue.html",
        shown=shown,
        items=listed[(page - 1) * PAGE : page * PAGE],
        matching=len(listed),
        page=page,
        pages=pages,
        filters=filters,
        problems=problems,
        counts=state_counts(items),
        general_awaiting=sum(1 for i in items if i["signoff_state"] != "signed" and is_general_knowledge(i)),
        choices=queue_choices(shown.ruleset, state_counts(items)),
        names=names,
        can_sign=may_sign(signed_in_staff().roles),
    )


def _rule_page(shown: ShownRules, rule_id: str, comment: str = "", problem: str = "", status: int = 200) -> Any:
    with database().session() as session:
        history = rule_signoffs.signoffs_of(session, rule_id)
    found = rules_by_id(shown.documents).get(rule_id)
    if found is None:
        return render_error(404, f"There is no rule with that id in {shown.where}.")
    file, rule = found
    content, state = rule_status(rule, header_parameters(shown.documents), history)
    names = {d.id: d.name for d in shown.ruleset.differentials}
    item = rule_item(rule, file, shown.ruleset, header_parameters(shown.documents), {}) | signoff_fields(state)
    signed_sentence = ""
    if state.state == "changed" and state.last is not None:
        signed_sentence = sentence_of(state.last.content, shown.ruleset, state.last.content.get("parameters used"))
    field = control(
        "comment",
        "Your sign-off comment",
        comment,
        "textarea",
        errors=[problem] if problem else [],
        hint="What you checked: the source, the threshold, whom the rule fits and whom not. Kept with your name and the date.",
    )
    return render_template(
        "rules/signoff_rule.html",
        shown=shown,
        item=item,
        general=is_general_knowledge(item),
        differential=names.get(str(item["differential"]), ""),
        changes=changes_since(state, content, names),
        signed_sentence=signed_sentence,
        history=[signoff_fields_of(s) for s in history],
        can_sign=may_sign(signed_in_staff().roles) and state.state != "signed",
        comment_field=field,
    ), status


def signoff_fields_of(signoff: Any) -> dict[str, Any]:
    """One past sign-off as the history lists it."""
    return {"by": signoff.signed_by, "at": signoff.signed_at, "comment": signoff.comment, "label": signoff.ruleset_label}


@routes.route("/sign-off/<rule_id>", endpoint="signoff_rule")
@role_required(EDITOR)
def rule(rule_id: str) -> Any:
    """One rule for sign-off: its sentence and source, what changed since its last sign-off, and the form."""
    with database().session() as session:
        shown = shown_rules(session, request.args.get("of", ""))
    return _rule_page(shown, rule_id)


@routes.route("/sign-off/<rule_id>", methods=["POST"], endpoint="sign_off")
@role_required(EDITOR)
def sign(rule_id: str) -> Any:
    """Sign a rule off as it stands (a clinician who is also a rules editor; a comment is required)."""
    staff = signed_in_staff()
    if not may_sign(staff.roles):
        return deny(staff)  # a rules editor without the clinician role: 403 and an audit row
    form = SignoffForm()
    of = request.args.get("of", "")
    with database().session() as session:
        shown = shown_rules(session, of)
    comment, problem = read_comment(str(form.comment.data or ""))
    found = rules_by_id(shown.documents).get(rule_id)
    if found is None:
        return render_error(404, f"There is no rule with that id in {shown.where}.")
    content, state = rule_status(found[1], header_parameters(shown.documents), [])
    if form.sha256.data != state.sha256:
        flash("The rule changed since you opened it, so it was not signed off. Read it again as it stands now.", "error")
        return _rule_page(shown, rule_id, comment, status=409)
    if problem:
        return _rule_page(shown, rule_id, comment, problem, 400)
    title = str(found[1].get("title") or rule_id)
    with database().session() as session:
        try:
            rule_signoffs.sign_off(
                session,
                rule_id,
                content,
                state.sha256,
                title=title,
                ruleset_label=shown.label,
                signed_by=staff.email,
                comment=comment,
            )
        except rule_signoffs.SignoffRefused as refused:
            audit(session, "rule.signoff", f"rule {rule_id}: {refused}", ruleset_version=shown.label, outcome="refused")
            flash(f"Not signed off: {refused}.", "error")
            return redirect(url_for("rules.signoff_rule", rule_id=rule_id, of=of or None), code=303)
        audit(session, "rule.signoff", f"rule {rule_id} signed off as {state.sha256[:16]}", ruleset_version=shown.label)
    flash(f"“{title}” is signed off as it stands. Any change to it brings it back to this queue.", "info")
    return redirect(url_for("rules.signoff_queue", of=of or None), code=303)
