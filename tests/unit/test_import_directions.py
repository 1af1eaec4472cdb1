"""The folder tree is the architecture: layers import only downwards (cli → web → pdf → db → domain), with no cycle."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "triage"
# Each layer may import itself and the layers after it in this list, never one before it (cli → web → jobs → pdf → db → domain).
LAYERS = ("cli", "web", "jobs", "pdf", "db", "domain")
SHARED = ("triage", "triage.config", "triage.paths")
FRAMEWORKS = {
    "domain": ("flask", "werkzeug", "flask_wtf", "wtforms", "sqlalchemy", "alembic", "weasyprint", "jinja2"),
    "db": ("flask", "werkzeug", "flask_wtf", "wtforms", "weasyprint"),
    "pdf": ("flask", "werkzeug", "flask_wtf", "wtforms"),
}
TOP_LEVEL_MODULES = {"__init__.py", "paths.py"}  # and the config package
MAX_LINES = 300


def module_name(path: Path) -> str:
    """The dotted name of a module file under triage/."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[tuple[str, int]]:
    """Every module a file imports (from-imports resolved to the submodule when it is one), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                path = ROOT / candidate.replace(".", "/")
                if path.with_suffix(".py").exists() or path.is_dir():
                    yield candidate, node.lineno


def layer_of(module: str) -> str | None:
    """The layer a triage module belongs to (None for the shared top-level modules)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "triage" and parts[1] in LAYERS else None


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_its_own_layer_and_those_below(path: Path) -> None:
    own = layer_of(module_name(path))
    if own is None:
        return
    allowed = LAYERS[LAYERS.index(own) :]
    wrong = []
    for module, line in imports_of(path):
        target = layer_of(module)
        if module.startswith("triage") and target is not None and target not in allowed:
            wrong.append(f"line {line}: {own} imports {module}")
        if any(module == f or module.startswith(f + ".") for f in FRAMEWORKS.get(own, ())):
            wrong.append(f"line {line}: {own} imports {module}")
    assert wrong == []


def _graph() -> dict[str, set[str]]:
    names = {module_name(p): p for p in MODULES}
    return {name: {m for m, _ in imports_of(path) if m in names and m != name} for name, path in names.items()}


def test_there_is_no_import_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            # A package's __init__ importing its own submodules is how it builds its blueprint, not a cycle.
            if target.startswith(node + "."):
                continue
            if state.get(target) == 1:
                cycles.append(" -> ".join(trail[trail.index(target) :] + [target]) if target in trail else f"{node} -> {target}")
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_only_init_config_and_paths_sit_at_the_top_level() -> None:
    assert {p.name for p in PACKAGE.glob("*.py")} == TOP_LEVEL_MODULES
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages == {"config", *LAYERS}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_is_short_and_says_what_it_is(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_LINES
    assert ast.get_docstring(ast.parse(text)), "every module starts with a one-line docstring"


def test_nothing_is_wired_by_importing_a_module_for_its_side_effects() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in MODULES if "noqa: F401" in p.read_text(encoding="utf-8")]
    assert offenders == []
