"""A rules editor, keyboard only, in Chromium: finds a question by typing, and reads the sentence change as she types.

On a laptop (1366x900) and a phone (390x844): she tabs to a condition's question box, types a few words of a
question (or its id, or its section), moves with the arrow keys and chooses with Enter; the consent ticks are
never offered. The plain sentence follows without a page load, and so does the weight she types. A nested rule's
condition reads as a tree on its page and in the editor. With JavaScript off the same form is a grouped <select> and
"Update the sentence" redraws the page. Every state is screenshotted and checked with axe-core.
"""

from __future__ import annotations

import re
from typing import Any

from tests.helpers.axe import check_page
from tests.helpers.browser import LAPTOP, PHONE, sign_in
from tests.helpers.staff import create_staff
from triage.db.evaluations import bundled_ruleset
from triage.domain.engine.diff import rules_by_id
from triage.domain.engine.sentences import ConditionNode, condition_tree

RULE = "cd_iron_deficiency"
PARAMETERS = {k: {"value": p.value, "unit": p.unit} for k, p in bundled_ruleset().parameters.items()}


def groups_in(node: ConditionNode) -> int:
    """How many groups a condition tree has."""
    return 0 if node.kind == "test" else 1 + sum(groups_in(item) for item in node.items)


# The bundled rule with the most groups (the rules change; the test does not name one), and its number of groups.
GROUPS, NESTED = max(
    (groups_in(condition_tree(rule["when"], bundled_ruleset().facts, PARAMETERS)), rule_id)
    for rule_id, (_file, rule) in rules_by_id(bundled_ruleset().documents).items()
)
MUCUS = bundled_ruleset().facts["mucus"].label
NOCTURNAL = bundled_ruleset().facts["nocturnal_bowel"].label
MAX_TABS = 60
SLOW_MS = 60_000  # opening a draft or saving runs every rule test case; the shared test machine is slow


def tab_to(page: Any, selector: str) -> None:
    """Press Tab until the focus is on the element (fails after MAX_TABS presses)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def start_draft(page: Any) -> None:
    page.goto("/rules/")
    tab_to(page, "form[action='/rules/draft'] button")
    with page.expect_navigation(timeout=SLOW_MS):
        page.keyboard.press("Enter")
    assert "Draft opened." in page.locator(".notice").first.inner_text()


def shown_options(page: Any) -> list[str]:
    return page.locator("#f-c-r-question-list [role=option]:visible .picker-id").all_inner_texts()


def choose_a_question_by_typing(page: Any, shots: str) -> None:
    """The picker: words of the text, an id, a section; arrows and Enter; nothing submitted; the sentence follows."""
    page.evaluate("window.__samePage = true")  # gone after any page load
    box = page.get_by_role("combobox", name="Question")
    assert box.get_attribute("aria-expanded") == "false"
    tab_to(page, "#f-c-r-question")
    page.keyboard.type("slime poo")
    assert box.get_attribute("aria-expanded") == "true"
    assert shown_options(page) == ["mucus"]
    assert page.locator("#f-c-r-question + [role=listbox] + [role=status], .picker [role=status]").first.inner_text() == (
        "1 question to choose from."
    )
    page.keyboard.press("Control+A")
    page.keyboard.type("nocturnal_bowel")  # an id
    assert shown_options(page) == ["nocturnal_bowel"]
    page.keyboard.press("Control+A")
    page.keyboard.type("consent")
    assert shown_options(page) == [] and page.locator(".picker [role=status]").first.inner_text() == "No question matches."
    page.keyboard.press("Control+A")
    page.keyboard.type("warning signs")  # a section: only its questions, under its one heading
    warning = shown_options(page)
    assert "bloody_stools_per_day" in warning and "mucus" not in warning
    assert page.locator("#f-c-r-question-list [role=group]:visible .picker-section").all_inner_texts() == [
        "Important warning signs"
    ]
    page.keyboard.press("Control+A")
    page.keyboard.type("mucus")
    check_page(page, f"{shots}-picker-open", keep=True)
    page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").is_visible()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")  # chooses; does not submit the form
    assert box.get_attribute("aria-expanded") == "false" and box.input_value() == MUCUS
    assert page.locator("select[name='c-r-question']").input_value() == "mucus"
    page.locator("#rule-sentence").filter(has_text=f"IF “{MUCUS}”").wait_for()
    assert page.evaluate("window.__samePage === true"), "choosing a question loaded a page"
    page.keyboard.press("Escape")  # closed already: leaves the choice as it is
    assert box.input_value() == MUCUS


def test_a_rules_editor_finds_a_question_by_typing_and_reads_the_sentence_as_she_types(
    new_context: Any, live_server: Any
) -> None:
    editor = create_staff(live_server.app, ("rules_editor",), email="cara.rules@example.org")
    page = new_context(viewport=LAPTOP).new_page()
    sign_in(page, editor, "rules-live", start="/rules/")
    start_draft(page)
    page.goto(f"/rules/draft/rules/{RULE}")
    assert page.locator("[data-sentence-hint-live]").is_visible() and not page.locator("[data-sentence-hint]").is_visible()
    choose_a_question_by_typing(page, "rules-live-laptop")
    # The row's answers followed the new question without a page load: choose one with the keyboard.
    answer = page.get_by_label("Answer", exact=True)
    assert answer.locator("option").all_inner_texts() == ["choose an answer", "yes", "no", "not sure"]
    tab_to(page, "#f-c-r-value")
    page.keyboard.press("y")
    page.locator("#rule-sentence").filter(has_text=f"IF “{MUCUS}” is yes THEN").wait_for()
    # The weight, typed: the sentence follows within a moment, and nothing is saved.
    tab_to(page, "#f-weight")
    page.keyboard.press("Control+A")
    page.keyboard.type("-4")
    page.locator("#rule-sentence").filter(has_text="THEN Coeliac disease -4").wait_for()
    assert page.evaluate("window.__samePage === true")
    check_page(page, "rules-live-laptop-sentence-followed", keep=True)
    tab_to(page, "button[value=save]")
    with page.expect_navigation(timeout=SLOW_MS):
        page.keyboard.press("Enter")
    assert f"Rule {RULE} saved." in page.locator(".notice").first.inner_text()
    sentence = page.locator("#rule-sentence").inner_text()
    assert sentence.startswith(f"IF “{MUCUS}” is yes THEN Coeliac disease -4")
    assert not context_errors(page)

    # A nested rule: the condition as a tree, on its page and in the editor.
    page.goto(f"/rules/rules/{NESTED}")
    tree = page.locator("#rule-tree")
    assert tree.locator(".tree-if").inner_text().startswith("IF") and tree.locator(".tree-then").is_visible()
    assert not page.locator("#rule-sentence").is_visible()  # the run-on form, folded under the tree
    assert tree.locator("details").count() == GROUPS >= 5 and tree.locator("ul ul ul").count() >= 1
    check_page(page, "rules-live-laptop-tree-rule-page", keep=True)
    page.goto(f"/rules/draft/rules/{NESTED}")
    assert page.locator("#rule-tree details").count() == GROUPS
    check_page(page, "rules-live-laptop-tree-editor", keep=True)

    # On a phone, the same picker.
    phone = new_context(viewport=PHONE).new_page()
    sign_in(phone, editor, "rules-live-phone", start=f"/rules/draft/rules/{NESTED}")
    phone.goto(f"/rules/draft/rules/{NESTED}")
    check_page(phone, "rules-live-phone-tree-editor", keep=True)
    phone.goto(f"/rules/draft/rules/{RULE}")
    tab_to(phone, "#f-c-r-question")
    phone.keyboard.type("nocturnal")
    assert shown_options(phone) == ["nocturnal_bowel"]
    check_page(phone, "rules-live-phone-picker-open", keep=True)
    phone.keyboard.press("ArrowDown")
    phone.keyboard.press("Enter")
    assert phone.get_by_role("combobox", name="Question").input_value() == NOCTURNAL
    phone.locator("#rule-sentence").filter(has_text=f"IF “{NOCTURNAL}”").wait_for()
    assert not context_errors(phone)


def context_errors(page: Any) -> list[str]:
    errors: list[str] = page.context.console_errors
    return errors


def test_without_javascript_the_picker_is_a_grouped_select_and_the_button_updates_the_sentence(
    new_context: Any, live_server: Any
) -> None:
    editor = create_staff(live_server.app, ("rules_editor",), email="dan.rules@example.org")
    page = new_context(viewport=LAPTOP, java_script_enabled=False).new_page()
    sign_in(page, editor, "rules-live-nojs", start="/rules/")
    start_draft(page)
    page.goto(f"/rules/draft/rules/{RULE}")
    picker = page.locator("select[name='c-r-question']")
    assert page.get_by_label("Question").evaluate("e => e.tagName") == "SELECT"
    groups = picker.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert groups[0] == "About you" and groups[-1].startswith("Derived facts") and "Check and send" not in groups
    assert picker.locator("option[value=consent_true]").count() == 0
    assert page.locator("[data-sentence-hint]").is_visible() and not page.locator("[data-picker-how]").is_visible()
    picker.select_option("mucus")
    with page.expect_navigation():
        page.get_by_role("button", name="Update the sentence").first.click()
    assert page.locator("#rule-sentence").inner_text().startswith(f"IF “{MUCUS}”")
    check_page(page, "rules-live-nojs-updated", keep=True)
    page.goto(f"/rules/rules/{NESTED}")
    summary = page.locator("#rule-tree summary").first
    assert re.match(r"^(ALL|ANY|NOT|AT LEAST) .*:$", summary.inner_text())
    check_page(page, "rules-live-nojs-tree", keep=True)
