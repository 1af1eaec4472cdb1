"""`triage rules test | evaluate` use the newest published version when a database is configured, and say which they used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import create_engine

from tests.helpers.apps import TEST_SECRET
from triage import create_app
from triage.cli.main import cli
from triage.cli.rules import rules
from triage.domain.engine.evaluate import load_ruleset
from triage.paths import resource_dir

RULES = resource_dir("rules")
ANSWERS = {"warning_signs": ["blood_in_stool"]}


def run(app: Flask | None, *args: str) -> Result:
    """Invoke `triage rules ...` under this app (None: on its own, as with no app at all); never a traceback."""
    if app is None:
        result = CliRunner().invoke(rules, list(args))
    else:
        result = CliRunner().invoke(cli, ["rules", *args], obj=ScriptInfo(create_app=lambda: app))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def answers(tmp_path: Path) -> str:
    """An answers file for `rules evaluate`."""
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(ANSWERS), encoding="utf-8")
    return str(path)


def changed_copy(tmp_path: Path) -> Path:
    """The bundled rules with another version text and one rule test file fewer: another content, fewer tests."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy, ignore=shutil.ignore_patterns("cases"))
    header = copy / "ruleset.yaml"
    text = header.read_text(encoding="utf-8")
    version = load_ruleset().version
    header.write_text(text.replace(f'version: "{version}"', 'version: "2099.1"'), encoding="utf-8")
    (copy / "tests" / "few_answers.yaml").unlink()
    return copy


def stored_copy(app: Flask, tmp_path: Path) -> Path:
    """Import the changed copy as version 1."""
    copy = changed_copy(tmp_path)
    imported = run(app, "import", str(copy))
    assert imported.exit_code == 0, imported.output
    return copy


def test_with_no_app_the_bundled_rules_are_used_and_the_output_says_so(tmp_path: Path) -> None:
    bundled = load_ruleset()
    tested = run(None, "test")
    assert tested.output.splitlines()[0] == (
        f"Using the bundled rules/ (no app is configured): ruleset {bundled.version} (sha256 {bundled.sha256})"
    )
    evaluated = run(None, "evaluate", answers(tmp_path), "--json")
    source = json.loads(evaluated.output)["ruleset"]["source"]
    assert (source["kind"], source["number"], source["hash"]) == ("bundled", None, bundled.sha256)
    assert source["why"] == "no app is configured"


def test_an_empty_database_falls_back_to_the_bundled_rules(app: Flask, tmp_path: Path) -> None:
    result = run(app, "evaluate", answers(tmp_path), "--on", "2026-11-01")
    assert result.exit_code == 0
    assert result.output.startswith("Using the bundled rules/ (the database holds no published version yet): ruleset")
    assert "TRIAGE SUMMARY" in result.output


def test_the_published_version_is_used_when_the_database_has_one(app: Flask, tmp_path: Path) -> None:
    copy = stored_copy(app, tmp_path)
    published = load_ruleset(copy)
    assert published.sha256 != load_ruleset().sha256
    tested = run(app, "test")
    assert tested.exit_code == 0, tested.output
    lines = tested.output.splitlines()
    assert lines[0] == f"Using published version 1 from the database: ruleset 2099.1 (sha256 {published.sha256})"
    bundled_count = run(None, "test", str(RULES)).output.splitlines()[-1]
    assert lines[-1].endswith(" 0 failed") and lines[-1] != bundled_count  # the stored tests, without few_answers.yaml
    evaluated = run(app, "evaluate", answers(tmp_path), "--json", "--on", "2026-11-01")
    data = json.loads(evaluated.output)
    assert data["ruleset"]["hash"] == published.sha256
    assert {k: data["ruleset"]["source"][k] for k in ("kind", "number", "version")} == {
        "kind": "database",
        "number": 1,
        "version": "2099.1",
    }
    as_text = run(app, "evaluate", answers(tmp_path), "--on", "2026-11-01")
    assert as_text.output.startswith("Using published version 1 from the database: ruleset 2099.1")


def test_rules_dir_still_forces_a_folder(app: Flask, tmp_path: Path) -> None:
    stored_copy(app, tmp_path)
    bundled = load_ruleset()
    tested = run(app, "test", "--rules", str(RULES))
    assert tested.output.startswith(f"Using the ruleset in {RULES}: ruleset {bundled.version} (sha256 {bundled.sha256})")
    positional = run(app, "test", str(RULES))
    assert positional.output.splitlines()[0] == tested.output.splitlines()[0]
    evaluated = run(app, "evaluate", answers(tmp_path), "--rules", str(RULES), "--json")
    assert json.loads(evaluated.output)["ruleset"]["source"]["kind"] == "folder"
    twice = run(app, "test", str(RULES), "--rules", str(tmp_path))
    assert twice.exit_code == 1 and "Give the ruleset folder once" in twice.output


def test_no_database_file_means_no_database_and_none_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "instance"
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "TRIAGE_INSTANCE": str(instance)})
    result = run(app, "test")
    assert result.output.startswith(
        "Using the bundled rules/ (no database is configured: DATABASE_URL is unset and there is no triage.db"
    )
    assert not (instance / "triage.db").exists()
    app.extensions["triage_db"].dispose()


def test_a_database_without_the_tables_falls_back_and_says_why(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'unmigrated.db'}"
    create_engine(url).connect().close()  # the file exists, with no tables
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "DATABASE_URL": url})
    result = run(app, "test")
    assert result.output.startswith("Using the bundled rules/ (the database holds no ruleset version yet)")
    app.extensions["triage_db"].dispose()


def test_a_database_url_with_an_app_that_cannot_start_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")

    def refused() -> Flask:
        raise click.ClickException("the configuration is refused:\n- SECRET_KEY: is the development value")

    result = CliRunner().invoke(cli, ["rules", "test"], obj=ScriptInfo(create_app=refused))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "DATABASE_URL is set, but the app cannot start" in result.output and "SECRET_KEY" in result.output
