"""Adding and retiring differentials and parameters in a draft's documents, with the problems in the editor's words."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from triage.domain.engine.gaps import ENGINE_PARAMETERS
from triage.domain.engine.yaml_source import plain
from triage.web.rules.drafts import check_differential, check_parameter
from triage.web.rules.forms import HEADER_FILE
from triage.web.rules.kept import used_parameters

# The expectations of a test case that name differentials (the others name rules or tests).
DIFFERENTIAL_EXPECTATIONS = ("first", "in_top", "not_first", "not_listed")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

Checked = tuple[dict[str, Any], dict[str, list[str]], list[str]]


def identifier_from(words: str) -> str:
    """The id the rule files use for a name an editor typed: lower case, words joined by underscores, at most 64."""
    text = re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")
    if text and not text[0].isalpha():
        text = "x_" + text  # ids start with a letter
    return text[:64].rstrip("_")


def _differentials(documents: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    header = documents.get(HEADER_FILE)
    items = header.get("differentials") if isinstance(header, Mapping) else None
    return [d for d in items or [] if isinstance(d, Mapping)]


def _parameters(documents: Mapping[str, Any]) -> Mapping[str, Any]:
    header = documents.get(HEADER_FILE)
    found = header.get("parameters") if isinstance(header, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def check_new_differential(documents: Mapping[str, Any], values: Mapping[str, Any]) -> Checked:
    """The documents with a new differential appended (its id made from its name), and the problems by field."""
    name = str(values.get("name") or "")
    new_id = identifier_from(name)
    if not new_id:
        return dict(documents), {"name": ["Give the differential a name made of letters or digits."]}, []
    same = next((d for d in _differentials(documents) if d.get("id") == new_id or d.get("name") == name), None)
    if same is not None:
        message = f"The ruleset already has a differential called “{same.get('name')}”; edit that one, or choose another name."
        return dict(documents), {"name": [message]}, []
    candidate: dict[str, Any] = copy.deepcopy(plain(dict(documents)))
    candidate[HEADER_FILE]["differentials"] = [*candidate[HEADER_FILE].get("differentials", []), {"id": new_id}]
    return check_differential(candidate, new_id, values)


def check_new_parameter(documents: Mapping[str, Any], name: str, values: Mapping[str, Any]) -> Checked:
    """The documents with a new named parameter, and the problems by field (the name must be new and well formed)."""
    if not _IDENTIFIER.fullmatch(name):
        problem = "Give the parameter a name that starts with a letter, such as “calprotectin cut-off”."
        return dict(documents), {"name": [problem]}, []
    if name in _parameters(documents):
        return dict(documents), {"name": [f"The ruleset already has a parameter called “{name}”; edit that one."]}, []
    return check_parameter(documents, name, values)


def differential_users(documents: Mapping[str, Any], tests: Mapping[str, Any], differential_id: str) -> list[str]:
    """What still names a differential, in words: the rules that weigh it and the test cases that expect it."""
    rules = [
        f"the rule “{rule.get('title') or rule.get('id')}”"
        for name, document in sorted(documents.items())
        if name != HEADER_FILE and isinstance(document, Mapping)
        for rule in document.get("rules", [])
        if isinstance(rule, Mapping) and rule.get("kind") == "differential" and rule.get("differential") == differential_id
    ]
    cases = [
        f"the test case “{case.get('id')}”"
        for _, document in sorted(tests.items())
        if isinstance(document, Mapping)
        for case in document.get("cases", [])
        if isinstance(case, Mapping) and _expects(case.get("expect"), differential_id)
    ]
    return rules + cases


def _expects(expect: Any, differential_id: str) -> bool:
    if not isinstance(expect, Mapping):
        return False
    for key in DIFFERENTIAL_EXPECTATIONS:
        value = expect.get(key)
        if value == differential_id or (isinstance(value, list) and differential_id in value):
            return True
    return False


def without_differential(documents: Mapping[str, Any], differential_id: str) -> dict[str, Any]:
    """The documents with one differential taken out of the header (the caller has checked nothing names it)."""
    candidate: dict[str, Any] = copy.deepcopy(plain(dict(documents)))
    header = candidate[HEADER_FILE]
    header["differentials"] = [d for d in header.get("differentials", []) if d.get("id") != differential_id]
    return candidate


def parameter_users(documents: Mapping[str, Any], name: str) -> list[str]:
    """What still reads a parameter, in words: the rules whose conditions name it, or the engine itself."""
    if name in ENGINE_PARAMETERS:
        return ["the engine itself (it reads this parameter by name)"]
    return [
        f"the rule “{rule.get('title') or rule.get('id')}”"
        for file, document in sorted(documents.items())
        if file != HEADER_FILE and isinstance(document, Mapping)
        for rule in document.get("rules", [])
        if isinstance(rule, Mapping) and name in used_parameters({"rule": rule})
    ]


def without_parameter(documents: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The documents with one parameter taken out of the header (the caller has checked no rule uses it)."""
    candidate: dict[str, Any] = copy.deepcopy(plain(dict(documents)))
    header = candidate[HEADER_FILE]
    header["parameters"] = {k: v for k, v in header.get("parameters", {}).items() if k != name}
    return candidate
