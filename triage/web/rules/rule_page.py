"""A rule's own page (read only): its sentence, source and review, the test cases covering it, and how often it fired."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template

from triage.db import impact as impact_queries
from triage.db import rule_firing, rule_signoffs, rulesets
from triage.db.evaluations import bundled_ruleset, version_ruleset
from triage.domain.engine.case_documents import load_cases_from_documents
from triage.domain.engine.evaluate import Ruleset
from triage.domain.engine.ruleset import canonical_sha256
from triage.domain.errors import RulesetError
from triage.domain.governance.coverage import Covering, coverage
from triage.domain.governance.signoff import rule_status
from triage.web.access import database, role_required
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.rules.common import EDITOR, header_parameters
from triage.web.rules.drafts import current_draft, find_rule
from triage.web.rules.lint_view import lint_for
from triage.web.rules.preview import sentence_view
from triage.web.rules.signoff_view import signoff_fields
from triage.web.rules.views import feedback_by_rule, rule_item

routes = RouteTable()
_KEEP = 4
_cache: dict[tuple[str, str], dict[str, list[Covering]]] = {}  # (ruleset hash, tests hash): a few recent states only


def covering_cases(ruleset: Ruleset, tests: Mapping[str, Any], rule_id: str) -> list[Covering]:
    """The test cases that exercise a rule (one run of all cases per state of rules and tests, kept for a few states)."""
    key = (ruleset.sha256, canonical_sha256(tests))
    if key not in _cache:
        try:
            cases = load_cases_from_documents(tests, ruleset)
        except RulesetError:
            cases = []  # unreadable tests are reported by the test run on every page; none cover anything here
        while len(_cache) >= _KEEP:
            _cache.pop(next(iter(_cache)))
        _cache[key] = coverage(ruleset, cases)
    return _cache[key].get(rule_id, [])


@routes.route("/rules/<rule_id>", endpoint="rule")
@role_required(EDITOR)
def rule(rule_id: str) -> Any:
    """One rule as it stands in the draft (or the published version when no draft is open)."""
    with database().session() as session:
        draft = current_draft(session)
        row = None if draft else rulesets.latest_published(session)
        documents, tests, ruleset = (
            (draft.documents, draft.tests, draft.ruleset)
            if draft
            else (row.documents, row.tests or {}, version_ruleset(row))
            if row
            else (bundled_ruleset().documents, {}, bundled_ruleset())
        )
        feedback = feedback_by_rule(ruleset, impact_queries.feedback_with_fired(session))
        fired = rule_firing.fired_in_period(session)
        signoffs = rule_signoffs.signoffs_of(session, rule_id)
    found = find_rule(documents, rule_id)
    if found is None:
        return render_error(404, "There is no rule with that id in the rules shown.")
    file, data = found
    item = rule_item(data, file, ruleset, header_parameters(documents), feedback, fired.by_rule)
    item |= signoff_fields(rule_status(data, header_parameters(documents), signoffs)[1])
    names = {d.id: d.name for d in ruleset.differentials}
    return render_template(
        "rules/rule_view.html",
        item=item,
        sentence=sentence_view(data, ruleset, header_parameters(documents)),
        differential=names.get(str(item["differential"]), ""),
        cases=covering_cases(ruleset, tests, rule_id),
        checks=lint_for(documents, ruleset, rule_id),
        fired_versions=fired.versions_of(rule_id),
        fired_intakes=fired.intakes,
        period_days=rule_firing.PERIOD_DAYS,
        feedback=feedback.get(rule_id),
        draft=draft.info if draft else None,
        where="the draft" if draft else f"version {row.number}" if row else "the default rules",
    )
