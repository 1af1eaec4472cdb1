"""The built wheel carries the data folders inside the package and works without the source tree."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from this checkout."""
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        cwd=build,
        capture_output=True,
    )
    return next(out.glob("gut_triage-*.whl"))


def test_wheel_holds_data_inside_the_triage_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "triage/forms/questionnaire.yaml",
        "triage/templates/base.html",
        "triage/static/css/app.css",
        "triage/migrations/env.py",
        "triage/migrations/script.py.mako",
        "triage/migrations/versions/0001_initial_schema.py",
        "triage/db/demo_patients.yaml",
    ):
        assert required in names
    assert any(n.startswith("triage/rules/") and n.endswith(".yaml") for n in names)
    assert not any(n.split("/")[0] in {"forms", "rules", "templates", "static", "migrations", "tests"} for n in names)


def test_installed_wheel_finds_its_data_and_migrates(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    script = (
        "import triage.paths as p, sys;"
        "from triage.domain.questionnaire.questions import default_questionnaire as q;"
        "from triage.db.migrate import upgrade;"
        f"upgrade('sqlite:///{tmp_path / 'w.db'}');"
        "print(p.resource_dir('forms'), len(q().questions))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env={"PYTHONPATH": str(target)}, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert str(target / "triage" / "forms") in result.stdout
