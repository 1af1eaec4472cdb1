"""The rules' YAML source: the shared line-aware reader, plus the shape limits and plain-data copy rules need."""

from __future__ import annotations

from typing import Any

from triage.domain.yaml_lines import MAX_DEPTH, YamlList, YamlMap, parse_yaml, read_yaml_file

__all__ = ["MAX_DEPTH", "YamlList", "YamlMap", "parse_yaml", "plain", "read_yaml_file", "shape_problem"]


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
