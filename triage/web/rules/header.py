"""Editing the draft's header in forms: a differential's thresholds, a named parameter, and the version text, title and note."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import render_template, request, url_for
from flask_wtf import FlaskForm

from triage.domain.errors import RulesetError
from triage.web.access import database, role_required, signed_in_staff
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.rules.common import EDITOR, after_save, audit, no_draft, on_conflict
from triage.web.rules.controls import control
from triage.web.rules.drafts import Draft, check_differential, check_parameter, check_settings, current_draft, store
from triage.web.rules.forms import HEADER_FILE, clean_text
from triage.web.rules.posted import DifferentialForm, DraftForm, ParameterForm, SettingsForm, text_of
from triage.web.rules.tree import number_or_text

routes = RouteTable()

Checker = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[dict[str, Any], dict[str, list[str]], list[str]]]


def read_fields(
    form: FlaskForm, names: tuple[str, ...], numbers: tuple[str, ...] = ()
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in names:
        text, problem = clean_text(text_of(form, name), name)
        values[name] = number_or_text(text) if name in numbers else text
        if problem:
            errors[name] = [problem]
    return values, errors


def header_page(
    draft: Draft,
    heading: str,
    intro: str,
    fields: list[dict[str, Any]],
    general: list[str],
    action: str,
    status: int = 200,
    retire: Mapping[str, str] | None = None,
) -> Any:
    """A header form page; `retire` (url, label) adds the link to the item's retire page."""
    return render_template(
        "rules/header_form.html",
        draft=draft.info,
        heading=heading,
        intro=intro,
        fields=fields,
        general=general,
        action=action,
        retire=retire,
    ), status


def save_header_change(
    form: DraftForm,
    draft: Draft,
    values: Mapping[str, Any],
    errors: dict[str, list[str]],
    check: Checker,
    audit_action: str,
    what: str,
    page: Callable[[Mapping[str, Any], Mapping[str, list[str]], list[str], int], Any],
    shown: str | None = None,
) -> Any:
    documents, found, general = check(draft.documents, values)
    for name, messages in found.items():
        errors.setdefault(name, []).extend(messages)
    if errors or general:
        return page(values, errors, general, 400)
    with database().session() as session:
        try:
            row = store(session, draft.info.id, form.posted_lock(), documents, draft.tests, signed_in_staff().email)
        except RulesetError as error:
            return page(values, {}, [p.message for p in error.problems], 400)
        audit(session, audit_action, what, ruleset_version=row.label)
        report = dict(row.test_report or {})
    words = shown or what  # the message names things as the editor reads them; the audit row keeps the id
    return after_save("rules.index", f"{words[0].upper()}{words[1:]} saved.", report)


def differential_fields(values: Mapping[str, Any], errors: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """A differential's controls: name, description, the three thresholds and whether red flags hold it back."""
    hint = "Scores are the sum of the weights of the rules that fire; the level is the highest threshold reached."
    fields = [
        control("name", "Name", values["name"], errors=errors.get("name", [])),
        control("description", "Description", values["description"], "textarea", errors=errors.get("description", [])),
    ]
    fields += [
        control(
            k,
            f"Score for {k} suspicion",
            values[k],
            errors=errors.get(k, []) + (errors.get("thresholds", []) if k == "low" else []),
            hint=hint if k == "low" else "",
        )
        for k in ("low", "moderate", "high")
    ]
    fields.append(
        control(
            "held_back_by_red_flags",
            "Rank it last while a red flag stands",
            "1" if values.get("held_back_by_red_flags") else "",
            "checkbox",
            errors=errors.get("held_back_by_red_flags", []),
        )
    )
    return fields


def parameter_fields(values: Mapping[str, Any], errors: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """A parameter's controls: value, unit, meaning and source."""
    fields = [
        control("value", "Value", values["value"], errors=errors.get("value", []), unit=str(values.get("unit", ""))),
        control("unit", "Unit", values["unit"], errors=errors.get("unit", [])),
    ]
    fields += [
        control("description", "What it means", values["description"], "textarea", errors=errors.get("description", [])),
        control("source", "Source", values["source"], errors=errors.get("source", [])),
    ]
    return fields


@routes.route("/draft/differentials/<differential_id>", methods=["GET", "POST"])
@role_required(EDITOR)
@on_conflict("Your change to the differential was not saved: {error}.")
def edit_differential(differential_id: str) -> Any:
    """A differential's name, description, suspicion thresholds and whether red flags hold it back."""
    with database().session() as session:
        draft = current_draft(session)
    if draft is None:
        return no_draft()
    current = next((d for d in draft.documents[HEADER_FILE].get("differentials", []) if d.get("id") == differential_id), None)
    if current is None:
        return render_error(404, "The draft declares no differential with that id.")

    def page(values: Mapping[str, Any], errors: Mapping[str, list[str]], general: list[str], status: int = 200) -> Any:
        """The form page with these values and problems."""
        fields = differential_fields(values, errors)
        return header_page(
            draft,
            f"Differential: {current.get('name')}",
            "Thresholds decide the suspicion level from the score.",
            fields,
            general,
            url_for("rules.edit_differential", differential_id=differential_id),
            status,
            {
                "url": url_for("rules.retire_differential", differential_id=differential_id),
                "label": f"Retire the differential “{current.get('name')}”",
            },
        )

    if request.method == "GET":
        return page({**current, **current.get("thresholds", {})}, {}, [])
    form = DifferentialForm()
    values, errors = read_fields(form, ("name", "description", "low", "moderate", "high"), ("low", "moderate", "high"))
    values["held_back_by_red_flags"] = form.held_back_by_red_flags.data == "1"
    return save_header_change(
        form,
        draft,
        values,
        errors,
        lambda docs, v: check_differential(docs, differential_id, v),
        "ruleset.differential_save",
        f"differential {differential_id}",
        page,
        f"the differential “{values['name'] or current.get('name')}”",
    )


@routes.route("/draft/parameters/<name>", methods=["GET", "POST"])
@role_required(EDITOR)
@on_conflict("Your change to the parameter “{name}” was not saved: {error}.")
def edit_parameter(name: str) -> Any:
    """A named threshold (an age, a duration, a dose) that conditions use instead of a bare number."""
    with database().session() as session:
        draft = current_draft(session)
    if draft is None:
        return no_draft()
    current = draft.documents[HEADER_FILE].get("parameters", {}).get(name)
    if current is None:
        return render_error(404, "The draft declares no parameter with that name.")

    def page(values: Mapping[str, Any], errors: Mapping[str, list[str]], general: list[str], status: int = 200) -> Any:
        """The form page with these values and problems."""
        fields = parameter_fields(values, errors)
        return header_page(
            draft,
            f"Parameter: {name}",
            "Every rule that names this parameter uses its value.",
            fields,
            general,
            url_for("rules.edit_parameter", name=name),
            status,
            {"url": url_for("rules.retire_parameter", name=name), "label": f"Retire the parameter “{name}”"},
        )

    if request.method == "GET":
        return page({"unit": "", **current}, {}, [])
    form = ParameterForm()
    values, errors = read_fields(form, ("value", "unit", "description", "source"), ("value",))
    return save_header_change(
        form,
        draft,
        values,
        errors,
        lambda docs, v: check_parameter(docs, name, v),
        "ruleset.parameter_save",
        f"parameter {name}",
        page,
    )


@routes.route("/draft/settings", methods=["GET", "POST"], endpoint="draft_settings")
@role_required(EDITOR)
@on_conflict("Your change to the ruleset settings was not saved: {error}.")
def edit_settings() -> Any:
    """The draft's version text (recorded with every result), title and note."""
    with database().session() as session:
        draft = current_draft(session)
    if draft is None:
        return no_draft()

    def page(values: Mapping[str, Any], errors: Mapping[str, list[str]], general: list[str], status: int = 200) -> Any:
        """The form page with these values and problems."""
        fields = [
            control(
                "version",
                "Version text",
                values["version"],
                errors=errors.get("version", []),
                hint="Printed with every result and on the PDF; it must differ from every published version.",
            ),
            control("title", "Title", values["title"], errors=errors.get("title", [])),
            control("note", "Note shown with every result", values["note"], "textarea", errors=errors.get("note", [])),
        ]
        return header_page(
            draft,
            "Ruleset settings",
            "These apply to the whole ruleset.",
            fields,
            general,
            url_for("rules.draft_settings"),
            status,
        )

    if request.method == "GET":
        return page(draft.documents[HEADER_FILE], {}, [])
    form = SettingsForm()
    values, errors = read_fields(form, ("version", "title", "note"))
    return save_header_change(
        form,
        draft,
        values,
        errors,
        check_settings,
        "ruleset.settings_save",
        "the ruleset settings",
        page,
    )
