"""`triage rules import DIR`, `triage rules export VERSION DIR` and `triage rules versions --json`: ruleset versions in the database."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import click
import yaml

from triage.db import audit, rulesets
from triage.db.session import Database
from triage.domain.engine import export_ruleset
from triage.domain.errors import TriageError
from triage.evaluation import import_directory, version_ruleset

CLI_ACTOR = "cli"
Command = Callable[..., None]


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)


def import_command(database: Callable[[], Database], directory: Path, summary: str) -> None:
    """Store the ruleset in DIRECTORY (rule tests in DIRECTORY/tests) as the next published version."""
    if len(summary) > 2000 or any(ord(c) < 32 for c in summary):
        _fail("--summary must be at most 2000 printable characters")
    try:
        with database().session() as session:
            outcome = import_directory(session, directory, actor=CLI_ACTOR, summary=summary)
            version = outcome.version
            if outcome.created:
                audit.record(session, actor=CLI_ACTOR, role="cli", action="ruleset.import", ruleset_version=version.label, detail=f"version {version.number} from {directory.name}/")
            number, label, sha, created = version.number, version.label, version.sha256, outcome.created
            total = outcome.report.get("total", 0)
    except (TriageError, rulesets.RulesetRefused) as error:
        _fail(f"The ruleset in {directory} was not imported.\n{error}")
    if created:
        click.echo(f"imported {directory} as version {number} ({label}, sha256 {sha}); {total} rule tests pass")
    else:
        click.echo(f"{directory} is the same as version {number} ({label}, sha256 {sha}); nothing imported")


def export_command(database: Callable[[], Database], version: str, directory: Path) -> None:
    """Write VERSION (a number, or 'latest') as the YAML files the engine reads, with its rule tests in DIRECTORY/tests."""
    if directory.exists() and any(directory.iterdir()):
        _fail(f"{directory} is not empty; export into a new or empty folder")
    with database().session() as session:
        row = rulesets.latest_published(session) if version == "latest" else rulesets.by_number(session, int(version)) if version.isdigit() and len(version) < 9 else None
        if row is None or row.status != "published":
            _fail(f"there is no published version '{version}' (see `triage rules versions`)")
        ruleset, tests, number = version_ruleset(row), dict(row.tests or {}), row.number
        audit.record(session, actor=CLI_ACTOR, role="cli", action="ruleset.export", ruleset_version=row.label, detail=f"version {number} to {directory.name}/")
    try:
        written = export_ruleset(ruleset, directory)
        (directory / "tests").mkdir(exist_ok=True)
        for name, document in sorted(tests.items()):
            path = directory / "tests" / Path(name).name
            path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
            written.append(path)
    except OSError as error:
        _fail(f"cannot write to {directory}: {error.strerror or error}")
    click.echo(f"wrote version {number} ({ruleset.version}, sha256 {ruleset.sha256}) to {directory}: {len(written)} files")


def versions_command(database: Callable[[], Database], as_json: bool) -> None:
    """List the published ruleset versions (newest first) and the open draft."""
    with database().session() as session:
        listed = rulesets.list_versions(session)
    if as_json:
        click.echo(json.dumps([v.as_json() for v in listed], indent=2, ensure_ascii=False))
        return
    if not listed:
        click.echo("no version stored yet: the default rules/ are stored as version 1 at first use")
    for v in listed:
        name = f"version {v.number}" if v.number else "draft"
        click.echo(f"{name:<12} {v.label:<16} {v.status:<10} {v.published_at or v.updated_at}  {v.sha256[:12]}  {v.summary[:60]}")


def register(group: click.Group, database: Callable[[], Database], in_app: Callable[[Command], Command]) -> None:
    """Add import, export and versions to the `rules` group; `in_app` runs a command inside the app, `database` gives its database."""

    @group.command("import")
    @click.argument("directory", type=click.Path(path_type=Path))
    @click.option("--summary", default="", help="A short description of the change, for the version history.")
    @in_app
    def import_(directory: Path, summary: str) -> None:
        """Store the ruleset in DIRECTORY (rule tests in DIRECTORY/tests) as the next published version."""
        import_command(database, directory, summary)

    @group.command("export")
    @click.argument("version")
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    @in_app
    def export(version: str, directory: Path) -> None:
        """Write VERSION (a number, or 'latest') as the YAML files the engine reads, with its rule tests in DIRECTORY/tests."""
        export_command(database, version, directory)

    @group.command("versions")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @in_app
    def versions(as_json: bool) -> None:
        """List the published ruleset versions (newest first) and the open draft."""
        versions_command(database, as_json)
