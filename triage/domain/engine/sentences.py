"""A rule as one plain-language sentence: "IF ... AND ... THEN celiac disease +2 — ACG 2023", using data-dictionary labels.

Works on rule data as stored (YAML-shaped mappings), so a half-edited rule can still be read back to
its author; anything the sentence cannot name is shown as written rather than raising.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.facts import Fact

OPERATOR_WORDS = {
    "equals": "is",
    "one_of": "is one of",
    "includes": "includes",
    "gte": "is at least",
    "lte": "is at most",
    "between": "is between",
    "answered": "was answered",
    "unanswered": "was left unanswered",
}

# How each kind of group reads, in the editor's "Combine" choice and as a heading of the condition tree.
GROUP_WORDS = {
    "all": "ALL of these are true",
    "any": "ANY of these is true",
    "not": "NOT this",
    "at_least": "AT LEAST {n} of these are true",
}


@dataclass(frozen=True)
class ConditionNode:
    """One node of a condition shown as a tree: a group's heading with its items, or one test in words."""

    kind: str  # "all", "any", "not", "at_least" for a group; "test" for a leaf
    words: str
    items: tuple[ConditionNode, ...] = ()


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def value_words(fact: Fact | None, value: Any, parameters: Mapping[str, Any]) -> str:
    """One comparison value in words: a choice's label, a number with its unit, yes/no, or a named parameter."""
    if isinstance(value, Mapping) and "param" in value:
        name = str(value.get("param"))
        parameter = parameters.get(name)
        if parameter is None:
            return f"the parameter {name}"
        unit = _field(parameter, "unit") or ""
        return f"{_number(_field(parameter, 'value'))} {unit}".strip() + f" (parameter {name})"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        unit = fact.unit if fact is not None else ""
        return f"{_number(value)} {unit}".strip()
    text = str(value)
    if fact is not None and fact.question is not None and fact.choices:
        return fact.question.choice_label(text)
    return text.replace("_", " ")


def _either(words: Sequence[str], joiner: str) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {joiner} {words[-1]}"


def comparison_words(node: Mapping[str, Any], facts: Mapping[str, Fact], parameters: Mapping[str, Any]) -> str:
    """One comparison on one answer, e.g. “Do you smoke?” is Never."""
    fact_id = node.get("question")
    fact = facts.get(fact_id) if isinstance(fact_id, str) else None
    subject = f"“{fact.label}”" if fact is not None else f"“{fact_id}”"
    ops = [key for key in node if key != "question"]
    op = ops[0] if len(ops) == 1 else ""
    raw = node.get(op)
    if op in ("answered", "unanswered"):
        return f"{subject} {OPERATOR_WORDS[op]}"
    if op == "between" and isinstance(raw, list) and len(raw) == 2:
        low, high = (value_words(fact, v, parameters) for v in raw)
        return f"{subject} is between {low} and {high}"
    if op == "one_of" and isinstance(raw, list):
        return f"{subject} is {_either([value_words(fact, v, parameters) for v in raw], 'or')}"
    if op in OPERATOR_WORDS:
        return f"{subject} {OPERATOR_WORDS[op]} {value_words(fact, raw, parameters)}"
    return f"{subject} (incomplete comparison)"


def _includes_of(item: Any) -> tuple[str, Any] | None:
    if isinstance(item, Mapping) and set(item) == {"question", "includes"} and isinstance(item.get("question"), str):
        return item["question"], item["includes"]
    return None


def _runs(items: Sequence[Any]) -> list[Any]:
    """The items, with each run of neighbouring 'includes' tests on one tick-list gathered as (question, [values])."""
    runs: list[Any] = []
    i = 0
    while i < len(items):
        first = _includes_of(items[i])
        run = [first] if first else []
        while first and i + len(run) < len(items):
            following = _includes_of(items[i + len(run)])
            if following is None or following[0] != first[0]:
                break
            run.append(following)
        if len(run) > 1 and first is not None:
            runs.append((first[0], [value for _, value in run]))
            i += len(run)
            continue
        runs.append(items[i])
        i += 1
    return runs


def _run_words(run: tuple[str, list[Any]], key: str, facts: Mapping[str, Fact], parameters: Mapping[str, Any]) -> str:
    """A run of 'includes' tests on one tick-list as one phrase: “...” includes any of A, B or C."""
    fact = facts.get(run[0])
    subject = f"“{fact.label}”" if fact is not None else f"“{run[0]}”"
    words = [value_words(fact, value, parameters) for value in run[1]]
    return f"{subject} includes {'any of ' if key == 'any' else ''}{_either(words, 'or' if key == 'any' else 'and')}"


def _grouped(items: Sequence[Any], key: str, facts: Mapping[str, Fact], parameters: Mapping[str, Any]) -> list[str]:
    """Words for each item; neighbouring 'includes' tests on one tick-list read as one ("includes A, B or C")."""
    return [
        _run_words(item, key, facts, parameters)
        if isinstance(item, tuple)
        else condition_words(item, facts, parameters, nested=True)
        for item in _runs(items)
    ]


def condition_words(node: Any, facts: Mapping[str, Fact], parameters: Mapping[str, Any], nested: bool = False) -> str:
    """A whole condition tree in words; groups inside groups are bracketed."""
    if not isinstance(node, Mapping) or not node:
        return "(empty condition)"
    if "question" in node:
        return comparison_words(node, facts, parameters)
    key, body = next(iter(node.items()))
    if key == "not":
        return f"NOT ({condition_words(body, facts, parameters)})"
    if key == "at_least" and isinstance(body, Mapping):
        listed = body.get("of")
        items = listed if isinstance(listed, list) else []
        inner = "; ".join(condition_words(item, facts, parameters, nested=True) for item in items)
        return f"at least {body.get('n')} of ({inner})"
    if key in ("all", "any") and isinstance(body, list):
        parts = _grouped(body, key, facts, parameters)
        joined = (" AND " if key == "all" else " OR ").join(parts)
        return f"({joined})" if nested and len(parts) > 1 else joined
    return f"(unreadable condition '{key}')"


def _flag_words(rule: Mapping[str, Any]) -> str:
    """A red flag's urgency, with its priority and group when the rule sets them."""
    words = [str(rule.get("urgency"))]
    if rule.get("priority") is not None:
        words.append(f"priority {rule.get('priority')}")
    if rule.get("group"):
        words.append(f"group {rule.get('group')}")
    return ", ".join(words)


def effect_words(rule: Mapping[str, Any], differential_names: Mapping[str, str]) -> str:
    """What a rule does when it fires, e.g. "coeliac disease +2" or "red flag (urgent): refer..."."""
    kind = rule.get("kind")
    if kind == "differential":
        name = differential_names.get(str(rule.get("differential")), str(rule.get("differential")))
        weight = rule.get("weight")
        return f"{name} {weight:+d}" if isinstance(weight, int) and not isinstance(weight, bool) else f"{name} (weight missing)"
    if kind == "red_flag":
        # The stored word is shown as written, so a half-edited rule with an unknown urgency still reads back.
        return f"red flag ({_flag_words(rule)}): {rule.get('action', '')}"
    if kind == "investigation":
        elective = " (elective: deferred while an emergency red flag stands)" if rule.get("elective") is True else ""
        return f"suggest the test{elective}: {rule.get('test', '')}"
    if kind == "caveat":
        return f"caveat: {rule.get('title', '')}"
    return f"(unknown kind '{kind}')"


def rule_sentence(
    rule: Mapping[str, Any], facts: Mapping[str, Fact], differential_names: Mapping[str, str], parameters: Mapping[str, Any]
) -> str:
    """The rule as one sentence: IF condition THEN effect — source."""
    source = str(rule.get("source") or "").strip()
    sentence = f"IF {condition_words(rule.get('when'), facts, parameters)} THEN {effect_words(rule, differential_names)}"
    return f"{sentence} — {source}" if source else sentence


def _leaf(words: str) -> ConditionNode:
    return ConditionNode("test", words)


def condition_tree(node: Any, facts: Mapping[str, Fact], parameters: Mapping[str, Any]) -> ConditionNode:
    """A condition as a tree of groups (ALL, ANY, NOT, AT LEAST n) whose leaves are the sentence's own phrases."""
    if not isinstance(node, Mapping) or not node or "question" in node:
        return _leaf(condition_words(node, facts, parameters))
    key, body = next(iter(node.items()))
    if key == "not":
        inner = condition_tree(body, facts, parameters)
        # NOT of one test reads best as one line, as in the sentence.
        return _leaf(f"NOT ({inner.words})") if inner.kind == "test" else ConditionNode("not", GROUP_WORDS["not"], (inner,))
    if key == "at_least" and isinstance(body, Mapping):
        listed = body.get("of")
        items = listed if isinstance(listed, list) else []
        children = tuple(condition_tree(item, facts, parameters) for item in items)
        return ConditionNode("at_least", GROUP_WORDS["at_least"].format(n=body.get("n")), children)
    if key in ("all", "any") and isinstance(body, list):
        children = tuple(
            _leaf(_run_words(run, key, facts, parameters)) if isinstance(run, tuple) else condition_tree(run, facts, parameters)
            for run in _runs(body)
        )
        if not children:
            return _leaf("(empty condition)")
        # ALL or ANY of one item is that item: shown without a heading of its own.
        return children[0] if len(children) == 1 else ConditionNode(key, GROUP_WORDS[key], children)
    return _leaf(condition_words(node, facts, parameters))
