"""`triage rules import | export | versions`: the export/import round trip, idempotent import, clear refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from triage.cli.main import cli
from triage.cli.rules import rules
from triage.db.models import AuditEvent, RulesetVersion
from triage.domain.engine.evaluate import load_ruleset
from triage.domain.engine.ruleset import canonical_sha256, read_ruleset_documents
from triage.paths import resource_dir


def run(app: Flask, *args: str) -> Result:
    """Invoke the CLI against this app; never a traceback."""
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
    assert "Traceback" not in result.output
    return result


def stored(app: Flask) -> list[tuple[int | None, str, str]]:
    """(number, status, sha256) of every stored version."""
    with app.extensions["triage_db"].session() as session:
        return [(v.number, v.status, v.sha256) for v in session.scalars(select(RulesetVersion).order_by(RulesetVersion.id))]


def test_import_then_export_gives_files_that_check_and_hash_to_the_same_version(app: Flask, tmp_path: Path) -> None:
    bundled = load_ruleset()
    imported = run(app, "rules", "import", str(resource_dir("rules")), "--summary", "The default ruleset")
    assert imported.exit_code == 0, imported.output
    assert f"as version 1 (2026.1, sha256 {bundled.sha256})" in imported.output
    out = tmp_path / "exported"
    exported = run(app, "rules", "export", "1", str(out))
    assert exported.exit_code == 0, exported.output
    assert sorted(p.name for p in out.glob("*.yaml")) == sorted(p.name for p in resource_dir("rules").glob("*.yaml"))
    assert sorted(p.name for p in (out / "tests").glob("*.yaml")) == sorted(
        p.name for p in (resource_dir("rules") / "tests").glob("*.yaml")
    )
    checked = CliRunner().invoke(rules, ["check", str(out)])
    assert checked.exit_code == 0 and f"sha256 {bundled.sha256}" in checked.output
    assert canonical_sha256(read_ruleset_documents(out)) == bundled.sha256 == load_ruleset(out).sha256
    tested = CliRunner().invoke(rules, ["test", str(out)])
    assert tested.exit_code == 0 and " 0 failed" in tested.output
    # Importing the export again is the same version: nothing new is stored.
    again = run(app, "rules", "import", str(out))
    assert again.exit_code == 0 and "is the same as version 1" in again.output
    assert stored(app) == [(1, "published", bundled.sha256)]
    with app.extensions["triage_db"].session() as session:
        actions = [(a.action, a.actor) for a in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == [("ruleset.import", "cli"), ("ruleset.export", "cli")]


def test_a_changed_copy_imports_as_version_2_and_versions_lists_both(app: Flask, tmp_path: Path) -> None:
    assert run(app, "rules", "import", str(resource_dir("rules"))).exit_code == 0
    copy = tmp_path / "rules"
    shutil.copytree(resource_dir("rules"), copy)
    header = copy / "ruleset.yaml"
    header.write_text(header.read_text(encoding="utf-8").replace('version: "2026.1"', 'version: "2026.2"'), encoding="utf-8")
    second = run(app, "rules", "import", str(copy), "--summary", "Renumbered")
    assert second.exit_code == 0 and "as version 2 (2026.2" in second.output
    listed = run(app, "rules", "versions", "--json")
    assert listed.exit_code == 0
    data: list[dict[str, Any]] = json.loads(listed.output)
    assert [(v["number"], v["label"], v["status"], v["summary"]) for v in data] == [
        (2, "2026.2", "published", "Renumbered"),
        (1, "2026.1", "published", "Imported from rules/"),
    ]
    assert data[0]["tests"]["passed"] == data[0]["tests"]["total"] > 30
    latest = run(app, "rules", "export", "latest", str(tmp_path / "latest"))
    assert latest.exit_code == 0 and "version 2 (2026.2" in latest.output


def test_bad_imports_and_exports_are_refused_with_a_clear_message(app: Flask, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(resource_dir("rules"), broken)
    (broken / "celiac.yaml").write_text(
        (broken / "celiac.yaml").read_text(encoding="utf-8").replace("differential: celiac_disease", "differential: celiac"),
        encoding="utf-8",
    )
    refused = run(app, "rules", "import", str(broken))
    assert refused.exit_code == 1 and "was not imported" in refused.output and "'celiac' is not declared" in refused.output
    failing = tmp_path / "failing"
    shutil.copytree(resource_dir("rules"), failing)
    case_file = failing / "tests" / "celiac.yaml"
    case_file.write_text(
        case_file.read_text(encoding="utf-8").replace("first: celiac_disease", "first: ibs", 1), encoding="utf-8"
    )
    red = run(app, "rules", "import", str(failing))
    assert red.exit_code == 1 and "the rule tests must all pass" in red.output
    assert run(app, "rules", "import", str(tmp_path / "missing")).exit_code == 1
    assert stored(app) == []
    missing = run(app, "rules", "export", "7", str(tmp_path / "out"))
    assert missing.exit_code == 1 and "there is no published version '7'" in missing.output
    empty = run(app, "rules", "versions")
    assert empty.exit_code == 0 and "no version stored yet" in empty.output
