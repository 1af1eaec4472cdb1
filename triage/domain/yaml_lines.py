"""Reading YAML safely with line numbers kept, and pointing at a line or a near name when a file is wrong.

Shared by every wing that reads a hand-written YAML file (forms/ today), so none has to import another
wing for it. libyaml (when available) composes the node tree; this module turns it into plain dicts,
lists and scalars with an explicit stack (never recursion), so hostile input can neither run code,
nor blow the Python stack, nor expand an alias bomb. Scalars follow the YAML 1.2 core schema: only
true/false are booleans, so `yes`, `no`, `on` and `off` stay words, and mapping keys are always text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol

import yaml

MAX_DEPTH = 64
MAX_BYTES = 2_000_000
_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_UNTAGGED = "!untagged"
_INT = re.compile(r"[-+]?[0-9]{1,30}\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]{1,30}\.[0-9]*|[0-9]{1,30}(\.[0-9]*)?[eE][-+]?[0-9]{1,3})\Z")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


class ProblemSink(Protocol):
    """Anything that records a problem with an optional line (a problem list of some file)."""

    def add(self, message: str, line: int | None = None, /) -> None:
        """Record one problem."""


class YamlMap(dict[str, Any]):
    """A mapping read from YAML that remembers its own line and the line of each key."""

    __slots__ = ("line", "key_lines")
    line: int
    key_lines: dict[str, int]


class YamlList(list[Any]):
    """A list read from YAML that remembers its own line and the line of each item."""

    __slots__ = ("line", "item_lines")
    line: int
    item_lines: list[int]


class _Composer(_BASE):
    """The safe loader, composing nodes only; tags are left unresolved so explicit ones stand out."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """Leave every untagged node unresolved; _scalar applies the YAML 1.2 core schema instead."""
        return _UNTAGGED

    def descend_resolver(self, *args: Any) -> None:
        """Path resolvers are not used."""
        return None

    def ascend_resolver(self, *args: Any) -> None:
        """Path resolvers are not used."""
        return None


class _YamlProblem(Exception):
    """Internal: stops reading at the first structural problem."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line


def _scalar(node: yaml.ScalarNode) -> Any:
    value: str = node.value
    if node.style:
        return value  # quoted or block text is always text
    if value in _NULLS:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _check(node: Any, seen: set[int], depth: int) -> None:
    if id(node) in seen:
        raise _YamlProblem("YAML anchors (&) and aliases (*) are not allowed; write the text out in full", _line(node))
    seen.add(id(node))
    if node.tag != _UNTAGGED:
        raise _YamlProblem(f"YAML tags such as '{node.tag}' are not allowed", _line(node))
    if depth > MAX_DEPTH:
        raise _YamlProblem(f"the text is nested more than {MAX_DEPTH} levels deep", _line(node))


def _convert(root: Any) -> Any:
    """Plain Python data from a node tree, breadth by breadth with an explicit stack."""
    holder: list[Any] = [None]
    seen: set[int] = set()
    stack: list[tuple[Any, Any, Any, int]] = [(root, holder, 0, 1)]
    while stack:
        node, parent, slot, depth = stack.pop()
        _check(node, seen, depth)
        if isinstance(node, yaml.ScalarNode):
            parent[slot] = _scalar(node)
        elif isinstance(node, yaml.MappingNode):
            mapping = YamlMap()
            mapping.line, mapping.key_lines = _line(node), {}
            parent[slot] = mapping
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _YamlProblem("a key must be a plain word, not a list or a mapping", _line(key_node))
                _check(key_node, seen, depth + 1)
                key = key_node.value
                if key in mapping.key_lines:
                    raise _YamlProblem(f"the key '{key}' appears twice in the same place", _line(key_node))
                mapping.key_lines[key] = _line(key_node)
                mapping[key] = None
                stack.append((value_node, mapping, key, depth + 1))
        else:
            items = YamlList([None] * len(node.value))
            items.line, items.item_lines = _line(node), [_line(item) for item in node.value]
            parent[slot] = items
            stack.extend((item, items, i, depth + 1) for i, item in enumerate(node.value))
    return holder[0]


def parse_yaml(text: str, problems: ProblemSink) -> Any:
    """Parse one YAML document; on failure record a located problem and return None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        problems.add("the file contains characters that are not valid text (UTF-8)")
        return None
    if len(text) > MAX_BYTES:
        problems.add(f"the file is larger than {MAX_BYTES // 1_000_000} MB")
        return None
    loader = _Composer(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _convert(node)
    except _YamlProblem as problem:
        problems.add(problem.message, problem.line)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = int(mark.line) + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        if "nesting depth" in reason:
            problems.add("the text is nested far too deeply", line)
        else:
            problems.add(f"this is not valid YAML ({reason}); check indentation, colons and quotes", line)
    except RecursionError:
        # Only the pure-Python fallback parser recurses; libyaml stops deep nesting itself.
        problems.add(f"the text is nested more than {MAX_DEPTH} levels deep")
    finally:
        loader.dispose()
    return None


def read_yaml_file(path: Path, problems: ProblemSink) -> Any:
    """Read and parse one YAML file, recording an unreadable file as a problem."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        problems.add(f"the file cannot be read ({error.strerror or error})")
        return None
    if len(raw) > MAX_BYTES:
        problems.add(f"the file is larger than {MAX_BYTES // 1_000_000} MB")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.add(f"the file is not UTF-8 text (byte {error.start})")
        return None
    return parse_yaml(text, problems)
