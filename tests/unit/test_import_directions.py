"""The layers keep their import directions: the domain is pure, the database layer knows no Flask."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "triage"

FORBIDDEN = {
    "domain": ("flask", "werkzeug", "flask_wtf", "wtforms", "sqlalchemy", "alembic", "weasyprint", "triage.db", "triage.web", "triage.pdf", "triage.cli"),
    "db": ("flask", "werkzeug", "flask_wtf", "wtforms", "triage.web", "triage.cli"),
    "pdf.py": ("flask", "werkzeug", "triage.web"),
}


def imported_modules(path: Path) -> set[str]:
    """Every module a Python file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def files_of(layer: str) -> list[Path]:
    target = PACKAGE / layer
    return [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_does_not_import_upwards(layer: str) -> None:
    offenders = []
    for path in files_of(layer):
        if not path.exists():
            continue
        for module in imported_modules(path):
            if any(module == f or module.startswith(f + ".") for f in FORBIDDEN[layer]):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert offenders == []


def test_only_the_web_layer_and_cli_import_flask() -> None:
    allowed = {PACKAGE / "cli.py"} | set((PACKAGE / "web").rglob("*.py"))
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path not in allowed and any(m == "flask" or m.startswith("flask") for m in imported_modules(path)) and path.name != "__init__.py"
    ]
    assert offenders == []
