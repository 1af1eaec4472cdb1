"""Hostile input on the live sentence never gives a server error and never changes the draft (SQLite is enough here)."""

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
from tests.web.test_rules_editor_fuzz import NAMES, TEXT

EDIT = "/rules/draft/rules/cd_iron_deficiency"
PREVIEWS = st.sampled_from([f"{EDIT}/sentence", "/rules/draft/sentence"])


@pytest.fixture(scope="module")
def signed_in(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[Flask, Any, list[tuple[str, str]]]]:
    """One app for the whole module: an editor with a draft open, and the rule form as a browser would post it."""
    app, client, fields = editor_with_open_draft(tmp_path_factory.mktemp("rules-live-fuzz"), sqlite_template, EDIT)
    yield app, client, fields
    app.extensions["triage_db"].dispose()


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.dictionaries(st.sampled_from(NAMES), st.lists(TEXT, min_size=1, max_size=3), max_size=6), PREVIEWS)
def test_random_rule_forms_read_back_or_are_refused_in_words_and_store_nothing(
    signed_in: tuple[Flask, Any, list[tuple[str, str]]], changes: dict[str, list[str]], url: str
) -> None:
    app, client, base = signed_in
    before = versions(app)[-1]
    data = [(k, v) for k, v in base if k not in changes] + [(k, v) for k, values in changes.items() for v in values]
    response = client.post(url, data=MultiDict(data))
    assert response.status_code in (200, 400, 413), response.status_code
    body = response.get_data(as_text=True)
    if response.status_code == 200:
        assert 'id="rule-sentence"' in body and "<html" not in body  # the page's partial, not a page
    elif response.status_code == 400:
        assert "not in a shape the editor made" in body, body[:300]  # named, not a bare error
    after = versions(app)[-1]
    assert (after.lock_version, after.sha256) == (before.lock_version, before.sha256)
