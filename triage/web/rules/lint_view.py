"""The rule lint on the editor's pages and after each save, in clinical words (see triage.domain.governance.lint)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage.domain.engine.evaluate import Ruleset
from triage.domain.governance.lint import Warning, lint_documents
from triage.web.rules.kept import used_parameters


def lint(documents: Mapping[str, Any], ruleset: Ruleset) -> list[Warning]:
    """Every finding of the lint for a ruleset's documents."""
    names = {r.id: r.title for r in ruleset.rules}
    return lint_documents(documents, ruleset.facts, names, used_parameters(documents))


def lint_for(documents: Mapping[str, Any], ruleset: Ruleset, rule_id: str | None) -> list[str]:
    """The findings about one rule (none for a rule not yet saved)."""
    return [w.message for w in lint(documents, ruleset) if rule_id and w.rule == rule_id]
