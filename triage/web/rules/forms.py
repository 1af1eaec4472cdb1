"""Reading the rule editor's forms into rule data, and checking it with the engine's own validation, problem by field.

Each form field gets a made-up "line number"; the data handed to the engine carries those numbers
where YAML would carry source lines, so every problem the engine reports comes back naming the field.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from triage.domain.engine.evaluate import load_ruleset_from_documents
from triage.domain.engine.schema import RULE_ADAPTER, RULE_FIELDS, report_schema_errors
from triage.domain.engine.yaml_source import YamlList, YamlMap
from triage.domain.errors import ProblemList, RuleProblem, RulesetError
from triage.web.rules.kept import newly_unused
from triage.web.rules.tree import Row

HEADER_FILE = "ruleset.yaml"
MAX_TEXT = 4000
KIND_FIELDS = {
    "differential": ("differential", "weight"),
    "red_flag": ("urgency", "action"),
    "investigation": ("test", "why"),
    "caveat": (),
}
RULE_ORDER = (
    "id",
    "title",
    "explanation",
    "kind",
    "differential",
    "weight",
    "urgency",
    "action",
    "test",
    "why",
    "when",
    "source",
    "author",
    "reviewed",
)
TEXT_FIELDS = (
    "id",
    "title",
    "explanation",
    "kind",
    "differential",
    "weight",
    "urgency",
    "action",
    "test",
    "why",
    "source",
    "author",
    "reviewed",
)
MULTILINE = ("explanation", "action", "why", "note", "description")
# A rule field whose key is also a submit button's name is posted under another name: the buttons are all called
# `action`, and a browser sends both, so the red flag's "Action to take" would otherwise be read as (or replaced by) a button.
FORM_NAMES = {"action": "flag_action"}


def form_name(key: str) -> str:
    """The form field that carries a rule key (the key itself, unless it clashes with a button's name)."""
    return FORM_NAMES.get(key, key)


class Lines:
    """Hands out a made-up line number per form field and maps engine problems back to the fields."""

    def __init__(self) -> None:
        self.fields: dict[int, str] = {}

    def __call__(self, name: str) -> int:
        """A new line number standing for this field."""
        number = len(self.fields) + 1
        self.fields[number] = name
        return number

    def sort(self, problems: list[RuleProblem], rule: str | None, errors: dict[str, list[str]], general: list[str]) -> None:
        """File each problem under its field, or under general (problems of other rules name their rule)."""
        for problem in problems:
            name = self.fields.get(problem.line or 0)
            if name and problem.rule in (None, rule):
                if problem.message not in errors.setdefault(name, []):
                    errors[name].append(problem.message)
            elif str(problem) not in general:
                general.append(problem.message if problem.rule in (None, rule) else f"rule {problem.rule}: {problem.message}")


def ymap(data: Mapping[str, Any], line: int, key_lines: Mapping[str, int]) -> YamlMap:
    """A mapping that tells the engine which (made-up) line each key is on."""
    located = YamlMap(data)
    located.line, located.key_lines = line, dict(key_lines)
    return located


def ylist(items: list[Any], line: int, item_lines: list[int]) -> YamlList:
    """A list that tells the engine which (made-up) line each item is on."""
    located = YamlList(items)
    located.line, located.item_lines = line, list(item_lines)
    return located


def clean_text(value: str, name: str) -> tuple[str, str | None]:
    """Form text trimmed, with a plain-words problem for control characters or excessive length."""
    text = value.replace("\r\n", "\n").strip()
    allowed = "\n\t" if name in MULTILINE else ""
    if any((ord(c) < 32 and c not in allowed) or ord(c) == 127 for c in text):
        return text, "Remove the control characters from this field."
    if len(text) > MAX_TEXT:
        return text, f"Keep this under {MAX_TEXT} characters."
    return text, None


def _whole(text: str) -> Any:
    return int(text) if text.lstrip("-+").isdigit() and len(text) < 10 else text


def read_rule_fields(form: Mapping[str, Any], rule_id: str | None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The rule's own fields (not the condition) from the form, in the order files use."""
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name in TEXT_FIELDS:
        text, problem = clean_text(str(form.get(form_name(name), "")), name)
        values[name] = text
        if problem:
            errors.setdefault(form_name(name), []).append(problem)
    if rule_id is not None:
        values["id"] = rule_id
    kind = values["kind"]
    wanted = ("id", "title", "explanation", "kind", *KIND_FIELDS.get(kind, ()), "source", "author", "reviewed")
    rule: dict[str, Any] = {}
    for name in wanted:
        value: Any = values[name]
        if name == "weight":
            value = _whole(value)
        if name == "reviewed":
            value = value or None
        rule[name] = value
    return rule, errors


def ordered_rule(rule: Mapping[str, Any], when: Any) -> dict[str, Any]:
    """The rule with its condition, keys in the order the files use."""
    merged = {**rule, "when": when}
    return {k: merged[k] for k in RULE_ORDER if k in merged} | {k: v for k, v in merged.items() if k not in RULE_ORDER}


def _located_condition(node: Any, rows: list[Row], path: str, lines: Lines) -> Any:
    """The condition with made-up lines: each row's line, and the question/value/n fields' lines."""
    row_line = lines(f"c-{path}-row")
    if not isinstance(node, dict) or not node:
        # An emptied group (its last row removed) is left for the schema check to name at its row.
        return node
    if "question" in node:
        op = next((k for k in node if k != "question"), "equals")
        keys = {"question": lines(f"c-{path}-question"), op: lines(f"c-{path}-value")}
        located = ymap(node, row_line, keys)
        value = node.get(op)
        if op == "between" and isinstance(value, list):
            located[op] = ylist(value, keys[op], [lines(f"c-{path}-low"), lines(f"c-{path}-high")])
        elif isinstance(value, list):
            located[op] = ylist(value, keys[op], [keys[op]] * len(value))
        return located
    kind, body = next(iter(node.items()))
    if kind == "not":
        return ymap({"not": _located_condition(body, rows, f"{path}.0", lines)}, row_line, {"not": row_line})
    if kind == "at_least" and isinstance(body, dict):
        items = [_located_condition(item, rows, f"{path}.{i}", lines) for i, item in enumerate(body.get("of", []))]
        inner = ymap(
            {"n": body.get("n"), "of": ylist(items, row_line, [row_line] * len(items))},
            row_line,
            {"n": lines(f"c-{path}-n"), "of": row_line},
        )
        return ymap({"at_least": inner}, row_line, {"at_least": row_line})
    items = (
        [_located_condition(item, rows, f"{path}.{i}", lines) for i, item in enumerate(body)] if isinstance(body, list) else body
    )
    located_items = ylist(items, row_line, [row_line] * len(items)) if isinstance(items, list) else items
    return ymap({kind: located_items}, row_line, {kind: row_line})


def _schema_errors(rule: dict[str, Any], line: int, key_lines: Mapping[str, int]) -> list[RuleProblem]:
    """The engine's schema check of the rule's own fields, each problem located at its field."""
    located = ymap(rule, line, key_lines)
    try:
        RULE_ADAPTER.validate_python(located)
    except ValidationError as exc:
        problems = ProblemList("form")
        # Errors are located under the kind (the discriminator) first, so the rule sits under that key here.
        kind = str(rule.get("kind"))
        report_schema_errors(
            exc,
            ymap({kind: located}, key_lines.get("kind", line), {kind: line}),
            problems,
            str(rule.get("id") or ""),
            RULE_FIELDS,
        )
        return problems.items
    return []


@dataclass
class Checked:
    """The documents with the edited rule in place, and what the engine found wrong, by field."""

    documents: dict[str, Any]
    errors: dict[str, list[str]]
    general: list[str]
    unused_parameters: list[str]  # parameters the edited rule used and no rule uses now

    @property
    def ok(self) -> bool:
        """Whether the draft may be saved."""
        return not self.errors and not self.general


def _with_rule(documents: Mapping[str, Any], file: str, rule: Any, replaces: str | None, id_line: int) -> dict[str, Any]:
    candidate = copy.deepcopy(dict(documents))
    found = candidate.get(file)
    topic: dict[str, Any] = (
        found if isinstance(found, dict) else {"topic": file.removesuffix(".yaml").replace("_", " ").capitalize(), "rules": []}
    )
    old = list(topic.get("rules", []))
    position = next((i for i, r in enumerate(old) if replaces and isinstance(r, dict) and r.get("id") == replaces), len(old))
    items = [r for r in old if not (replaces and isinstance(r, dict) and r.get("id") == replaces)]
    items.insert(position, rule)
    lines = [0] * len(items)
    lines[position] = id_line
    topic["rules"] = ylist(items, 0, lines)
    candidate[file] = topic
    return candidate


def check_rule(
    documents: Mapping[str, Any],
    file: str,
    rule: dict[str, Any],
    rows: list[Row],
    replaces: str | None,
    errors: dict[str, list[str]] | None = None,
) -> Checked:
    """Put the rule into a copy of the documents (in place of rule `replaces`) and validate it with the engine."""
    lines = Lines()
    errors = {k: list(v) for k, v in (errors or {}).items()}
    general: list[str] = []
    rule_line = lines("row")
    key_lines = {name: lines(form_name(name)) for name in rule if name != "when"}
    rule_id = str(rule.get("id") or "")
    schema = _schema_errors(dict(rule), rule_line, key_lines)
    lines.sort(schema, rule_id, errors, general)
    located = ymap(dict(rule), rule_line, key_lines)
    located["when"] = _located_condition(copy.deepcopy(rule.get("when")), rows, "r", lines)
    located.key_lines["when"] = lines("c-r-row")
    candidate = _with_rule(documents, file, located, replaces, key_lines.get("id", rule_line))
    unused = newly_unused(documents, candidate)
    try:
        load_ruleset_from_documents(candidate)
    except RulesetError as error:
        for problem in error.problems:
            name = lines.fields.get(problem.line or 0, "")
            mine = problem.rule in (None, rule_id)
            if schema and mine and not name.startswith("c-"):
                continue  # the schema check above already explained the rule's own fields
            if name and mine:
                if problem.message not in errors.setdefault(name, []):
                    errors[name].append(problem.message)
            else:
                general.append(problem.message if mine else f"rule {problem.rule}: {problem.message}")
    return Checked(candidate, errors, general, unused)
