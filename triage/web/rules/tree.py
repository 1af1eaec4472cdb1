"""A rule's condition tree as nested form rows (no JavaScript): rows to tree, tree to rows, and row edits (add, remove)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from triage.domain.engine.conditions import COMBINATORS, MAX_CONDITION_DEPTH, OPERATORS
from triage.domain.engine.schema import MAX_DIGITS

ROOT = "r"
MAX_ROWS = 200
PATH = re.compile(r"^r(\.\d{1,3}){0," + str(MAX_CONDITION_DEPTH) + r"}$")
NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")
GROUP_KINDS = COMBINATORS
ROW_KINDS = (*COMBINATORS, "compare")


@dataclass
class Row:
    """One condition row as the form shows it; every value is text, exactly as typed or chosen."""

    path: str
    kind: str
    n: str = ""
    question: str = ""
    op: str = ""
    value: str = ""
    values: list[str] = field(default_factory=list)
    low: str = ""
    high: str = ""
    param: str = ""
    low_param: str = ""
    high_param: str = ""

    @property
    def depth(self) -> int:
        """How deep the row is nested (0 for the top condition)."""
        return self.path.count(".")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _scalar_into(row: Row, raw: Any, number_slot: str, param_slot: str) -> None:
    if isinstance(raw, Mapping) and "param" in raw:
        setattr(row, param_slot, _text(raw.get("param")))
    else:
        setattr(row, number_slot, _text(raw))


def rows_from_tree(node: Any, path: str = ROOT) -> list[Row]:
    """The rows of a condition tree, depth first (YAML-shaped data in, form rows out)."""
    if not isinstance(node, Mapping) or not node:
        return [Row(path, "compare")]
    if "question" in node:
        ops = [k for k in node if k != "question"]
        op = ops[0] if ops else ""
        row = Row(path, "compare", question=_text(node.get("question")), op=op)
        raw = node.get(op)
        if op == "between" and isinstance(raw, list) and len(raw) == 2:
            _scalar_into(row, raw[0], "low", "low_param")
            _scalar_into(row, raw[1], "high", "high_param")
        elif op == "one_of" and isinstance(raw, list):
            row.values = [_text(v) for v in raw]
            row.value = ", ".join(row.values)
        elif op not in ("answered", "unanswered"):
            _scalar_into(row, raw, "value", "param")
        return [row]
    kind, body = next(iter(node.items()))
    if kind == "not":
        return [Row(path, "not"), *rows_from_tree(body, f"{path}.0")]
    items: list[Any] = []
    if kind == "at_least" and isinstance(body, Mapping):
        listed = body.get("of")
        items = listed if isinstance(listed, list) else []
        rows = [Row(path, "at_least", n=_text(body.get("n")))]
    else:
        items = body if isinstance(body, list) else []
        rows = [Row(path, kind if kind in GROUP_KINDS else "all")]
    for i, item in enumerate(items):
        rows += rows_from_tree(item, f"{path}.{i}")
    return rows


def rows_from_form(form: Any) -> list[Row] | None:
    """The rows posted with a rule form, in tree order; None when the posted structure is not a valid tree."""
    paths = form.getlist("node") if hasattr(form, "getlist") else []
    if not paths or len(paths) > MAX_ROWS or len(set(paths)) != len(paths) or paths[0] != ROOT:
        return None
    rows = []
    for path in paths:
        if not PATH.match(path) or (path != ROOT and path.rsplit(".", 1)[0] not in paths):
            return None
        kind = form.get(f"c-{path}-kind", "compare")
        if kind not in ROW_KINDS:
            return None

        def get(name: str, path: str = path) -> str:
            """One posted field of this row, trimmed."""
            return str(form.get(f"c-{path}-{name}", "")).strip()

        values = [str(v) for v in form.getlist(f"c-{path}-values")]
        rows.append(
            Row(
                path,
                kind,
                get("n"),
                get("question"),
                get("op"),
                get("value"),
                values,
                get("low"),
                get("high"),
                get("param"),
                get("low_param"),
                get("high_param"),
            )
        )
    order = {path: tuple(int(p) for p in path.split(".")[1:]) for path in paths}
    return sorted(rows, key=lambda r: order[r.path])


def _children(rows: list[Row], path: str) -> list[Row]:
    return [r for r in rows if r.path.rsplit(".", 1)[0] == path and r.path != path]


def number_or_text(text: str) -> Any:
    """A typed number as int or float; anything else (a word, or over MAX_DIGITS digits) stays text for the engine to name."""
    # Never converted when long: int() refuses more than 4,300 digits and float() turns 400 digits into infinity.
    if not NUMBER.match(text) or sum(c.isdigit() for c in text) > MAX_DIGITS:
        return text
    return float(text) if "." in text else int(text)


def _scalar(text: str, param: str, kind: str) -> Any:
    if param:
        return {"param": param}
    if kind == "number":
        return number_or_text(text)
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text


def _compare(row: Row, kind: str) -> dict[str, Any]:
    op = row.op if row.op in OPERATORS else "equals"
    node: dict[str, Any] = {"question": row.question}
    if op in ("answered", "unanswered"):
        node[op] = True
    elif op == "between":
        node[op] = [_scalar(row.low, row.low_param, kind), _scalar(row.high, row.high_param, kind)]
    elif op == "one_of":
        picked = row.values if kind == "choice" else [v.strip() for v in row.value.split(",") if v.strip()]
        node[op] = [_scalar(v, "", kind) for v in picked]
    else:
        node[op] = _scalar(row.value, row.param, kind)
    return node


def tree_from_rows(rows: list[Row], kinds: Mapping[str, str], path: str = ROOT) -> dict[str, Any]:
    """The YAML-shaped condition of the rows (values typed by each question's kind; unknown questions keep text)."""
    row = next(r for r in rows if r.path == path)
    if row.kind == "compare":
        return _compare(row, kinds.get(row.question, ""))
    items = [tree_from_rows(rows, kinds, child.path) for child in _children(rows, path)]
    if row.kind == "not":
        return {"not": items[0] if items else {}}
    if row.kind == "at_least":
        return {"at_least": {"n": number_or_text(row.n) if row.n else 1, "of": items}}
    return {row.kind: items}


def _renumber(rows: list[Row], old: str, new: str) -> None:
    for row in rows:
        if row.path == old or row.path.startswith(old + "."):
            row.path = new + row.path[len(old) :]


def apply_action(rows: list[Row], action: str) -> list[Row]:
    """Apply a row button: 'add-compare:PATH', 'add-group:PATH' or 'remove:PATH' (others leave the rows as they are)."""
    verb, _, path = action.partition(":")
    target = next((r for r in rows if r.path == path), None)
    if target is None:
        return rows
    if verb == "remove" and path != ROOT:
        parent = path.rsplit(".", 1)[0]
        kept = [r for r in rows if not (r.path == path or r.path.startswith(path + "."))]
        for i, sibling in enumerate(_children(kept, parent)):
            _renumber(kept, sibling.path, f"{parent}.{i}")
        return kept
    if verb in ("add-compare", "add-group") and path.count(".") < MAX_CONDITION_DEPTH - 1:
        new = Row("", "compare") if verb == "add-compare" else Row("", "any")
        if target.kind == "compare":  # a single comparison becomes the first item of 'all'
            _renumber(rows, path, f"{path}.0")
            rows.append(Row(path, "all"))
            target = rows[-1]
        elif target.kind == "not" and _children(rows, path):
            return rows  # 'not' holds exactly one condition
        new.path = f"{path}.{len(_children(rows, path))}"
        rows.append(new)
        if verb == "add-group":
            rows.append(Row(f"{new.path}.0", "compare"))
    order = {r.path: tuple(int(p) for p in r.path.split(".")[1:]) for r in rows}
    return sorted(rows, key=lambda r: order[r.path])
