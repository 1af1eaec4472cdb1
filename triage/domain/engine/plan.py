"""Compiling every rule's condition into one generated Python function, evaluated many times.

The function is built node by node with `ast` from the validated condition trees (rule text is
never parsed as code) and computes, straight through without short cuts, the outcome of every
distinct condition node for one intake; identical sub-conditions shared by several rules are
computed once. Deciding which rules fire then costs one call plus picking each rule's root, and
the full explanation reads the same outcomes node by node.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter
from typing import Any

from triage.domain.engine import codegen as g
from triage.domain.engine.nodes import AllOf, AnyOf, AtLeast, Compare, Node, NotOf


@dataclass(frozen=True)
class Plan:
    """Every rule's condition tree, numbered depth-first, and the generated function that evaluates them all."""

    rule_ids: tuple[str, ...]
    nodes: tuple[Node, ...]
    children: tuple[tuple[int, ...], ...]
    parents: tuple[int, ...]
    roots: tuple[int, ...]
    ends: tuple[int, ...]
    slot: tuple[int, ...]
    facts: tuple[tuple[str, str], ...]
    slot_nodes: tuple[Node, ...]
    slot_children: tuple[tuple[int, ...], ...]
    slot_facts: tuple[frozenset[str], ...]
    slot_ops: tuple[int, ...]
    slots_reading: Mapping[str, tuple[int, ...]]
    rules_reading: Mapping[str, tuple[int, ...]]
    # function(facts) gives (every distinct node's value, which facts were unanswered); function(facts, True) the
    # value of each rule's root only, in ruleset order.
    function: Callable[..., Any]
    _root_values: Callable[[tuple[object, ...]], Any] = field(repr=False, compare=False, default=tuple)
    # What is built from the plan on first use and kept with it (the gap pass of gap_pass.py).
    cache: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def run(self, facts: Mapping[str, Any]) -> tuple[tuple[bool, ...], tuple[bool, ...]]:
        """The outcome of every distinct node (index with `slot[k]` for node k), and which facts were unanswered."""
        values: tuple[tuple[bool, ...], tuple[bool, ...]] = self.function(facts)
        return values

    def fired(self, facts: Mapping[str, Any]) -> list[str]:
        """The ids of the rules whose condition holds, in ruleset order."""
        return list(compress(self.rule_ids, self.function(facts, True)))

    def fired_positions(self, facts: Mapping[str, Any]) -> list[int]:
        """The positions of the rules whose condition holds, in ruleset order."""
        return list(compress(range(len(self.roots)), self.function(facts, True)))

    def fired_indexes(self, values: tuple[object, ...]) -> list[int]:
        """The positions of the rules whose root is true in these per-node values (of one run, or the gap pass)."""
        return list(compress(range(len(self.roots)), self._root_values(values)))


def _number(conditions: Sequence[Node]) -> tuple[list[Node], list[tuple[int, ...]], list[int], list[int], list[int]]:
    """Depth-first numbering: each rule's nodes form the run roots[i] .. ends[i] - 1."""
    nodes: list[Node] = []
    children: list[tuple[int, ...]] = []
    parents: list[int] = []
    roots, ends = [], []
    for condition in conditions:
        roots.append(len(nodes))
        stack: list[tuple[Node, int]] = [(condition, -1)]
        while stack:
            node, parent = stack.pop()
            k = len(nodes)
            nodes.append(node)
            children.append(())
            parents.append(parent)
            if parent >= 0:
                children[parent] += (k,)
            items = (node.item,) if isinstance(node, NotOf) else () if isinstance(node, Compare) else node.items
            stack.extend((item, k) for item in reversed(items))
        ends.append(len(nodes))
    return nodes, children, parents, roots, ends


def _value(node: Node, kids: list[int], variables: Mapping[str, str]) -> ast.expr:
    if isinstance(node, Compare):
        return g.comparison(node, variables[node.fact])
    values = [g.name(f"t{k}") for k in kids]
    if isinstance(node, NotOf):
        return g.negate(values[0])
    if isinstance(node, AllOf):
        return g.boolean(g.AND, values)
    if isinstance(node, AnyOf):
        return g.boolean(g.OR, values)
    if not isinstance(node, AtLeast):
        raise TypeError(f"unknown condition node {type(node).__name__}")
    # Every item is a bool, so their sum counts the true ones.
    return g.compare(g.total(values), ast.GtE(), g.const(node.n))


def _root_picker(root_slots: list[int]) -> Callable[[tuple[object, ...]], Any]:
    if not root_slots:
        return lambda values: ()
    if len(root_slots) == 1:
        only = root_slots[0]
        return lambda values: (values[only],)
    return itemgetter(*root_slots)


# Operation codes of distinct nodes, for the three-valued pass in condition_outcomes.
OP_COMPARE, OP_ANSWERED, OP_NOT, OP_ALL, OP_ANY, OP_AT_LEAST = range(6)


def _op(node: Node) -> int:
    if isinstance(node, Compare):
        return OP_ANSWERED if node.op in ("answered", "unanswered") else OP_COMPARE
    if isinstance(node, NotOf):
        return OP_NOT
    return OP_ALL if isinstance(node, AllOf) else OP_ANY if isinstance(node, AnyOf) else OP_AT_LEAST


def _rules_reading(nodes: list[Node], roots: list[int], ends: list[int]) -> dict[str, tuple[int, ...]]:
    index: dict[str, dict[int, None]] = {}
    for rule, (root, end) in enumerate(zip(roots, ends, strict=True)):
        for node in nodes[root:end]:
            if isinstance(node, Compare):
                index.setdefault(node.fact, {})[rule] = None
    return {fact: tuple(rules) for fact, rules in index.items()}


def compile_plan(rules: Sequence[tuple[str, Node]], kinds: Mapping[str, str]) -> Plan:
    """Number the nodes of these (rule id, condition) pairs and generate the function that evaluates them."""
    nodes, children, parents, roots, ends = _number([condition for _, condition in rules])
    facts = g.ordered_facts(nodes, kinds)
    body, variables = g.hoist_facts(facts)
    slots: dict[Any, int] = {}  # structural key of a distinct node -> its slot
    slot = [0] * len(nodes)
    slot_nodes: list[Node] = []
    slot_children: list[tuple[int, ...]] = []
    slot_facts: list[frozenset[str]] = []
    for k in reversed(range(len(nodes))):  # children are numbered after their parent, so come first here
        node = nodes[k]
        kids = tuple(slot[c] for c in children[k])
        # Comparisons are keyed by themselves; groups by kind and the distinct nodes they combine (cheap to hash).
        key = node if isinstance(node, Compare) else (type(node), getattr(node, "n", 0), kids)
        if key not in slots:
            slots[key] = len(slots)
            slot_nodes.append(node)
            slot_children.append(kids)
            slot_facts.append(
                frozenset([node.fact]) if isinstance(node, Compare) else frozenset().union(*(slot_facts[c] for c in kids))
            )
            body.append(g.assign(f"t{slots[key]}", _value(node, list(kids), variables)))
        slot[k] = slots[key]
    reading: dict[str, list[int]] = {}
    for s, read in enumerate(slot_facts):
        for fact in read:
            reading.setdefault(fact, []).append(s)
    values = g.at(ast.Tuple([g.name(f"t{s}") for s in range(len(slots))], g.LOAD))
    unanswered = g.at(ast.Tuple([g.is_missing(variables[fact], kind) for fact, kind in facts], g.LOAD))
    # Deciding which rules fire needs only each rule's root: that answer skips building the two long tuples.
    root_values = g.at(ast.Tuple([g.name(f"t{slot[r]}") for r in roots], g.LOAD))
    body.append(g.at(ast.If(g.name("roots_only"), [g.at(ast.Return(root_values))], [])))
    body.append(g.at(ast.Return(g.at(ast.Tuple([values, unanswered], g.LOAD)))))
    function = g.build_function("rule_conditions", body, "<ruleset conditions>", options=(("roots_only", False),))
    return Plan(
        rule_ids=tuple(rule_id for rule_id, _ in rules),
        nodes=tuple(nodes),
        children=tuple(children),
        parents=tuple(parents),
        roots=tuple(roots),
        ends=tuple(ends),
        slot=tuple(slot),
        facts=tuple(facts),
        slot_nodes=tuple(slot_nodes),
        slot_children=tuple(slot_children),
        slot_facts=tuple(slot_facts),
        slot_ops=tuple(_op(node) for node in slot_nodes),
        slots_reading={fact: tuple(found) for fact, found in reading.items()},
        rules_reading=_rules_reading(nodes, roots, ends),
        function=function,
        _root_values=_root_picker([slot[r] for r in roots]),
    )
