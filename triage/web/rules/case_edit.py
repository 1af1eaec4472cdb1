"""Editing a rule test case's expectations in the draft (its answers and date stay as they were copied)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flask import render_template, request

from triage.db.evaluations import run_stored_tests
from triage.web.access import database, role_required, signed_in_staff
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.rules.cases import TOP_N, case_controls, read_case_form
from triage.web.rules.common import EDITOR, after_save, audit, no_draft, on_conflict
from triage.web.rules.drafts import Draft, current_draft, store
from triage.web.rules.posted import CaseForm

routes = RouteTable()
SHOWN = ("red_flags", "no_red_flags", "first", "in_top", "top_n", "caveats", "investigations")


def find_case(tests: Mapping[str, Any], case_id: str) -> tuple[str, int, dict[str, Any]] | None:
    """The file, position and data of a test case, or None."""
    for name in sorted(tests):
        cases = tests[name].get("cases", []) if isinstance(tests[name], Mapping) else []
        for index, case in enumerate(cases):
            if isinstance(case, Mapping) and case.get("id") == case_id:
                return name, index, dict(case)
    return None


def values_of(case: Mapping[str, Any]) -> dict[str, Any]:
    """A stored case as the form's values."""
    expect = case.get("expect") or {}
    return {
        "id": case.get("id"),
        "description": case.get("description", ""),
        **{k: list(expect.get(k) or []) for k in ("red_flags", "in_top", "caveats", "investigations")},
        "no_red_flags": bool(expect.get("no_red_flags")),
        "first": expect.get("first") or "",
    }


def with_expectations(case: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The case with the form's description and expectations; expectations the form does not show are kept."""
    stored = case.get("expect") or {}
    expect = {k: v for k, v in stored.items() if k not in SHOWN}
    for name in ("red_flags", "caveats", "investigations", "in_top"):
        if values.get(name):
            # The stored order, then what was ticked anew: re-saving unchanged ticks shows no change in the diff.
            old = list(stored.get(name) or [])
            expect[name] = [v for v in old if v in values[name]] + [v for v in values[name] if v not in old]
    if values.get("no_red_flags"):
        expect["no_red_flags"] = True
    if values.get("first"):
        expect["first"] = values["first"]
    if values.get("in_top"):
        expect["top_n"] = stored.get("top_n", TOP_N)
    return {**case, "description": values.get("description", ""), "expect": expect}


def _page(draft: Draft, case: Mapping[str, Any], values: Mapping[str, Any], errors: Any, general: list[str]) -> Any:
    fields = [f for f in case_controls(values, draft.ruleset, errors) if f["name"] != "id"]
    return render_template("rules/case_edit.html", draft=draft.info, case=case, fields=fields, general=general)


@routes.route("/draft/cases/<case_id>", methods=["GET", "POST"])
@role_required(EDITOR)
@on_conflict("Your change to test case {case_id} was not saved: {error}.")
def edit_case(case_id: str) -> Any:
    """GET: the case's description and expectations in a form; POST: save them (the rule tests run again)."""
    with database().session() as session:
        draft = current_draft(session)
    if draft is None:
        return no_draft()
    found = find_case(draft.tests, case_id)
    if found is None:
        return render_error(404, "The draft has no test case with that id.")
    file, index, case = found
    if request.method == "GET":
        return _page(draft, case, values_of(case), {}, [])
    form = CaseForm()
    values, errors = read_case_form(form)
    errors.pop("id", None)  # the id is not on this form: it stays as stored
    changed = with_expectations(case, values)
    tests = copy.deepcopy(dict(draft.tests))
    tests[file]["cases"][index] = changed
    report = run_stored_tests(draft.ruleset, tests)
    if errors or report["errors"]:
        return _page(draft, case, values, errors, [str(e) for e in report["errors"]]), 400
    with database().session() as session:
        row = store(session, draft.info.id, form.posted_lock(), draft.documents, tests, signed_in_staff().email)
        audit(session, "ruleset.case_edit", f"test case {case_id}: expectations", ruleset_version=row.label)
        stored = dict(row.test_report or {})
    return after_save("rules.tests", f"Test case {case_id} saved.", stored)
