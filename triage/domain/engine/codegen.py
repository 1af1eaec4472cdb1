"""Building Python functions node by node with `ast` from validated conditions (shared by both evaluation paths).

Rule text never becomes source code: every fact id, choice, number and rule id enters the tree
as an `ast.Constant`, and the code object becomes a function through `types.FunctionType`
(no eval, no exec). Each fact is looked up and type-checked once per intake. An unanswered
number becomes NaN and an unanswered tick-list becomes (), so comparisons need no None checks:
every comparison with NaN is false and nothing is `in ()`.
"""

from __future__ import annotations

import ast
import functools
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from triage.domain.engine.facts import BOOLEAN, MULTI, NUMBER
from triage.domain.engine.nodes import Compare

NAN = float("nan")


# Handed to generated functions as default arguments: fast locals, and no builtins are needed.
HELPERS = (
    ("_int", int),
    ("_float", float),
    ("_list", list),
    ("_str", str),
    ("_bool", bool),
    ("_nan", NAN),
)
LOAD, STORE = ast.Load(), ast.Store()
AND, OR, NOT, ADD = ast.And(), ast.Or(), ast.Not(), ast.Add()
_MISSING = {NUMBER: "_nan", MULTI: "()"}


Located = TypeVar("Located", bound=ast.AST)


def at(node: Located) -> Located:
    """Give a node the (dummy) position compile() needs; far cheaper than ast.fix_missing_locations."""
    # Statements, expressions and arguments carry these fields; the AST base class does not declare them.
    node.lineno, node.col_offset = 1, 0  # type: ignore[attr-defined]
    return node


@functools.lru_cache(maxsize=16_384)
def name(identifier: str) -> ast.expr:
    """A variable read (or the empty tuple for the marker '()').

    Kept per identifier: compile() reads a node object wherever it appears, so one read of `t12` serves
    every expression that reads it, and a ruleset's thousands of reads cost one node each.
    """
    if identifier == "()":
        return at(ast.Tuple([], LOAD))
    return at(ast.Name(identifier, LOAD))


def const(value: Any) -> ast.expr:
    """A constant taken from validated rule data."""
    return at(ast.Constant(value))


def compare(left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.expr:
    """A single comparison."""
    return at(ast.Compare(left, [op], [right]))


def boolean(op: ast.boolop, values: list[ast.expr]) -> ast.expr:
    """`and`/`or` over the values (the value itself when there is only one)."""
    return at(ast.BoolOp(op, values)) if len(values) > 1 else values[0]


def negate(value: ast.expr) -> ast.expr:
    """`not value`."""
    return at(ast.UnaryOp(NOT, value))


def arithmetic(left: ast.expr, op: ast.operator, right: ast.expr) -> ast.expr:
    """`left op right`."""
    return at(ast.BinOp(left, op, right))


def total(values: list[ast.expr]) -> ast.expr:
    """The sum of the values (bools count as 0 and 1)."""
    result = values[0]
    for value in values[1:]:
        result = arithmetic(result, ADD, value)
    return result


def assign(variable: str, value: ast.expr) -> ast.stmt:
    """`variable = value`."""
    return at(ast.Assign([at(ast.Name(variable, STORE))], value))


def call(function: str, *arguments: ast.expr) -> ast.expr:
    """`function(arguments...)`."""
    return at(ast.Call(name(function), list(arguments), []))


def attribute(value: ast.expr, attr: str) -> ast.expr:
    """`value.attr`."""
    return at(ast.Attribute(value, attr, LOAD))


def missing_marker(kind: str) -> ast.expr:
    """What an unanswered fact of this kind holds in generated code."""
    return name(_MISSING[kind]) if kind in _MISSING else const(None)


def _class_is(variable: str, helper: str) -> ast.expr:
    return compare(attribute(name(variable), "__class__"), ast.Is(), name(helper))


def _fits(variable: str, kind: str) -> ast.expr:
    """The type check deciding whether a looked-up value counts as answered (the rule of value_fits)."""
    if kind == NUMBER:
        return boolean(ast.Or(), [_class_is(variable, "_int"), _class_is(variable, "_float")])
    if kind == MULTI:
        return boolean(ast.And(), [_class_is(variable, "_list"), name(variable)])
    if kind == BOOLEAN:
        return _class_is(variable, "_bool")
    return boolean(ast.And(), [_class_is(variable, "_str"), compare(name(variable), ast.NotEq(), const(""))])


def hoist_facts(facts: Iterable[tuple[str, str]]) -> tuple[list[ast.stmt], dict[str, str]]:
    """Statements that look up and type-check each fact once; returns them and the variable of each fact."""
    body: list[ast.stmt] = [assign("_get", attribute(name("facts"), "get"))]
    variables: dict[str, str] = {}
    for fact, kind in facts:
        variable = variables[fact] = f"v{len(variables)}"
        body.append(assign(variable, call("_get", const(fact))))
        body.append(assign(variable, at(ast.IfExp(_fits(variable, kind), name(variable), missing_marker(kind)))))
    return body, variables


def is_missing(variable: str, kind: str) -> ast.expr:
    """True when the fact held in `variable` was unanswered."""
    return compare(name(variable), ast.Eq() if kind == MULTI else ast.Is(), missing_marker(kind))


def comparison(node: Compare, variable: str) -> ast.expr:
    """The expression for one comparison on the fact held in `variable`."""
    op, value, v = node.op, node.value, name(variable)
    if op == "answered":
        return negate(is_missing(variable, node.kind))
    if op == "unanswered":
        return is_missing(variable, node.kind)
    if op == "equals":
        return compare(v, ast.Is() if node.kind == BOOLEAN else ast.Eq(), const(value))
    if op == "one_of":
        return compare(v, ast.In(), const(tuple(value)))
    if op == "includes":
        return compare(const(value), ast.In(), v)
    if op == "gte":
        return compare(v, ast.GtE(), const(value))
    if op == "lte":
        return compare(v, ast.LtE(), const(value))
    low, high = value
    return at(ast.Compare(const(low), [ast.LtE(), ast.LtE()], [v, const(high)]))


def build_function(
    function_name: str,
    body: list[ast.stmt],
    label: str,
    inputs: tuple[str, ...] = ("facts",),
    options: tuple[tuple[str, Any], ...] = (),
) -> Callable[..., Any]:
    """Compile `def function_name(<inputs>, <options>=..., <helpers>): body` into a function without builtins."""
    defaults = (*options, *HELPERS)
    parameters = [*(at(ast.arg(i)) for i in inputs), *(at(ast.arg(helper)) for helper, _ in defaults)]
    arguments = ast.arguments(posonlyargs=[], args=parameters, kwonlyargs=[], kw_defaults=[], defaults=[])
    definition = at(ast.FunctionDef(function_name, arguments, body, [], None))
    code = compile(ast.Module(body=[definition], type_ignores=[]), label, "exec")
    function_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    return types.FunctionType(function_code, {"__builtins__": {}}, function_name, tuple(value for _, value in defaults))


def ordered_facts(nodes: Iterable[Any], kinds: Mapping[str, str]) -> list[tuple[str, str]]:
    """(fact, kind) for every fact the comparisons among these nodes read, in first-use order."""
    seen: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, Compare) and node.fact not in seen:
            seen[node.fact] = kinds.get(node.fact, node.kind)
    return list(seen.items())
