"""A rule test case from a submitted intake: answers without name, date of birth or free text; expectations from its result."""

from __future__ import annotations

import copy
import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from triage.domain.engine.evaluate import Ruleset
from triage.domain.questionnaire.derived import DERIVED_BY_ID
from triage.domain.questionnaire.questions import Questionnaire
from triage.web.rules.controls import control
from triage.web.rules.forms import clean_text
from triage.web.rules.posted import CaseForm, text_of

CASE_FILE = "from_intakes.yaml"
NOT_COPIED = ("text", "longtext", "date")  # names, free text (may name people) and the date of birth
TOP_N = 3


def copied_answers(
    questionnaire: Questionnaire, answers: Mapping[str, Any], on: dt.date
) -> tuple[dict[str, Any], dt.date, int | None]:
    """The answers a case may keep, and the case's date.

    Name, free text and the date of birth are dropped. The patient's age on the intake date is kept
    through a stand-in date of birth: the first of the intake's month, that many years earlier; the
    case is dated the first of the month, so age-based rules decide exactly as they did.
    """
    age = DERIVED_BY_ID["age_years"].compute(answers, on)
    case_on = on.replace(day=1)
    kept = {
        k: copy.deepcopy(v)
        for k, v in answers.items()
        if (q := questionnaire.by_id.get(k)) is not None and q.type not in NOT_COPIED
    }
    if isinstance(age, int) and 0 <= age < case_on.year:
        kept["date_of_birth"] = dt.date(case_on.year - age, case_on.month, 1).isoformat()
    return kept, case_on, age if isinstance(age, int) else None


def expected_from(result: Mapping[str, Any]) -> dict[str, Any]:
    """The expectations a stored result suggests: its red flags, top differential, top three, caveats and tests."""
    flags = [str(f.get("id")) for f in result.get("red_flags", []) if isinstance(f, Mapping)]
    differentials = [d for d in result.get("differentials", []) if isinstance(d, Mapping)]
    first = str(differentials[0]["id"]) if differentials and not differentials[0].get("held_back") else ""
    return {
        "red_flags": flags,
        "no_red_flags": not flags,
        "first": first,
        "in_top": [str(d["id"]) for d in differentials[:TOP_N]],
        "caveats": [str(c.get("id")) for c in result.get("caveats", []) if isinstance(c, Mapping)],
        "investigations": [str(i.get("test")) for i in result.get("investigations", []) if isinstance(i, Mapping)],
    }


def default_case(result: Mapping[str, Any], age: int | None, sex: Any) -> dict[str, Any]:
    """The form's starting values: a fresh id, a neutral description and the result's expectations."""
    who = f"{age}-year-old" if age is not None else "adult"
    sex_words = {"female": "woman", "male": "man"}.get(str(sex), "patient")
    return {
        "id": f"case_{secrets.token_hex(3)}",
        "description": f"A {who} {sex_words}, copied from a submitted intake (no name or date of birth).",
        **expected_from(result),
    }


def case_controls(values: Mapping[str, Any], ruleset: Ruleset, errors: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """The case form: id, description and every expectation as a choice among this ruleset's rules and differentials."""
    flags = [(r.id, f"{r.title} ({r.urgency})") for r in ruleset.rules if r.kind == "red_flag"]
    caveats = [(r.id, r.title) for r in ruleset.rules if r.kind == "caveat"]
    tests = sorted({r.test for r in ruleset.rules if r.kind == "investigation"})
    differentials = [(d.id, d.name) for d in ruleset.differentials]

    def pick(name: str, label: str, options: list[tuple[str, str]]) -> dict[str, Any]:
        """A list of checkboxes for one kind of expectation."""
        return control(
            name, label, kind="checkboxes", options=options, selected=values.get(name, []), errors=errors.get(name, [])
        )

    return [
        control(
            "id", "Case id", values.get("id"), errors=errors.get("id", []), hint="Lower-case letters, digits and underscores."
        ),
        control("description", "Description", values.get("description"), "textarea", errors=errors.get("description", [])),
        pick("red_flags", "Red flags that must be raised", flags),
        control("no_red_flags", "No red flag may be raised", "1" if values.get("no_red_flags") else "", "checkbox"),
        control(
            "first",
            "Differential that must rank first",
            values.get("first"),
            "select",
            options=[("", "no expectation"), *differentials],
        ),
        pick("in_top", f"Differentials that must be in the top {TOP_N}", differentials),
        pick("caveats", "Caveats that must be given", caveats),
        pick("investigations", "Tests that must be suggested", [(t, t) for t in tests]),
    ]


def read_case_form(form: CaseForm) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The posted case form as values (as the form shows them) and problems found before the engine looks."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in ("id", "description", "first"):
        text, problem = clean_text(text_of(form, name), name)
        values[name] = text
        if problem:
            errors[name] = [problem]
    for name in ("red_flags", "in_top", "caveats", "investigations"):
        values[name] = [str(v) for v in form[name].data or []][:200]
    values["no_red_flags"] = form.no_red_flags.data == "1"
    if values["no_red_flags"] and values["red_flags"]:
        errors["no_red_flags"] = ["Either expect red flags or expect none, not both."]
    return values, errors


def build_case(values: Mapping[str, Any], answers: Mapping[str, Any], on: dt.date) -> dict[str, Any]:
    """The case as the rule test files hold it (only the expectations that were chosen)."""
    expect: dict[str, Any] = {}
    for name in ("red_flags", "caveats", "investigations"):
        if values.get(name):
            expect[name] = list(values[name])
    if values.get("no_red_flags"):
        expect["no_red_flags"] = True
    if values.get("first"):
        expect["first"] = values["first"]
    if values.get("in_top"):
        expect["top_n"], expect["in_top"] = TOP_N, list(values["in_top"])
    return {
        "id": values.get("id"),
        "description": values.get("description"),
        "on": on.isoformat(),
        "answers": dict(answers),
        "expect": expect,
    }


def with_case(tests: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    """The draft's test files with the case added to the file of cases made from intakes."""
    updated = copy.deepcopy(dict(tests))
    document = updated.setdefault(CASE_FILE, {"cases": []})
    document.setdefault("cases", []).append(dict(case))
    return updated


def without_case(tests: Mapping[str, Any], case_id: str) -> tuple[dict[str, Any], bool]:
    """The draft's test files without one case (an emptied file goes too), and whether it was there."""
    updated = copy.deepcopy(dict(tests))
    found = False
    for name, document in list(updated.items()):
        cases = document.get("cases", []) if isinstance(document, dict) else []
        kept = [c for c in cases if not (isinstance(c, dict) and c.get("id") == case_id)]
        found = found or len(kept) != len(cases)
        if not kept:
            del updated[name]
        else:
            document["cases"] = kept
    return updated, found


def case_list(tests: Mapping[str, Any]) -> list[dict[str, str]]:
    """Every stored case: id, file and description."""
    return [
        {"id": str(c.get("id")), "file": name, "description": str(c.get("description", ""))}
        for name, document in sorted(tests.items())
        for c in (document.get("cases", []) if isinstance(document, dict) else [])
        if isinstance(c, dict)
    ]
