"""What removing a rule test case means, for its confirmation page: the case, its expectations, the rules it exercises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage.domain.engine.case_documents import load_cases_from_documents
from triage.domain.engine.cases import run_case
from triage.domain.errors import RulesetError
from triage.domain.governance.change_diff import ARROW, value_lines
from triage.web.rules.drafts import Draft


def _found(tests: Mapping[str, Any], case_id: str) -> tuple[str, Mapping[str, Any]] | None:
    for file, document in sorted(tests.items()):
        for case in document.get("cases", []) if isinstance(document, Mapping) else []:
            if isinstance(case, Mapping) and case.get("id") == case_id:
                return file, case
    return None


def removal_view(draft: Draft, case_id: str) -> dict[str, Any]:
    """The case as its confirmation page shows it: id, file, description, expectations and the rules it fires."""
    found = _found(draft.tests, case_id)
    file, case = found if found else ("", {})
    names = {r.id: r.title for r in draft.ruleset.rules} | {d.id: d.name for d in draft.ruleset.differentials}
    fired: list[str] = []
    try:
        loaded = load_cases_from_documents({file: {"cases": [dict(case)]}}, draft.ruleset) if found else []
    except RulesetError:
        loaded = []  # a case the engine cannot read exercises no rule it could name; the page still lets it go
    for one in loaded:
        result, _failures = run_case(draft.ruleset, one)
        fired = [names.get(rule_id, rule_id) for rule_id in result.fired_rules]
    return {
        "id": case_id,
        "file": file,
        "description": str(case.get("description") or ""),
        # Lines from nothing to the case's values read "expects first: none → X": shown as "expects first: X".
        "expectations": [line.replace(f": none {ARROW} ", ": ", 1) for line in value_lines({}, case.get("expect") or {}, names)],
        "fires": fired,
    }
