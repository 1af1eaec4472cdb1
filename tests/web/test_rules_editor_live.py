"""The rule editor's reading aids: the question picker by section, the condition as a tree, and the live sentence.

The picker is a plain <select> grouped by the questionnaire's sections, without the consent ticks or the date of birth
(the script makes it a search box; tests/browser/test_rules_editor_live_browser.py types into it). Both rule pages show
a nested condition as nested lists, server-rendered. The live sentence is a POST of the whole form, CSRF token
included, answered with the page's own partial by the code a save runs, and nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from tests.helpers.apps import csrf_token
from tests.helpers.rules_editor import form_fields, text_of
from triage.db import rulesets
from triage.db.evaluations import bundled_ruleset
from triage.db.models import AuditEvent
from triage.domain.engine.diff import rules_by_id
from triage.domain.engine.sentences import ConditionNode, condition_tree
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.rules.common import sentence_of

EDITOR = ("rules_editor",)
PARAMETERS = {k: {"value": p.value, "unit": p.unit} for k, p in bundled_ruleset().parameters.items()}


def _depth(node: ConditionNode) -> int:
    return 0 if node.kind == "test" else 1 + max((_depth(item) for item in node.items), default=0)


# The most deeply nested bundled rule (the rules change; the test does not name one).
NESTED = max(
    sorted(rules_by_id(bundled_ruleset().documents).items()),
    key=lambda found: _depth(condition_tree(found[1][1]["when"], bundled_ruleset().facts, PARAMETERS)),
)[0]
SIMPLE = "cd_iron_deficiency"


class _Picker(HTMLParser):
    """The option groups of the first question <select> of a page: [(group label, [(value, text)])]."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.groups: list[tuple[str, list[tuple[str, str]]]] = []
        self.loose: list[tuple[str, str]] = []
        self._in = self._done = False
        self._value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Enter the select, a group, an option."""
        a = {k: v or "" for k, v in attrs}
        if tag == "select" and not self._done and a.get("name", "").endswith("-question"):
            self._in = True
        elif self._in and tag == "optgroup":
            self.groups.append((a.get("label", ""), []))
        elif self._in and tag == "option":
            self._value = a.get("value", "")

    def handle_data(self, data: str) -> None:
        """An option's text, in its group (or before the groups)."""
        if self._in and self._value is not None:
            (self.groups[-1][1] if self.groups else self.loose).append((self._value, data))
            self._value = None

    def handle_endtag(self, tag: str) -> None:
        """Leave the select."""
        if tag == "select" and self._in:
            self._in, self._done = False, True


def picker_of(html: str) -> _Picker:
    """The question picker of a rule page."""
    reader = _Picker()
    reader.feed(html)
    return reader


def test_the_question_picker_is_grouped_by_section_without_consent_or_identity_items(editor: FlaskClient) -> None:
    picker = picker_of(editor.get(f"/rules/draft/rules/{SIMPLE}").get_data(as_text=True))
    questionnaire = default_questionnaire()
    sections = [s.title for s in questionnaire.sections]
    labels = [label for label, _items in picker.groups]
    assert labels[:-1] == [t for t in sections if t in labels] and labels[-1].startswith("Derived facts")
    offered = {value for _label, items in picker.groups for value, _text in items}
    assert not offered & {"consent_true", "consent_use", "date_of_birth", "full_name"}
    assert "Check and send" not in labels  # the consent ticks' section has nothing a rule may read
    for label, items in picker.groups[:-1]:  # each question sits under its own section
        for value, text in items:
            number, section = questionnaire.section_of(questionnaire.by_id[value].step)
            assert section.title == label and text == questionnaire.by_id[value].label, value
    # Every question a bundled rule reads is offered, so opening any rule loses nothing.
    read = set(re.findall(r"'question': '([a-z0-9_]+)'", str(bundled_ruleset().documents)))
    assert read <= offered, read - offered
    assert picker.loose == [("", "choose a question")]


def test_a_question_the_picker_does_not_offer_is_kept_and_named(editor: FlaskClient) -> None:
    url = f"/rules/draft/rules/{SIMPLE}"
    fields = MultiDict(form_fields(editor.get(url).data, url))
    fields.setlist("node", ["r"])
    fields["c-r-kind"], fields["c-r-question"], fields["c-r-op"] = "compare", "consent_true", "equals"
    shown = editor.post(url, data=fields)  # "update": redrawn, not saved
    picker = picker_of(shown.get_data(as_text=True))
    assert ("consent_true", "consent_true (not offered to rules)") in picker.loose
    assert re.search(r'<option value="consent_true" selected>', shown.get_data(as_text=True))


def groups_and_tests(node: ConditionNode, depth: int = 0) -> tuple[list[tuple[int, str]], list[str]]:
    """A tree's groups (with their depth) and its tests' words, depth first."""
    if node.kind == "test":
        return [], [node.words]
    groups, tests = [(depth, node.words)], []
    for item in node.items:
        more_groups, more_tests = groups_and_tests(item, depth + 1)
        groups, tests = groups + more_groups, tests + more_tests
    return groups, tests


def test_the_rule_page_shows_a_nested_condition_as_nested_lists_and_a_simple_one_as_its_sentence(
    editor: FlaskClient,
) -> None:
    html = editor.get(f"/rules/rules/{NESTED}").get_data(as_text=True)
    tree = html[html.index('id="rule-tree"') : html.index("</div>", html.index('id="rule-tree"'))]
    assert "the condition, group by group" in tree and '<strong>THEN</strong> <span dir="auto">suggest the test' in tree
    assert "<summary>The rule as one sentence</summary>" in html  # the run-on form, folded under the tree
    rule = rules_by_id(bundled_ruleset().documents)[NESTED][1]
    groups, tests = groups_and_tests(condition_tree(rule["when"], bundled_ruleset().facts, PARAMETERS))
    assert max(depth for depth, _words in groups) >= 3, "a rule nested at least four groups deep"
    # Each group is a <details> whose summary labels its list; each test is an item, in the condition's order.
    summaries = re.findall(r'<summary id="(tree-node[-0-9]*)">([^<]*):</summary><ul role="list" aria-labelledby="\1">', tree)
    assert [(node_id.count("-") - 1, words) for node_id, words in summaries] == groups
    assert tree.count("<details open>") == tree.count("</details>") == len(groups)
    assert re.findall(r'<li class="tree-test"><span dir="auto">([^<]*)</span>', tree) == [str(escape(t)) for t in tests]
    simple = editor.get(f"/rules/rules/{SIMPLE}").get_data(as_text=True)
    assert 'id="rule-sentence"' in simple and "group by group" not in simple and "one sentence</summary>" not in simple


def test_the_editor_shows_the_same_tree_under_the_sentence(editor: FlaskClient) -> None:
    html = editor.get(f"/rules/draft/rules/{NESTED}").get_data(as_text=True)
    assert 'aria-live="polite"' in html and "the condition, group by group" in html
    rule = rules_by_id(bundled_ruleset().documents)[NESTED][1]
    assert sentence_of(rule, bundled_ruleset()).replace("'", "&#39;") in html


def put(fields: MultiDict[str, str], values: dict[str, str]) -> None:
    """Set these fields of a posted form, replacing what the page filled in."""
    for name, value in values.items():
        fields.setlist(name, [value])


def draft_state(app: Flask) -> tuple[int, int]:
    """The open draft's lock counter and the number of audit rows: a preview changes neither."""
    with app.extensions["triage_db"].session() as session:
        draft = rulesets.open_draft(session)
        assert draft is not None
        return draft.lock_version, session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_the_live_sentence_reads_the_form_as_it_stands_and_stores_nothing(app: Flask, editor: FlaskClient) -> None:
    url = f"/rules/draft/rules/{SIMPLE}"
    page = editor.get(url).get_data(as_text=True)
    assert f'data-sentence-url="/rules/draft/rules/{SIMPLE}/sentence"' in page
    fields = MultiDict(form_fields(page, url))
    fields["weight"] = "-3"
    before = draft_state(app)
    answer = editor.post(f"{url}/sentence", data=fields)
    assert answer.status_code == 200 and "<html" not in answer.get_data(as_text=True)
    rule = dict(rules_by_id(bundled_ruleset().documents)[SIMPLE][1], weight=-3)
    assert sentence_of(rule, bundled_ruleset()).replace("'", "&#39;") in answer.get_data(as_text=True)
    assert "THEN Coeliac disease -3" in text_of(answer)
    assert draft_state(app) == before  # not saved, and no audit row (a rule is not health data)
    assert "THEN Coeliac disease +2" in text_of(editor.get(url))
    # A group made in the form shows as a tree at once.
    fields.setlist("node", ["r", "r.0", "r.1"])
    put(fields, {"c-r-kind": "any", "c-r.0-kind": "compare", "c-r.1-kind": "compare"})
    put(fields, {"c-r.0-question": "eats_gluten", "c-r.0-op": "equals", "c-r.0-value": "true"})
    put(fields, {"c-r.1-question": "mucus", "c-r.1-op": "equals", "c-r.1-value": "true"})
    grouped = editor.post(f"{url}/sentence", data=fields).get_data(as_text=True)
    assert "ANY of these is true:" in grouped and grouped.count('<li class="tree-test">') == 2


def test_the_live_sentence_of_a_new_rule(editor: FlaskClient) -> None:
    page = editor.get("/rules/draft/rules/new").get_data(as_text=True)
    assert 'data-sentence-url="/rules/draft/sentence"' in page
    fields = MultiDict(form_fields(page, "/rules/draft/rules/new"))
    put(fields, {"kind": "differential", "differential": "celiac_disease", "weight": "1", "source": "Test (2026)"})
    put(fields, {"c-r-question": "eats_gluten", "c-r-op": "equals", "c-r-value": "true"})
    answer = text_of(editor.post("/rules/draft/sentence", data=fields))
    gluten = bundled_ruleset().facts["eats_gluten"].label
    assert f"IF “{gluten}” is yes THEN Coeliac disease +1 — Test (2026)" in answer


def test_the_live_sentence_is_refused_without_csrf_role_draft_or_a_well_formed_form(
    app: Flask, editor: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    url = f"/rules/draft/rules/{SIMPLE}"
    fields = MultiDict(form_fields(editor.get(url).data, url))
    without_token = MultiDict([(k, v) for k, v in fields.items(multi=True) if k != "csrf_token"])
    assert editor.post(f"{url}/sentence", data=without_token).status_code == 400
    broken = fields.copy()
    broken.setlist("node", ["r.0"])
    refused = editor.post(f"{url}/sentence", data=broken)
    assert refused.status_code == 400 and "not in a shape the editor made" in refused.get_data(as_text=True)
    assert editor.post("/rules/draft/rules/no_such_rule/sentence", data=fields).status_code == 404
    clinician = app.test_client()
    staff_login(clinician, roles=("clinician",))
    assert clinician.post(f"{url}/sentence", data={}).status_code in (400, 403)  # no token of its own: 400 first
    token = csrf_token(clinician.get("/clinic/").data)  # the staff header's sign-out form
    assert clinician.post(f"{url}/sentence", data={"csrf_token": token}).status_code == 403
    with app.extensions["triage_db"].session() as session:
        draft = rulesets.open_draft(session)
        assert draft is not None
        session.delete(draft)
    answer = editor.post(f"{url}/sentence", data=fields)
    assert answer.status_code == 409 and "There is no draft open." in answer.get_data(as_text=True)


def test_a_newly_chosen_question_brings_its_own_answers_for_the_rows_the_script_names(editor: FlaskClient) -> None:
    url = f"/rules/draft/rules/{SIMPLE}"
    fields = MultiDict(form_fields(editor.get(url).data, url))
    put(fields, {"c-r-question": "mucus"})
    quiet = editor.post(f"{url}/sentence", data=fields).get_data(as_text=True)
    assert "data-row-answers" not in quiet  # nothing asked: what the editor typed elsewhere is left alone
    fields.add("answers_for", "r")
    answer = editor.post(f"{url}/sentence", data=fields).get_data(as_text=True)
    row = answer[answer.index('data-row-answers="r"') :]
    values = re.findall(r'<option value="([^"]*)"', row[row.index('name="c-r-value"') :].split("</select>")[0])
    assert values == ["", "yes", "no", "not_sure"]  # the answers of the new question, not of known_anaemia
