"""The rules' YAML source: the shared line-aware reader, plus the shape limits and plain-data copy rules need."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage.domain.engine.schema import number_problem
from triage.domain.errors import ProblemList, line_of
from triage.domain.yaml_lines import MAX_DEPTH, YamlList, YamlMap, parse_yaml, read_yaml_file

__all__ = [
    "MAX_DEPTH",
    "MAX_RULESET_NODES",
    "YamlList",
    "YamlMap",
    "number_problems",
    "parse_yaml",
    "plain",
    "read_yaml_file",
    "ruleset_size_problem",
    "shape_problem",
]

# The bundled ruleset has about 4,800 entries (215 rules) and compiles in 0.03 s; ten times that is room to grow,
# while a ruleset of 210,000 entries took 13 s and 1.1 GB per process to compile.
MAX_RULESET_NODES = 50_000


def shape_problem(data: Any, max_depth: int = MAX_DEPTH, max_nodes: int = 200_000) -> str | None:
    """Why already-parsed data cannot be a ruleset document (too deep, too big, odd types), or None."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    seen = 0
    while stack:
        node, depth = stack.pop()
        seen += 1
        if seen > max_nodes:
            return f"the document has more than {max_nodes} entries"
        if isinstance(node, dict):
            if depth > max_depth:
                return f"the document is nested more than {max_depth} levels deep"
            if any(not isinstance(k, str) for k in node):
                return "every key must be text"
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            if depth > max_depth:
                return f"the document is nested more than {max_depth} levels deep"
            stack.extend((v, depth + 1) for v in node)
        elif node is not None and not isinstance(node, (str, int, float, bool)):
            return f"a value of type {type(node).__name__} cannot appear in a ruleset"
    return None


def plain(data: Any) -> Any:
    """A copy made of ordinary dicts and lists (for hashing, export and storage)."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data


def ruleset_size_problem(documents: Mapping[str, Any], limit: int = MAX_RULESET_NODES) -> str | None:
    """Why the documents together are too big to be a ruleset (counted before anything is compiled), or None."""
    stack: list[Any] = list(documents.values())
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > limit:
            return (
                f"the ruleset has more than {limit:,} entries (keys, list items and values, all files together);"
                f" the limit is {limit:,}: split long conditions into simpler rules or remove unused ones"
            )
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def number_problems(name: str, document: Any, problems: ProblemList) -> None:
    """Record every number of one document that a ruleset may not hold, with its line and the rule it is in."""
    stack: list[tuple[Any, Any, Any, str | None]] = [(document, None, None, None)]
    while stack:
        node, container, key, rule = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("id"), str) and "when" in node:
                rule = node["id"]
            stack.extend((v, node, k, rule) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, node, i, rule) for i, v in enumerate(node))
        elif (problem := number_problem(node)) is not None:
            line = line_of(container, key) if container is not None else None
            where = f"'{key}'" if isinstance(key, str) else "this entry"
            problems.for_file(name).add(f"{where}: {problem}", line or line_of(container), rule)


def documents_pass_checks(documents: Mapping[str, Any], limit: int = MAX_RULESET_NODES) -> bool:
    """Whether the documents pass the size, shape and number checks above, in one walk (the common case).

    A ruleset that passes needs no further look; one that does not goes through the checks above, which
    say what is wrong and where. Counted as ruleset_size_problem counts: every key's value and list item.
    """
    containers: list[tuple[Any, int]] = []
    seen = len(documents)
    if seen > limit or not _scalars_pass(documents.values(), containers, 1):
        return False
    while containers:
        node, depth = containers.pop()
        if depth > MAX_DEPTH:
            return False
        seen += len(node)
        if seen > limit:
            return False
        if isinstance(node, dict):
            if not all(map(str.__instancecheck__, node)):  # every key text, checked in C
                return False
            if not _scalars_pass(node.values(), containers, depth + 1):
                return False
        elif not _scalars_pass(node, containers, depth + 1):
            return False
    return True


def _scalars_pass(values: Any, containers: list[tuple[Any, int]], depth: int) -> bool:
    """Check the scalars among these values, queue the containers; False at the first value a ruleset may not hold."""
    for value in values:
        cls = value.__class__
        if cls is str or value is None or cls is bool:
            continue
        if isinstance(value, (dict, list)):
            containers.append((value, depth))
        elif isinstance(value, str) or isinstance(value, bool):
            continue
        elif not isinstance(value, (int, float)) or number_problem(value) is not None:
            return False
    return True
