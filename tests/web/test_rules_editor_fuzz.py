"""Hostile input on the rule form never gives a server error, and a refused save changes nothing (SQLite is enough here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.helpers.rules_editor import editor_with_open_draft, versions

EDIT = "/rules/draft/rules/cd_iron_deficiency"
NAMES = [
    "node",
    "c-r-kind",
    "c-r-n",
    "c-r.0-question",
    "c-r.0-op",
    "c-r.0-value",
    "c-r.0-values",
    "c-r.0-low",
    "c-r.0-high",
    "c-r.0-param",
    "c-r.1-kind",
    "c-r.9.9-question",
    "weight",
    "kind",
    "title",
    "reviewed",
    "differential",
    "urgency",
    "lock",
    "file",
    "id",
]
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "r",
            "r.0",
            "r.0.0",
            "all",
            "at_least",
            "not",
            "compare",
            "gte",
            "between",
            "one_of",
            "age_years",
            "symptoms",
            "eats_gluten",
            "1e400",
            "nan",
            "-0",
            "99999999999999999999",
            "\x00",
            "\u202e",
            "{{ 7*7 }}",
            "x" * 5000,
        ]
    ),
)
ACTIONS = st.sampled_from(
    ["save", "update", "add-compare:r", "add-group:r.0", "remove:r.0", "remove:r", "add-compare:r.7", "bogus"]
)


@pytest.fixture(scope="module")
def signed_in(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[Flask, Any, list[tuple[str, str]]]]:
    """One app for the whole module: an editor with a draft open, and the rule form as a browser would post it."""
    app, client, fields = editor_with_open_draft(tmp_path_factory.mktemp("rules-fuzz"), sqlite_template, EDIT)
    yield app, client, fields
    app.extensions["triage_db"].dispose()


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.dictionaries(st.sampled_from(NAMES), st.lists(TEXT, min_size=1, max_size=3), max_size=6), ACTIONS)
def test_random_rule_forms_give_no_server_error(
    signed_in: tuple[Flask, Any, list[tuple[str, str]]], changes: dict[str, list[str]], action: str
) -> None:
    app, client, base = signed_in
    before = versions(app)[-1]
    data = [(k, v) for k, v in base if k not in changes and k != "lock"] + [
        (k, v) for k, values in changes.items() for v in values
    ]
    data += [("lock", str(before.lock_version))] if "lock" not in changes else []
    response = client.post(EDIT, data=MultiDict([*data, ("action", action)]))
    assert response.status_code in (200, 303, 400, 404, 409, 413), response.status_code
    after = versions(app)[-1]
    if response.status_code != 303:
        assert (after.lock_version, after.sha256) == (before.lock_version, before.sha256)
    else:  # a save that went through left a ruleset the engine accepts, with its tests run
        assert after.lock_version == before.lock_version + 1 and after.test_report.get("total")
