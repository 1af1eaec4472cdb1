"""Rule test cases from documents already parsed (as the database keeps them): checked against the ruleset like files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage.domain.engine.cases import RuleCase, _read_case
from triage.domain.engine.ruleset import Ruleset
from triage.domain.engine.yaml_source import shape_problem
from triage.domain.errors import ProblemList

SOURCE = "rule tests"


def load_cases_from_documents(documents: Mapping[str, Any], ruleset: Ruleset) -> list[RuleCase]:
    """Check every test document (file name to {"cases": [...]}, in file-name order) and return its cases; raises RulesetError."""
    problems = ProblemList(SOURCE, item="case")
    if not documents:
        problems.add("there are no rule test files (*.yaml) here")
    cases: list[RuleCase] = []
    seen: set[str] = set()
    for name in sorted(documents):
        in_file = problems.for_file(name)
        document = documents[name]
        shape = shape_problem(document)
        if shape is not None:
            in_file.add(shape)
            continue
        items = document.get("cases") if isinstance(document, dict) else None
        if not isinstance(items, list) or not items or set(document) != {"cases"}:
            in_file.add("a rule test file must hold a single key, 'cases', with a non-empty list of cases")
            continue
        for item in items:
            case = _read_case(ruleset, item, None, in_file)
            if case is not None and case.id in seen:
                in_file.add(f"the case id '{case.id}' is used twice", None, case.id)
            elif case is not None:
                seen.add(case.id)
                cases.append(case)
    problems.raise_if_any()
    return cases
