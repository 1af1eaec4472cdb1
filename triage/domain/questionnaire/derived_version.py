"""The derived facts' version: what the code computing them means, recorded with every evaluation beside the ruleset.

Derived facts (age, PPI timing, scores, the medicine-list facts) are code, not rule files, so the ruleset's content
hash does not cover them: a changed derived fact changes what a re-evaluation gives under the same hash. The
version below is bumped whenever a derived fact's meaning changes; an evaluation records it, so a stored result
says which derived facts made it. tests/unit/test_derived_version.py pins a digest of the code per version, and
fails when the code changes while the version stays the same.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
from types import ModuleType

from triage.domain.questionnaire import (
    derived,
    derived_history,
    derived_lists,
    derived_medicines,
    derived_text,
    derived_types,
    medicine_names,
)

# Version 1: the derived facts as they stood when the version was introduced (December 2026).
# Version 2: weight_loss_in_own_words and gluten_food_in_own_words, read from the patient's own words (derived_text.py).
DERIVED_FACTS_VERSION = 2

# Every module whose code decides a derived fact's value, its id, kind, choices or the questions it reads.
DERIVED_MODULES: tuple[ModuleType, ...] = (
    derived,
    derived_history,
    derived_lists,
    derived_medicines,
    derived_text,
    derived_types,
    medicine_names,
)


def _without_docstrings(tree: ast.AST) -> ast.AST:
    """The syntax tree without docstrings: they explain the code, they do not change what it computes."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            first = body[0] if body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _canonical(node: object) -> str:
    """A syntax tree as text, naming only the fields that hold something.

    ast.dump's output differs between Python versions (3.13 leaves out empty fields, 3.12 added type_params), so a
    digest of it would change with the interpreter rather than with the code.
    """
    if isinstance(node, ast.AST):
        fields = [f"{name}={_canonical(value)}" for name, value in ast.iter_fields(node) if value not in (None, [])]
        return f"{type(node).__name__}({','.join(fields)})"
    if isinstance(node, list):
        return "[" + ",".join(_canonical(item) for item in node) + "]"
    return repr(node)


def derived_facts_digest() -> str:
    """SHA-256 of the derived-facts code as parsed (comments, docstrings and layout left out), module by module."""
    digest = hashlib.sha256()
    for module in DERIVED_MODULES:
        tree = _without_docstrings(ast.parse(inspect.getsource(module)))
        digest.update(module.__name__.encode("utf-8") + b"\0" + _canonical(tree).encode("utf-8") + b"\0")
    return digest.hexdigest()
