"""Compiling every rule's condition into generated Python functions, evaluated many times.

The functions are built node by node with `ast` from the validated condition trees (rule text is
never parsed as code); identical sub-conditions shared by several rules are computed once.
Deciding which rules fire is one call of a function that computes each rule's condition with
Python's short cuts (an `all` stops at its first false item), the sub-conditions several rules
share worked out first. The full explanation needs the outcome of every distinct node: a second
function computes them all, straight through, built the first time a plan is asked for them.
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
    # function(facts): the value of each rule's root, in ruleset order (with short cuts; see _roots_function).
    function: Callable[..., Any]
    _root_values: Callable[[tuple[object, ...]], Any] = field(repr=False, compare=False, default=tuple)
    # What is built from the plan on first use and kept with it: the every-node function (run), the gap pass.
    cache: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def run(self, facts: Mapping[str, Any]) -> tuple[tuple[bool, ...], tuple[bool, ...]]:
        """The outcome of every distinct node (index with `slot[k]` for node k), and which facts were unanswered."""
        every_node = self.cache.get("every_node")
        if every_node is None:  # a rebuild by a racing thread is harmless
            every_node = self.cache["every_node"] = _every_node_function(self)
        values: tuple[tuple[bool, ...], tuple[bool, ...]] = every_node(facts)
        return values

    def fired(self, facts: Mapping[str, Any]) -> list[str]:
        """The ids of the rules whose condition holds, in ruleset order."""
        return list(compress(self.rule_ids, self.function(facts)))

    def fired_positions(self, facts: Mapping[str, Any]) -> list[int]:
        """The positions of the rules whose condition holds, in ruleset order."""
        return list(compress(range(len(self.roots)), self.function(facts)))

    def root_values(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """Each rule's root value in these per-node values (of one run, or the gap pass), in ruleset order."""
        found: tuple[Any, ...] = self._root_values(values)
        return found

    def fired_indexes(self, values: tuple[object, ...]) -> list[int]:
        """The positions of the rules whose root is true in these per-node values (of one run, or the gap pass)."""
        return list(compress(range(len(self.roots)), self._root_values(values)))


def _number(conditions: Sequence[Node]) -> tuple[list[Node], list[tuple[int, ...]], list[int], list[int], list[int]]:
    """Depth-first numbering: each rule's nodes form the run roots[i] .. ends[i] - 1."""
    nodes: list[Node] = []
    kids: list[list[int]] = []
    parents: list[int] = []
    roots, ends = [], []
    for condition in conditions:
        roots.append(len(nodes))
        stack: list[tuple[Node, int]] = [(condition, -1)]
        while stack:
            node, parent = stack.pop()
            k = len(nodes)
            nodes.append(node)
            kids.append([])
            parents.append(parent)
            if parent >= 0:
                kids[parent].append(k)
            items = (node.item,) if isinstance(node, NotOf) else () if isinstance(node, Compare) else node.items
            stack.extend((item, k) for item in reversed(items))
        ends.append(len(nodes))
    children = [tuple(found) for found in kids]
    return nodes, children, parents, roots, ends


def _value(node: Node, kids: list[int], variables: Mapping[str, str], items: list[ast.expr] | None = None) -> ast.expr:
    """One node's expression over its items (by default the variables `t<slot>` of its distinct children)."""
    if isinstance(node, Compare):
        return g.comparison(node, variables[node.fact])
    values = items if items is not None else [g.name(f"t{k}") for k in kids]
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


def _every_node_function(plan: Plan) -> Callable[..., Any]:
    """function(facts): (every distinct node's value, which facts were unanswered), computed straight through."""
    body, variables = g.hoist_facts(plan.facts)
    for s, (node, kids) in enumerate(zip(plan.slot_nodes, plan.slot_children, strict=True)):
        body.append(g.assign(f"t{s}", _value(node, list(kids), variables)))
    values = g.at(ast.Tuple([g.name(f"t{s}") for s in range(len(plan.slot_nodes))], g.LOAD))
    unanswered = g.at(ast.Tuple([g.is_missing(variables[fact], kind) for fact, kind in plan.facts], g.LOAD))
    body.append(g.at(ast.Return(g.at(ast.Tuple([values, unanswered], g.LOAD)))))
    return g.build_function("rule_conditions", body, "<ruleset conditions>")


def _roots_function(
    facts: list[tuple[str, str]], slot_nodes: list[Node], slot_children: list[tuple[int, ...]], root_slots: list[int]
) -> Callable[..., Any]:
    """function(facts): each rule's root value. A node read in one place only is written inside its reader, so
    Python's short cuts skip it when they can; a node read in several (or the root of several rules) is computed once
    first. Every node is a bool and has no side effect, so skipping one never changes a value."""
    body, variables = g.hoist_facts(facts)
    readers = [0] * len(slot_nodes)
    for kids in slot_children:
        for c in kids:
            readers[c] += 1
    for r in root_slots:
        readers[r] += 1

    def expression(s: int) -> ast.expr:
        kids = slot_children[s]
        return _value(slot_nodes[s], list(kids), variables, [g.name(f"t{c}") if readers[c] > 1 else expression(c) for c in kids])

    for s in range(len(slot_nodes)):  # a node's items have lower slots, so each shared one is ready when read
        if readers[s] > 1:
            body.append(g.assign(f"t{s}", expression(s)))
    roots = [g.name(f"t{r}") if readers[r] > 1 else expression(r) for r in root_slots]
    body.append(g.at(ast.Return(g.at(ast.Tuple(roots, g.LOAD)))))
    return g.build_function("rule_roots", body, "<ruleset rules>")


def compile_plan(rules: Sequence[tuple[str, Node]], kinds: Mapping[str, str]) -> Plan:
    """Number the nodes of these (rule id, condition) pairs and generate the function deciding which rules fire."""
    nodes, children, parents, roots, ends = _number([condition for _, condition in rules])
    facts = g.ordered_facts(nodes, kinds)
    slots: dict[Any, int] = {}  # structural key of a distinct node -> its slot
    slot = [0] * len(nodes)
    slot_nodes: list[Node] = []
    slot_children: list[tuple[int, ...]] = []
    slot_facts: list[frozenset[str]] = []
    for k in reversed(range(len(nodes))):  # children are numbered after their parent, so come first here
        node = nodes[k]
        kids = tuple(slot[c] for c in children[k])
        # Comparisons are keyed by their fields (equal exactly when the nodes are; a plain tuple hashes in C), groups
        # by kind and the distinct nodes they combine.
        key = (
            (Compare, node.fact, node.kind, node.op, node.value, node.params)
            if isinstance(node, Compare)
            else (type(node), getattr(node, "n", 0), kids)
        )
        if key not in slots:
            slots[key] = len(slots)
            slot_nodes.append(node)
            slot_children.append(kids)
            slot_facts.append(
                frozenset([node.fact]) if isinstance(node, Compare) else frozenset().union(*(slot_facts[c] for c in kids))
            )
        slot[k] = slots[key]
    reading: dict[str, list[int]] = {}
    for s, read in enumerate(slot_facts):
        for fact in read:
            reading.setdefault(fact, []).append(s)
    root_slots = [slot[r] for r in roots]
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
        function=_roots_function(facts, slot_nodes, slot_children, root_slots),
        _root_values=_root_picker(root_slots),
    )
