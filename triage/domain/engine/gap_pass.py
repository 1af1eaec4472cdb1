"""The three-valued (Kleene) pass as one generated function: which conditions hang on a blank, and on which blanks.

For every distinct node the function works out two booleans: `lo` (true whatever the blanks would have
been) and `hi` (true for some answer to the blanks). A comparison on a blank fact has lo false and hi
true; a node is undecided when hi holds and lo does not. `all`, `any` and `at least n` combine the los
and the his the way they combine values, and `not` swaps them, which is Kleene's logic with the codes
0/1/2 of outcomes.py read as lo + hi. Alongside, each node gets a bit set of the blank facts it still
depends on (0 when it is decided): a blank fact's bit for its comparisons, the union of the children's
for a group that is undecided. Built the first time a plan meets a blank, then kept with the plan.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from triage.domain.engine import codegen as g
from triage.domain.engine.nodes import AtLeast, Compare
from triage.domain.engine.plan import OP_ALL, OP_ANSWERED, OP_ANY, OP_COMPARE, OP_NOT, Plan

GapFunction = Callable[[tuple[bool, ...], tuple[int, ...]], tuple[int, ...]]


@dataclass(frozen=True)
class GapPass:
    """One plan's generated pass, and the position of each fact in the bit sets it returns."""

    function: GapFunction
    positions: dict[str, int]
    fact_ids: tuple[str, ...]

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
        found = []
        while bits:
            low = bits & -bits
            found.append(self.fact_ids[low.bit_length() - 1])
            bits ^= low
        return frozenset(found)


def _unpack(prefix: str, count: int, source: str) -> ast.stmt:
    """`prefix0, prefix1, ... = source`: one unpacking is far cheaper than a subscript per item."""
    targets = g.at(ast.Tuple([g.at(ast.Name(f"{prefix}{i}", g.STORE)) for i in range(count)], g.STORE))
    return g.at(ast.Assign([targets], g.name(source)))


def _combine(op: int, parts: list[ast.expr], n: int) -> ast.expr:
    if op == OP_ALL:
        return g.boolean(g.AND, parts)
    if op == OP_ANY:
        return g.boolean(g.OR, parts)
    return g.compare(g.total(parts), ast.GtE(), g.const(n))


def build_gap_pass(plan: Plan) -> GapPass:
    """Generate the pass for a plan (use `gap_pass` for the one kept with the plan)."""
    positions = {fact: i for i, (fact, _) in enumerate(plan.facts)}
    body: list[ast.stmt] = []
    count = len(plan.slot_nodes)
    if count:
        body.append(_unpack("t", count, "values"))
    if positions:
        body.append(_unpack("B", len(positions), "bits"))
    blank_flags: set[int] = set()
    lo: list[str] = []
    hi: list[str] = []
    reach: list[str | None] = []  # None: no comparison below, so never undecided and lo = hi = the value
    for s in range(count):
        op, kids = plan.slot_ops[s], plan.slot_children[s]
        if op == OP_ANSWERED:
            lo.append(f"t{s}")
            hi.append(f"t{s}")
            reach.append(None)
            continue
        if op == OP_COMPARE:
            node = plan.slot_nodes[s]
            if not isinstance(node, Compare):
                raise TypeError("a comparison slot holds a group")
            i = positions[node.fact]
            if i not in blank_flags:
                blank_flags.add(i)
                body.append(g.assign(f"b{i}", g.compare(g.name(f"B{i}"), ast.NotEq(), g.const(0))))
            body.append(g.assign(f"l{s}", g.boolean(g.AND, [g.name(f"t{s}"), g.negate(g.name(f"b{i}"))])))
            body.append(g.assign(f"h{s}", g.boolean(g.OR, [g.name(f"t{s}"), g.name(f"b{i}")])))
            lo.append(f"l{s}")
            hi.append(f"h{s}")
            reach.append(f"B{i}")
            continue
        below = [reach[c] for c in kids if reach[c] is not None]
        if not below:
            lo.append(f"t{s}")
            hi.append(f"t{s}")
            reach.append(None)
            continue
        if op == OP_NOT:
            body.append(g.assign(f"l{s}", g.negate(g.name(hi[kids[0]]))))
            body.append(g.assign(f"h{s}", g.negate(g.name(lo[kids[0]]))))
            lo.append(f"l{s}")
            hi.append(f"h{s}")
            reach.append(below[0])
            continue
        node = plan.slot_nodes[s]
        n = node.n if isinstance(node, AtLeast) else 0
        body.append(g.assign(f"l{s}", _combine(op, [g.name(lo[c]) for c in kids], n)))
        body.append(g.assign(f"h{s}", _combine(op, [g.name(hi[c]) for c in kids], n)))
        lo.append(f"l{s}")
        hi.append(f"h{s}")
        union = g.name(below[0])
        for other in below[1:]:
            union = g.arithmetic(union, ast.BitOr(), g.name(other))
        undecided = g.boolean(g.AND, [g.name(f"h{s}"), g.negate(g.name(f"l{s}"))])
        body.append(g.assign(f"r{s}", g.at(ast.IfExp(undecided, union, g.const(0)))))
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
