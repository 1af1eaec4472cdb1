"""A stored evaluation records the derived facts' version beside the ruleset, and the versions page says which it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.helpers.rules_editor import newest_evaluation, submit_intake, text_of
from triage.domain.questionnaire.derived_version import DERIVED_FACTS_VERSION

ON = dt.date(2026, 12, 7)
ANSWERS = {"date_of_birth": "1960-01-01", "sex_at_birth": "male", "symptoms": ["diarrhoea"]}


def test_a_submitted_intake_is_pinned_to_the_derived_facts_version_in_its_column_and_its_result(app: Flask) -> None:
    evaluation = newest_evaluation(app, submit_intake(app, "D-1", ANSWERS, ON))
    assert evaluation.derived_facts_version == DERIVED_FACTS_VERSION
    assert evaluation.result["ruleset"]["derived_facts"] == DERIVED_FACTS_VERSION
    assert evaluation.result["ruleset"]["hash"] == evaluation.ruleset_sha256


def test_the_versions_page_names_the_derived_facts_version(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client, roles=("rules_editor",))
    page = text_of(client.get("/rules/versions"))
    assert "derived facts (age, scores, medicine timing: code, not rules, so outside the content hash)" in page
    assert f"that computed what the rules read; these are version {DERIVED_FACTS_VERSION}." in page
