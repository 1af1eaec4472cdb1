"""The condition language: validated tree nodes, built from YAML-shaped data and checked against the data dictionary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage.domain.engine.facts import BOOLEAN, CHOICE, DATE, KIND_WORDS, MULTI, NUMBER, TABLE, TEXT, Fact
from triage.domain.engine.nodes import AllOf, AnyOf, AtLeast, Compare, Node, NotOf, facts_read
from triage.domain.engine.schema import Parameter, number_text_problem
from triage.domain.errors import ProblemList, did_you_mean, line_of

# The node types are imported from here by older callers (the property tests among them).
__all__ = [
    "ALLOWED",
    "COMBINATORS",
    "CONDITION_KEYS",
    "MAX_CONDITION_DEPTH",
    "OPERATORS",
    "AllOf",
    "AnyOf",
    "AtLeast",
    "Compare",
    "ConditionReader",
    "Node",
    "NotOf",
    "Where",
    "facts_read",
]

MAX_CONDITION_DEPTH = 16
COMBINATORS = ("all", "any", "not", "at_least")
OPERATORS = ("equals", "one_of", "includes", "gte", "lte", "between", "answered", "unanswered")
CONDITION_KEYS = COMBINATORS + OPERATORS + ("question",)
ALLOWED = {
    NUMBER: ("equals", "one_of", "gte", "lte", "between", "answered", "unanswered"),
    CHOICE: ("equals", "one_of", "answered", "unanswered"),
    MULTI: ("includes", "answered", "unanswered"),
    BOOLEAN: ("equals", "answered", "unanswered"),
    DATE: ("answered", "unanswered"),
    TEXT: (),
    TABLE: (),
}
# The same as sets, for the membership tests made on every node of every rule.
_KEY_SET, _OPERATOR_SET = frozenset(CONDITION_KEYS), frozenset(OPERATORS)
_ALLOWED_SETS = {kind: frozenset(ops) for kind, ops in ALLOWED.items()}


class Where:
    """Where a piece of a condition sits in its file; the line is only looked up when a problem is reported."""

    __slots__ = ("container", "key", "outer")

    def __init__(self, container: Any, key: Any = None, outer: Where | None = None):
        self.container, self.key, self.outer = container, key, outer

    def line(self) -> int | None:
        """The best known source line."""
        found = line_of(self.container, self.key) if self.key is not None else None
        found = found or line_of(self.container)
        return found if found is not None or self.outer is None else self.outer.line()


class ConditionReader:
    """Turns one rule's `when` data into nodes, recording every problem with its line."""

    def __init__(self, facts: Mapping[str, Fact], parameters: Mapping[str, Parameter], problems: ProblemList, rule: str | None):
        self.facts = facts
        self.parameters = parameters
        self.problems = problems
        self.rule = rule
        self.used_parameters: set[str] = set()

    def fail(self, message: str, where: Where) -> None:
        """Record one problem in this rule."""
        self.problems.add(message, where.line(), self.rule)

    def read(self, raw: Any, where: Where, depth: int = 1) -> Node | None:
        """Read one condition (None when it has problems)."""
        if depth > MAX_CONDITION_DEPTH:
            self.fail(f"the condition is nested more than {MAX_CONDITION_DEPTH} levels deep; simplify it", where)
            return None
        if not isinstance(raw, dict) or not raw:
            self.fail("the condition is empty or not a mapping; start it with all, any, not, at_least or question", where)
            return None
        here = Where(raw, None, where)
        unknown = [k for k in raw if k not in _KEY_SET]
        for key in unknown:
            self.fail(
                f"'{key}' is not part of the condition language.{did_you_mean(key, CONDITION_KEYS)}", Where(raw, key, where)
            )
        if unknown:
            return None
        if "question" in raw:
            return self._compare(raw, here)
        if len(raw) != 1:
            self.fail(
                f"write one of {', '.join(COMBINATORS)} per condition, not {', '.join(map(str, raw))} together;"
                " nest them instead",
                here,
            )
            return None
        key, body = next(iter(raw.items()))
        inside = Where(raw, key, where)
        if key not in COMBINATORS:
            self.fail(f"'{key}' needs a 'question' to compare", inside)
            return None
        if key == "not":
            if isinstance(body, list):
                self.fail("'not' takes one condition; to negate several, put them under 'all' or 'any' inside 'not'", inside)
                return None
            item = self.read(body, inside, depth + 1)
            return NotOf(item) if item is not None else None
        if key == "at_least":
            return self._at_least(body, inside, depth)
        items = self._items(body, inside, key, depth)
        if items is None:
            return None
        return AllOf(items) if key == "all" else AnyOf(items)

    def _items(self, body: Any, where: Where, key: str, depth: int) -> tuple[Node, ...] | None:
        if not isinstance(body, list) or not body:
            self.fail(f"'{key}' needs a non-empty list of conditions", where)
            return None
        nodes = [self.read(item, Where(body, i, where), depth + 1) for i, item in enumerate(body)]
        return None if any(n is None for n in nodes) else tuple(n for n in nodes if n is not None)

    def _at_least(self, body: Any, where: Where, depth: int) -> Node | None:
        if not isinstance(body, dict) or set(body) != {"n", "of"}:
            self.fail("'at_least' needs exactly two fields: n (a whole number) and of (a list of conditions)", where)
            return None
        n = body["n"]
        items = self._items(body["of"], Where(body, "of", where), "at_least ... of", depth)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            self.fail("'n' in at_least must be a whole number of 1 or more", Where(body, "n", where))
            return None
        if items is None:
            return None
        if n > len(items):
            self.fail(f"at_least asks for {n} of only {len(items)} conditions, so it can never be true", where)
            return None
        return AtLeast(n, items)

    def _compare(self, raw: dict[str, Any], where: Where) -> Node | None:
        fact_id = raw["question"]
        ops = [k for k in raw if k != "question"]
        if len(ops) != 1 or ops[0] not in _OPERATOR_SET:
            self.fail(f"a comparison needs 'question' and exactly one of: {', '.join(OPERATORS)}", where)
            return None
        op = ops[0]
        fact = self.facts.get(fact_id) if isinstance(fact_id, str) else None
        if fact is None:
            self.fail(
                f"'{fact_id}' is not a question in the data dictionary, nor a derived fact.{did_you_mean(fact_id, self.facts)}",
                Where(raw, "question", where),
            )
            return None
        at = Where(raw, op, where)
        if op not in _ALLOWED_SETS[fact.kind]:
            self.fail(self._wrong_operator(fact, op), at)
            return None
        params: list[str] = []
        value = self._value(fact, op, raw[op], at, params)
        if value is _BAD:
            return None
        return Compare(fact.id, fact.kind, op, value, tuple(params))

    def _wrong_operator(self, fact: Fact, op: str) -> str:
        if fact.kind == TEXT:
            return f"'{fact.id}' is free text: it is shown to the clinician and never read by rules"
        if fact.kind == TABLE:
            return (
                f"'{fact.id}' is a table (rows such as a list of medicines): it is shown to the clinician and never read by rules"
            )
        if op in ("gte", "lte", "between") and fact.kind in (CHOICE, MULTI):
            choices = ", ".join(fact.choices)
            instead = "one_of" if fact.kind == CHOICE else "includes"
            return (
                f"'{fact.id}' is {KIND_WORDS[fact.kind]} (one of: {choices}), so it cannot be compared with a number"
                f" using '{op}'; use {instead} with the choices instead"
            )
        if fact.kind == MULTI:
            return f"'{fact.id}' is {KIND_WORDS[MULTI]}; use 'includes' for one choice, inside 'any' or 'all' for several"
        if fact.kind == CHOICE and op == "includes":
            return f"'{fact.id}' is {KIND_WORDS[CHOICE]}; use 'equals' or 'one_of', not 'includes'"
        allowed = ", ".join(ALLOWED[fact.kind])
        return f"'{op}' cannot be used with '{fact.id}', which is {KIND_WORDS[fact.kind]}; use one of: {allowed}"

    def _value(self, fact: Fact, op: str, raw: Any, where: Where, params: list[str]) -> Any:
        if op in ("answered", "unanswered"):
            if raw is not True:
                self.fail(f"write '{op}: true'", where)
                return _BAD
            return True
        if op == "between":
            if not isinstance(raw, list) or len(raw) != 2:
                self.fail("'between' needs a list of two numbers, lowest first, e.g. between: [15, 30]", where)
                return _BAD
            low, high = (self._scalar(fact, item, Where(raw, i, where), params) for i, item in enumerate(raw))
            if low is _BAD or high is _BAD:
                return _BAD
            if low > high:
                self.fail(f"'between' runs from {low} to {high}: put the lower number first", where)
                return _BAD
            return self._in_range(fact, (low, high), where)
        if op == "one_of":
            if not isinstance(raw, list) or not raw:
                self.fail("'one_of' needs a non-empty list of values", where)
                return _BAD
            values = tuple(self._scalar(fact, item, Where(raw, i, where), params) for i, item in enumerate(raw))
            return _BAD if any(v is _BAD for v in values) else values
        value = self._scalar(fact, raw, where, params)
        if value is _BAD or fact.kind != NUMBER:
            return value
        bounds = (value, fact.maximum) if op == "gte" else (fact.minimum, value) if op == "lte" else (value, value)
        return value if self._in_range(fact, bounds, where) is not _BAD else _BAD

    def _in_range(self, fact: Fact, bounds: tuple[Any, Any], where: Where) -> Any:
        low, high = bounds
        if fact.maximum is not None and low is not None and low > fact.maximum:
            self.fail(f"'{fact.id}' goes up to {fact.maximum:g} at most, so a test for {low:g} or more can never be true", where)
            return _BAD
        if fact.minimum is not None and high is not None and high < fact.minimum:
            self.fail(f"'{fact.id}' is never below {fact.minimum:g}, so a test for {high:g} or less can never be true", where)
            return _BAD
        return bounds

    def _scalar(self, fact: Fact, raw: Any, where: Where, params: list[str]) -> Any:
        if isinstance(raw, dict):
            return self._parameter(fact, raw, where, params)
        if fact.kind == NUMBER:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                overlong = number_text_problem(raw) if isinstance(raw, str) else None
                self.fail(
                    overlong
                    or f"'{fact.id}' is a number ({fact.unit or 'no unit'}), but the rule compares it with the word '{raw}'",
                    where,
                )
                return _BAD
            return raw
        if fact.kind == BOOLEAN:
            if not isinstance(raw, bool):
                self.fail(f"'{fact.id}' is {KIND_WORDS[BOOLEAN]}; compare it with true or false, not '{raw}'", where)
                return _BAD
            return raw
        if isinstance(raw, int) and not isinstance(raw, bool) and str(raw) in fact.choices:
            raw = str(raw)  # choices such as Bristol types are words that look like numbers
        if not isinstance(raw, str):
            self.fail(
                f"'{fact.id}' is {KIND_WORDS[fact.kind]};"
                f" compare it with one of its choices ({', '.join(fact.choices)}), not with {raw!r}",
                where,
            )
            return _BAD
        if raw not in fact.choices:
            self.fail(
                f"'{fact.id}' does not offer the choice '{raw}'.{did_you_mean(raw, fact.choices)}"
                f" Its choices are: {', '.join(fact.choices)}",
                where,
            )
            return _BAD
        return raw

    def _parameter(self, fact: Fact, raw: dict[str, Any], where: Where, params: list[str]) -> Any:
        name = raw.get("param")
        if set(raw) != {"param"} or not isinstance(name, str):
            self.fail("a value written as a mapping must be {param: name_of_a_parameter}", where)
            return _BAD
        parameter = self.parameters.get(name)
        if parameter is None:
            self.fail(f"the parameter '{name}' is not declared in ruleset.yaml.{did_you_mean(name, self.parameters)}", where)
            return _BAD
        self.used_parameters.add(name)
        if fact.kind != NUMBER:
            self.fail(f"the parameter '{name}' is a number, but '{fact.id}' is {KIND_WORDS[fact.kind]}", where)
            return _BAD
        params.append(name)
        return parameter.value


class _Bad:
    def __repr__(self) -> str:
        return "<invalid>"


_BAD: Any = _Bad()
