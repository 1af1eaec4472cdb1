"""Adding a differential or a parameter to the draft, and retiring one after a confirmation page, without YAML."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import redirect, render_template, request, url_for

from triage.web.access import database, role_required, signed_in_staff
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.rules.common import EDITOR, after_save, audit, no_draft, on_conflict, posted_lock
from triage.web.rules.controls import control
from triage.web.rules.drafts import Draft, current_draft, store
from triage.web.rules.forms import HEADER_FILE
from triage.web.rules.header import differential_fields, header_page, parameter_fields, read_fields, save_header_change
from triage.web.rules.header_drafts import (
    check_new_differential,
    check_new_parameter,
    differential_users,
    identifier_from,
    parameter_users,
    without_differential,
    without_parameter,
)
from triage.web.rules.posted import DifferentialForm, NewParameterForm, ReviewForm

routes = RouteTable()
NEW_DIFFERENTIAL = {"name": "", "description": "", "low": "", "moderate": "", "high": "", "held_back_by_red_flags": False}
NEW_PARAMETER = {"name": "", "value": "", "unit": "", "description": "", "source": ""}


@routes.route("/draft/differentials/new", methods=["GET", "POST"])
@role_required(EDITOR)
@on_conflict("The new differential was not added: {error}.")
def new_differential() -> Any:
    """GET: an empty differential form; POST: add the differential (then its rules weigh it from the rule form)."""
    with database().session() as session:
        draft = current_draft(session)
    if draft is None:
        return no_draft()

    def page(values: Mapping[str, Any], errors: Mapping[str, list[str]], general: list[str], status: int = 200) -> Any:
        """The form page with these values and problems."""
        return header_page(
            draft,
            "Add a differential",
            "A condition the rules weigh up. Once it is added, add rules that weigh it (Add a rule, kind"
            " “weighs a differential”) and a test case that expects it.",
            differential_fields(values, errors),
            general,
            url_for("rules.new_differential"),
            status,
        )

    if request.method == "GET":
        return page(NEW_DIFFERENTIAL, {}, [])
    form = DifferentialForm()
    values, errors = read_fields(form, ("name", "description", "low", "moderate", "high"), ("low", "moderate", "high"))
    values["held_back_by_red_flags"] = form.held_back_by_red_flags.data == "1"
    return save_header_change(
        form,
        draft,
        values,
        errors,
        check_new_differential,
        "ruleset.differential_add",
        f"differential {identifier_from(str(values['name']))}",
        page,
        f"the new differential “{values['name']}”",
    )


@routes.route("/draft/parameters/new", methods=["GET", "POST"])
@role_required(EDITOR)
@on_conflict("The new parameter was not added: {error}.")
def new_parameter() -> Any:
    """GET: an empty parameter form; POST: add the named threshold (conditions then compare answers with it)."""
    with database().session() as session:
        draft = current_draft(session)
    if draft is None:
        return no_draft()

    def page(values: Mapping[str, Any], errors: Mapping[str, list[str]], general: list[str], status: int = 200) -> Any:
        """The form page with these values and problems."""
        name_hint = "Conditions name it in lower case with underscores: “calprotectin cut-off” becomes calprotectin_cut_off."
        fields = [control("name", "Name", values["name"], errors=errors.get("name", []), hint=name_hint)]
        return header_page(
            draft,
            "Add a parameter",
            "A named threshold (an age, a duration, a laboratory cut-off) that conditions use instead of a bare number.",
            fields + parameter_fields(values, errors),
            general,
            url_for("rules.new_parameter"),
            status,
        )

    if request.method == "GET":
        return page(NEW_PARAMETER, {}, [])
    form = NewParameterForm()
    values, errors = read_fields(form, ("value", "unit", "description", "source"), ("value",))
    values["name"] = str(form.name.data or "").strip()[:200]
    name = identifier_from(values["name"])
    return save_header_change(
        form,
        draft,
        values,
        errors,
        lambda docs, v: check_new_parameter(docs, name, v),
        "ruleset.parameter_add",
        f"parameter {name}",
        page,
        f"the new parameter “{name}”",
    )


def _retire_page(draft: Draft, heading: str, what: str, users: list[str], action: str, back: str) -> Any:
    return render_template(
        "rules/header_retire.html", draft=draft.info, heading=heading, what=what, users=users, action=action, back=back
    )


@routes.route("/draft/differentials/<differential_id>/retire", methods=["GET", "POST"])
@role_required(EDITOR)
@on_conflict("The differential was not retired: {error}.", back=lambda _args: url_for("rules.index"))
def retire_differential(differential_id: str) -> Any:
    """GET: what still names the differential, or the confirming button; POST confirmed: take it out of the draft."""
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        found = next((d for d in draft.documents[HEADER_FILE].get("differentials", []) if d.get("id") == differential_id), None)
        if found is None:
            return render_error(404, "The draft declares no differential with that id.")
        name = str(found.get("name") or differential_id)
        users = differential_users(draft.documents, draft.tests, differential_id)
        here = url_for("rules.retire_differential", differential_id=differential_id)
        back = url_for("rules.edit_differential", differential_id=differential_id)
        if request.method == "GET":
            return _retire_page(draft, f"Retire the differential “{name}”?", "differential", users, here, back)
        if users or ReviewForm().confirm.data != "yes":
            return redirect(here, code=303)  # the page says what still names it, or asks to confirm
        row = store(
            session, draft.info.id, posted_lock(), without_differential(draft.documents, differential_id), draft.tests,
            signed_in_staff().email,
        )  # fmt: skip
        audit(session, "ruleset.differential_retire", f"differential {differential_id}", ruleset_version=row.label)
        report = dict(row.test_report or {})
    return after_save("rules.index", f"The differential “{name}” retired.", report)


@routes.route("/draft/parameters/<name>/retire", methods=["GET", "POST"])
@role_required(EDITOR)
@on_conflict("The parameter was not retired: {error}.", back=lambda _args: url_for("rules.index"))
def retire_parameter(name: str) -> Any:
    """GET: whether a rule still uses the parameter, or the confirming button; POST confirmed: take it out."""
    with database().session() as session:
        draft = current_draft(session)
        if draft is None:
            return no_draft()
        if name not in draft.documents[HEADER_FILE].get("parameters", {}):
            return render_error(404, "The draft declares no parameter with that name.")
        users = parameter_users(draft.documents, name)
        here, back = url_for("rules.retire_parameter", name=name), url_for("rules.edit_parameter", name=name)
        if request.method == "GET":
            return _retire_page(draft, f"Retire the parameter “{name}”?", "parameter", users, here, back)
        if users or ReviewForm().confirm.data != "yes":
            return redirect(here, code=303)  # the page says what still uses it, or asks to confirm
        row = store(
            session, draft.info.id, posted_lock(), without_parameter(draft.documents, name), draft.tests,
            signed_in_staff().email,
        )  # fmt: skip
        audit(session, "ruleset.parameter_retire", f"parameter {name}", ruleset_version=row.label)
        report = dict(row.test_report or {})
    return after_save("rules.index", f"The parameter “{name}” retired.", report)
