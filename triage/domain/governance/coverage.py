"""Which rule test cases cover a rule: the cases in which it fires, and those whose expectations name it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from triage.domain.engine.cases import RuleCase, run_case
from triage.domain.engine.evaluate import Ruleset


@dataclass(frozen=True)
class Covering:
    """One test case that exercises a rule, and how: it fires there, it is expected there, and whether the case passes."""

    case_id: str
    description: str
    fires: bool
    expected: bool
    passes: bool


def coverage(ruleset: Ruleset, cases: Sequence[RuleCase]) -> dict[str, list[Covering]]:
    """Every rule's covering cases, from one run of every case (rules no case exercises are absent)."""
    found: dict[str, list[Covering]] = {}
    for case in cases:
        result, failures = run_case(ruleset, case)
        named = {*case.expect.red_flags, *case.expect.caveats, *case.expect.no_caveats}
        fired = set(result.fired_rules)
        for rule_id in sorted(fired | named):
            found.setdefault(rule_id, []).append(
                Covering(case.id, case.description, rule_id in fired, rule_id in named, not failures)
            )
    return found
