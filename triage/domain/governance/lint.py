"""A rule lint in clinical words: titles naming answers the condition never reads, rules that can never fire given
when their questions are asked, rules with identical conditions, and parameters that no rule uses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.diff import rules_by_id
from triage.domain.engine.facts import Fact

NEEDS_AN_ANSWER = ("equals", "one_of", "includes", "gte", "lte", "between", "answered")
DUPLICATE_KINDS = ("differential", "red_flag")  # same condition and same result: one of them double-counts
MIN_PHRASE = 6  # shorter answer labels ("Yes", "No", "Daily") name nothing in particular


@dataclass(frozen=True)
class Warning:
    """One lint finding: the rule it is about ('' for the whole ruleset) and the message in clinical words."""

    rule: str
    message: str


def _compares(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every comparison of a condition, at any depth."""
    if isinstance(node, Mapping):
        if isinstance(node.get("question"), str):
            yield node
        for value in node.values():
            yield from _compares(value)
    elif isinstance(node, list):
        for item in node:
            yield from _compares(item)


def _phrases(fact: Fact) -> list[tuple[str, str]]:
    """(phrase as it may appear in a title, the answer label) for each offered answer of a question."""
    question = fact.question
    if question is None:
        return []
    return [
        (choice.label.lower(), choice.label)
        for choice in question.choices
        if len(choice.label) >= MIN_PHRASE and not choice.exclusive
    ]


def _read_through(read: set[str], facts: Mapping[str, Fact]) -> set[str]:
    """The facts read, with the questions each derived fact is computed from (at any depth)."""
    found, stack = set(read), list(read)
    while stack:
        fact = facts.get(stack.pop())
        for source in fact.reads if fact is not None else ():
            if source not in found:
                found.add(source)
                stack.append(source)
    return found


def unread_answers(rule: Mapping[str, Any], facts: Mapping[str, Fact]) -> list[str]:
    """The title names an answer of a question that the rule's condition does not read (nor offers as an answer)."""
    read = _read_through({str(c["question"]) for c in _compares(rule.get("when"))}, facts)
    offered = {phrase for fact_id in read if fact_id in facts for phrase, _label in _phrases(facts[fact_id])}
    text = f" {rule.get('title', '')} ".lower()
    messages: dict[str, str] = {}
    for fact_id, fact in facts.items():
        if fact_id in read:
            continue
        for phrase, label in _phrases(fact):
            if phrase not in offered and phrase not in messages and re.search(rf"\b{re.escape(phrase)}\b", text):
                messages[phrase] = (
                    f"The title names “{label}” (an answer to “{fact.label}”), but the condition does not read that question."
                )
    return list(messages.values())


def _conjuncts(when: Any) -> list[Any]:
    """The parts a condition requires all of: the items of a top-level ALL, or the condition itself."""
    items = when.get("all") if isinstance(when, Mapping) else None
    return list(items) if isinstance(items, list) else [when]


def _pinned(when: Any) -> dict[str, Any]:
    """Single answers the condition requires outright (a comparison at the top, or directly under a top-level ALL)."""
    items = _conjuncts(when)
    return {str(i["question"]): i["equals"] for i in items if isinstance(i, Mapping) and "question" in i and "equals" in i}


def never_fires(rule: Mapping[str, Any], facts: Mapping[str, Fact]) -> list[str]:
    """The condition needs an answer to a follow-up that is never asked given another answer the condition requires."""
    when = rule.get("when")
    pinned = _pinned(when)
    messages = []
    for item in _conjuncts(when):
        if not isinstance(item, Mapping) or not any(op in item for op in NEEDS_AN_ANSWER):
            continue
        fact = facts.get(str(item.get("question")))
        shown = fact.question.shown_when if fact is not None and fact.question is not None else None
        if fact is None or shown is None:
            continue
        # The answers the rule requires outright, of the questions that decide whether this follow-up is asked.
        known = {parent: pinned[parent] for parent in shown.questions if parent in pinned}
        if known and shown.settled(known) is False:
            messages.append(_never_asked(fact, known, facts))
    return messages


def _never_asked(fact: Fact, known: Mapping[str, Any], facts: Mapping[str, Fact]) -> str:
    """The message for a rule needing an answer to a follow-up that the answers it also requires (`known`) hide."""
    named = []
    for parent_id, value in known.items():
        parent = facts.get(parent_id)
        named.append((f"“{parent.label}”" if parent else parent_id, parent.display(value) if parent else str(value)))
    if len(named) == 1:
        ((parent_words, answer),) = named
        return (
            f"This rule can never fire: it needs an answer to “{fact.label}”, which is only asked for other "
            f"answers to {parent_words} than “{answer}”, the answer the rule also requires."
        )
    answers = " and ".join(f"{words} is “{answer}”" for words, answer in named)
    return (
        f"This rule can never fire: it needs an answer to “{fact.label}”, which is not asked when {answers}, "
        "the answers the rule also requires."
    )


def _key(rule: Mapping[str, Any]) -> str:
    return json.dumps([rule.get("kind"), rule.get("differential"), rule.get("when")], sort_keys=True, default=str)


def lint_documents(
    documents: Mapping[str, Any], facts: Mapping[str, Fact], names: Mapping[str, str], used: set[str]
) -> list[Warning]:
    """Every finding for a ruleset's documents (rule titles by id in `names`; `used`: parameters rules use)."""
    found: list[Warning] = []
    seen: dict[str, str] = {}
    for rule_id, (_file, rule) in rules_by_id(documents).items():
        found += [Warning(rule_id, m) for m in unread_answers(rule, facts) + never_fires(rule, facts)]
        key = _key(rule)
        if rule.get("kind") not in DUPLICATE_KINDS:
            pass  # caveats and tests may rightly share a condition: each says something different
        elif key in seen:
            other = seen[key]
            found.append(
                Warning(
                    rule_id, f"This rule has the same condition as “{names.get(other, other)}” ({other}) for the same result."
                )
            )
        else:
            seen[key] = rule_id
    header = documents.get("ruleset.yaml")
    parameters = header.get("parameters") if isinstance(header, Mapping) else None
    for name in sorted(set(parameters or {}) - used):
        found.append(Warning("", f"The parameter “{name}” is not used by any rule."))
    return found
