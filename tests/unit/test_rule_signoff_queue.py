"""The clinical sign-off of rules: what a sign-off covers (its hash), a rule's state, and the review queue's filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from triage.db.evaluations import bundled_ruleset
from triage.domain.governance.signoff import (
    QueueFilters,
    Signoff,
    changes_since,
    in_queue,
    queue_order,
    read_comment,
    rule_hash,
    rule_status,
    ruleset_statuses,
    signed_content,
    status_of,
)

RULE: dict[str, Any] = {
    "id": "aig_age",
    "title": "Older age",
    "kind": "differential",
    "differential": "autoimmune_atrophic_gastritis",
    "weight": 1,
    "when": {"question": "age_years", "gte": {"param": "aig_age"}},
    "source": "AGA 2021",
    "author": "gut-triage default ruleset",
    "reviewed": None,
}
PARAMETERS = {"aig_age": {"value": 50, "unit": "years", "description": "Age from which"}, "unused": {"value": 3}}
AT = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def signed(rule: dict[str, Any], parameters: dict[str, Any] = PARAMETERS, at: dt.datetime = AT) -> Signoff:
    """A sign-off of this rule as it stands."""
    content = signed_content(rule, parameters)
    return Signoff(str(rule["id"]), rule_hash(content), content, "dr@example.org", at, "Checked against AGA 2021")


def test_the_hash_covers_the_rules_clinical_content_and_the_parameters_it_uses_not_its_bookkeeping() -> None:
    content = signed_content(RULE, PARAMETERS)
    assert "reviewed" not in content and "author" not in content
    assert content["parameters used"] == {"aig_age": {"value": 50, "unit": "years"}}  # not the unused one
    same = rule_hash(signed_content(RULE | {"reviewed": "2026-01-02", "author": "someone else"}, PARAMETERS))
    assert same == rule_hash(content) and len(same) == 64
    assert rule_hash(signed_content(RULE | {"weight": 2}, PARAMETERS)) != same
    assert rule_hash(signed_content(RULE | {"source": "General knowledge [GK]"}, PARAMETERS)) != same
    assert rule_hash(signed_content(RULE, PARAMETERS | {"aig_age": {"value": 45, "unit": "years"}})) != same
    assert rule_hash(signed_content(RULE, PARAMETERS | {"unused": {"value": 4}})) == same


def test_a_rule_is_signed_changed_since_its_sign_off_or_never_signed() -> None:
    content, status = rule_status(RULE, PARAMETERS, [])
    assert (status.state, status.awaiting, status.last) == ("never", True, None)
    first = signed(RULE)
    _content, status = rule_status(RULE, PARAMETERS, [first])
    assert (status.state, status.awaiting, status.current) == ("signed", False, first)
    changed = RULE | {"weight": 2}
    new_content, status = rule_status(changed, PARAMETERS, [first])
    assert (status.state, status.current, status.last) == ("changed", None, first)
    assert changes_since(status, new_content, {}) == ["weight: 1 → 2"]
    later = signed(changed, at=AT + dt.timedelta(days=1))
    assert status_of("aig_age", later.sha256, [first, later]).state == "signed"
    # Changed back to the state signed first: that sign-off holds again.
    assert status_of("aig_age", rule_hash(content), [later, first]).current == first
    moved = RULE | {"when": {"question": "age_years", "gte": 60}}
    moved_content, status = rule_status(moved, PARAMETERS, [first])
    assert changes_since(status, moved_content, {})[0] == "the condition changed (both sentences are shown)"


def test_every_bundled_rule_has_a_state_and_the_queue_filters_by_state_differential_and_evidence() -> None:
    documents = bundled_ruleset().documents
    statuses = ruleset_statuses(documents, [])
    assert statuses and all(status.state == "never" for _c, status in statuses.values())
    items = [
        {"id": "a", "differential": "celiac_disease", "source": "BSG 2021", "signoff_state": "never"},
        {"id": "b", "differential": "ibs", "source": "General knowledge [GK]", "signoff_state": "changed"},
        {"id": "c", "differential": "ibs", "source": "Rome IV", "signoff_state": "signed"},
        {"id": "d", "differential": "", "source": "[GK]", "signoff_state": "never"},
    ]

    def ids(filters: QueueFilters) -> list[str]:
        """The ids in the queue, in its order."""
        return [str(i["id"]) for i in queue_order(i for i in items if in_queue(i, filters))]

    assert ids(QueueFilters()) == ["b", "d", "a"]  # changed first, then general knowledge, then the rest
    assert ids(QueueFilters(state="changed")) == ["b"] and ids(QueueFilters(state="signed")) == ["c"]
    assert ids(QueueFilters(state="all")) == ["b", "d", "a", "c"]
    assert ids(QueueFilters(differential="ibs", state="all")) == ["b", "c"]
    assert ids(QueueFilters(evidence="general")) == ["b", "d"] and ids(QueueFilters(evidence="guideline")) == ["a"]


def test_a_sign_off_comment_is_required_and_bounded_and_its_problem_names_the_field() -> None:
    assert read_comment("  Checked the BSG table  ") == ("Checked the BSG table", None)
    assert read_comment("ok")[1] == "“Your sign-off comment”: write what you checked (at least 10 characters)."
    assert "at most 2000 characters" in str(read_comment("x" * 2001)[1])
