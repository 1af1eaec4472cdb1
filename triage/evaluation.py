"""Evaluating a submitted intake with the current ruleset, in the shape the database stores."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any, Mapping

from triage.db.queries import StoredEvaluation
from triage.domain.engine import Ruleset, evaluate, load_ruleset
from triage.domain.questions import Answer


@lru_cache(maxsize=1)
def bundled_ruleset() -> Ruleset:
    """The default ruleset from `rules/`, loaded and compiled once per process."""
    return load_ruleset()


def current_ruleset() -> Ruleset:
    """The ruleset new submissions are evaluated with."""
    return bundled_ruleset()


def evaluate_for_storage(answers: Mapping[str, Answer], on: dt.date, ruleset: Ruleset | None = None) -> StoredEvaluation:
    """Evaluate answers and package the result, pinned to the ruleset version and hash."""
    ruleset = ruleset or current_ruleset()
    result = evaluate(ruleset, dict(answers), on=on)
    data: dict[str, Any] = result.to_dict()
    return StoredEvaluation(
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        result=data,
        fired_rules=list(data.get("fired_rules", [])),
        top_differential=result.top_differential,
        top_urgency=result.top_urgency,
    )
