"""The three-valued (Kleene) pass as one generated function: which conditions hang on a blank, and on which blanks.

For every distinct node the function works out one number: the bit set of the blank facts its outcome
still depends on, 0 when it is decided. That is all the Kleene codes of outcomes.py need: a decided node's
outcome is the value the plan computed (blanks read as unanswered), and an undecided node is true for some
answer to the blanks and false for another. A comparison hangs on its fact's bit when that fact is blank;
`not` hangs on what its item hangs on; `all` stays undecided while no item is known false and `any` while
no item is known true (an item is known when its bit set is 0), `at least n` while n true items are
possible but not certain; an undecided group depends on the union of its items' bit sets. Built the first
time a plan meets a blank, then kept with the plan.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from triage.domain.engine import codegen as g
from triage.domain.engine.nodes import AtLeast, Compare
from triage.domain.engine.plan import OP_ALL, OP_ANSWERED, OP_ANY, OP_COMPARE, OP_NOT, Plan

GapFunction = Callable[[tuple[bool, ...], tuple[int, ...]], tuple[int, ...]]
DECODED_LIMIT = 50_000  # decoded bit sets kept per plan


@dataclass(frozen=True)
class GapPass:
    """One plan's generated pass, and the position of each fact in the bit sets it returns."""

    function: GapFunction
    positions: dict[str, int]
    fact_ids: tuple[str, ...]
    # Bit sets already decoded: the same rules hang on the same blanks intake after intake.
    decoded: dict[int, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def reach(self, values: tuple[bool, ...], blank_facts: Iterable[str]) -> tuple[int, ...]:
        """Per distinct node, the bit set of the blank facts it still depends on (0: decided)."""
        positions = self.positions
        bits = [0] * len(self.fact_ids)
        for fact in blank_facts:
            i = positions[fact]
            bits[i] = 1 << i
        return self.function(values, tuple(bits))

    def facts_of(self, bits: int) -> frozenset[str]:
        """The fact ids of a bit set."""
        known = self.decoded.get(bits)
        if known is not None:
            return known
        found, rest = [], bits
        while rest:
            low = rest & -rest
            found.append(self.fact_ids[low.bit_length() - 1])
            rest ^= low
        facts = frozenset(found)
        if len(self.decoded) < DECODED_LIMIT:  # a rebuild by a racing thread is harmless
            self.decoded[bits] = facts
        return facts


def _unpack(prefix: str, count: int, source: str) -> ast.stmt:
    """`prefix0, prefix1, ... = source`: one unpacking is far cheaper than a subscript per item."""
    targets = g.at(ast.Tuple([g.at(ast.Name(f"{prefix}{i}", g.STORE)) for i in range(count)], g.STORE))
    return g.at(ast.Assign([targets], g.name(source)))


def _kid(value: str, reach: str | None, known_true: bool) -> ast.expr:
    """A child as a bool: known true (`t and not r`) or possibly true (`t or r != 0`); its value when never undecided."""
    if reach is None:
        return g.name(value)
    if known_true:
        return g.boolean(g.AND, [g.name(value), g.negate(g.name(reach))])
    return g.boolean(g.OR, [g.name(value), g.compare(g.name(reach), ast.NotEq(), g.const(0))])


def _open(op: int, n: int, kids: tuple[int, ...], reach: list[str | None]) -> ast.expr:
    """Whether a group with an undecided child stays undecided: no child decides it (at_least: n reachable, not reached)."""
    if op in (OP_ALL, OP_ANY):  # `all`: no child known false; `any`: no child known true
        parts = []
        for c in kids:
            value = g.name(f"t{c}") if op == OP_ALL else g.negate(g.name(f"t{c}"))
            r = reach[c]
            parts.append(value if r is None else g.boolean(g.OR, [value, g.name(r)]))
        return g.boolean(g.AND, parts)
    known = g.compare(g.total([_kid(f"t{c}", reach[c], True) for c in kids]), ast.GtE(), g.const(n))
    possible = g.compare(g.total([_kid(f"t{c}", reach[c], False) for c in kids]), ast.GtE(), g.const(n))
    return g.boolean(g.AND, [possible, g.negate(known)])


def build_gap_pass(plan: Plan) -> GapPass:
    """Generate the pass for a plan (use `gap_pass` for the one kept with the plan)."""
    positions = {fact: i for i, (fact, _) in enumerate(plan.facts)}
    body: list[ast.stmt] = []
    count = len(plan.slot_nodes)
    if count:
        body.append(_unpack("t", count, "values"))
    if positions:
        body.append(_unpack("B", len(positions), "bits"))
    reach: list[str | None] = []  # None: no comparison below, so never undecided
    for s in range(count):
        op, kids = plan.slot_ops[s], plan.slot_children[s]
        node = plan.slot_nodes[s]
        if op == OP_COMPARE:
            if not isinstance(node, Compare):
                raise TypeError("a comparison slot holds a group")
            reach.append(f"B{positions[node.fact]}")  # undecided exactly when its fact is blank
            continue
        below = list(dict.fromkeys(r for c in kids if (r := reach[c]) is not None))  # each blank's bits once
        if op == OP_ANSWERED or not below:
            reach.append(None)
            continue
        if op == OP_NOT:
            reach.append(below[0])  # `not` hangs on what its item hangs on
            continue
        union = g.name(below[0])
        for other in below[1:]:
            union = g.arithmetic(union, ast.BitOr(), g.name(other))
        # Mostly no child hangs on a blank (the union is 0) and the test below is skipped.
        body.append(g.assign(f"r{s}", union))
        n = node.n if isinstance(node, AtLeast) else 0
        closed = g.negate(_open(op, n, kids, reach))
        reset = g.at(ast.If(g.boolean(g.AND, [g.name(f"r{s}"), closed]), [g.assign(f"r{s}", g.const(0))], []))
        body.append(reset)
        reach.append(f"r{s}")
    result = g.at(ast.Tuple([g.const(0) if r is None else g.name(r) for r in reach], g.LOAD))
    body.append(g.at(ast.Return(result)))
    function = g.build_function("rule_gaps", body, "<ruleset gaps>", ("values", "bits"))
    return GapPass(function, positions, tuple(fact for fact, _ in plan.facts))


def gap_pass(plan: Plan) -> GapPass:
    """The plan's generated pass, built on first use and kept with the plan (a rebuild by a racing thread is harmless)."""
    found = plan.cache.get("gap_pass")
    if not isinstance(found, GapPass):
        found = plan.cache["gap_pass"] = build_gap_pass(plan)
    return found
