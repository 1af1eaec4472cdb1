"""The rules index over HTTP on SQLite and PostgreSQL: a short page by default, search and facets from the query string
(without JavaScript), plain messages naming the filter, and each rule's page with the test cases covering it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.helpers.rules_editor import post_from_page, rule_cases, seed_from_cases, text_of
from triage.db.evaluations import bundled_ruleset
from triage.domain.engine.evaluate import evaluate

RULE = "cd_iron_deficiency"


def shown_rules(html: str) -> list[str]:
    """The ids of the rules the page shows (not hidden)."""
    return re.findall(r'<li class="rule-item" id="rule-([\w-]+)" data-rule data-search', html)


def hidden_rules(html: str) -> list[str]:
    """The ids of the rules the page holds but hides (the script can show them again as the editor types)."""
    return re.findall(r'<li class="rule-item" id="rule-([\w-]+)" data-rule hidden', html)


def test_index_is_collapsed_by_default_and_search_and_facets_work_without_javascript(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    editor = app.test_client()
    staff_login(editor, roles=("rules_editor",))
    ruleset = bundled_ruleset()
    everything = editor.get("/rules/").get_data(as_text=True)
    assert len(shown_rules(everything)) == len(ruleset.rules) and not hidden_rules(everything)
    groups = re.findall(r"<details class=\"rule-group\" id=\"d-([\w-]+)\" data-group( open)?", everything)
    assert len(groups) == len(ruleset.differentials) + 3 and not any(opened for _g, opened in groups)  # all collapsed
    text = text_of(editor.get("/rules/"))
    assert "Iron-deficiency anaemia" in text  # the rule's title, above its sentence
    assert f"{len(ruleset.rules)} rules in {len(groups)} groups" in text

    found = editor.get("/rules/?q=iron+anaemia").get_data(as_text=True)
    assert RULE in shown_rules(found) and len(hidden_rules(found)) > len(ruleset.rules) // 2
    assert 'id="d-celiac_disease" data-group open' in found
    count = re.search(r"(\d+) of (\d+) rules match", text_of(editor.get("/rules/?q=iron+anaemia")))
    assert count and int(count.group(1)) == len(shown_rules(found)) and int(count.group(2)) == len(ruleset.rules)

    flags = editor.get("/rules/?kind=red_flag&urgency=emergency").get_data(as_text=True)
    emergency = {r.id for r in ruleset.rules if r.kind == "red_flag" and r.urgency == "emergency"}
    assert set(shown_rules(flags)) == emergency and emergency
    general = set(shown_rules(editor.get("/rules/?general=1").get_data(as_text=True)))
    assert general and all("[GK]" in (r.source or "") for r in ruleset.rules if r.id in general)
    never = set(shown_rules(editor.get("/rules/?never_fired=1").get_data(as_text=True)))
    assert never == {r.id for r in ruleset.rules}  # no intake yet

    bad = text_of(editor.get("/rules/?kind=nonsense&q=iron"))
    assert "“Kind”: that is not one of the choices, so it was not used." in bad and "rules match" in bad
    nothing = text_of(editor.get("/rules/?q=zzzqqq"))
    assert "No rule matches." in nothing and "show all rules" in nothing


def test_a_rule_page_lists_the_test_cases_covering_it_and_how_often_it_fired(app: Flask, staff_login: Callable[..., Any]) -> None:
    editor = app.test_client()
    staff_login(editor, roles=("rules_editor",))
    cases = rule_cases()
    seeded = seed_from_cases(app, cases[:20])
    ruleset = bundled_ruleset()
    firing = [c for c in cases if RULE in evaluate(ruleset, c.answers, on=c.on).fired_rules]
    page = text_of(editor.get(f"/rules/rules/{RULE}"))
    assert "Iron-deficiency anaemia" in page and "Test cases covering this rule" in page
    assert f"{len(firing)} test case" in page and all(c.id in page for c in firing)
    fired = sum(1 for c in seeded.values() if RULE in evaluate(ruleset, c.answers, on=c.on).fired_rules)
    assert f"on {fired} of {len(seeded)} evaluated intakes" in page
    assert editor.get("/rules/rules/no_such_rule").status_code == 404
    index = editor.get("/rules/?never_fired=1").get_data(as_text=True)
    assert (RULE in shown_rules(index)) == (fired == 0)

    clinician = app.test_client()
    staff_login(clinician, roles=("clinician",))
    assert clinician.get(f"/rules/rules/{RULE}").status_code == 403
    assert clinician.get("/rules/?q=iron").status_code == 403


def test_saving_a_rule_runs_the_lint_and_names_the_answer_in_clinical_words(app: Flask, staff_login: Callable[..., Any]) -> None:
    editor = app.test_client()
    staff_login(editor, roles=("rules_editor",))
    assert post_from_page(editor, "/rules/", "/rules/draft").status_code == 303
    edit = f"/rules/draft/rules/{RULE}"
    food = next(c.label for c in bundled_ruleset().facts["triggers"].question.choices if c.value == "fatty_meals")  # type: ignore[union-attr]
    saved = post_from_page(editor, edit, edit, {"title": f"Iron-deficiency anaemia after {food.lower()}"}, ("action", "save"))
    assert saved.status_code == 303 and saved.location.endswith(edit)
    page = html.unescape(text_of(editor.get(edit)))
    label = bundled_ruleset().facts["triggers"].label
    assert f"Please check rule {RULE}: The title names “{food}” (an answer to “{label}”)" in page  # saved all the same
    assert "triggers" not in page.split("Please check rule")[1][:200]  # the question's words, not its id
    assert f"Rule {RULE} saved." in page
    # Retiring a rule that test cases name: the cases cannot be read, and the message says so instead of "0 of 0".
    retire = "/rules/draft/rules/rf_b12_neurological/retire"
    assert post_from_page(editor, "/rules/draft/rules/rf_b12_neurological", retire).status_code == 303
    after = text_of(editor.get("/rules/"))
    assert "Rule rf_b12_neurological retired. The rule tests could not run: the test cases have" in after
    assert "0 of 0 passed" not in after
