"""The nodes of a compiled condition tree, and the facts a tree reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Compare:
    """A test on one answer or derived fact; `value` already has parameters filled in."""

    fact: str
    kind: str
    op: str
    value: Any
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class AllOf:
    """True when every item is true."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    """True when at least one item is true."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class NotOf:
    """True when the item is false."""

    item: Node


@dataclass(frozen=True)
class AtLeast:
    """True when at least n of the items are true."""

    n: int
    items: tuple[Node, ...]


Node = Compare | AllOf | AnyOf | NotOf | AtLeast


def facts_read(node: Node) -> list[str]:
    """Every fact a condition reads, in order of first appearance."""
    seen: dict[str, None] = {}
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Compare):
            seen.setdefault(current.fact)
        elif isinstance(current, NotOf):
            stack.append(current.item)
        else:
            stack.extend(reversed(current.items))
    return list(seen)
