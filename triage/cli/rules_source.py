"""Which ruleset a `triage rules` command uses: a folder, the newest published version in the database, or the bundled rules/."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from triage.db import rulesets
from triage.db.evaluations import version_ruleset
from triage.db.models import RulesetVersion
from triage.db.session import Database
from triage.domain.engine.evaluate import Ruleset, load_ruleset
from triage.domain.errors import TriageError
from triage.paths import resource_dir

DEFAULT_SQLITE = "triage.db"
PREWARM = "PDF_PREWARM"


@dataclass(frozen=True)
class RulesetSource:
    """A ruleset with where it came from, in words for the user and as data for --json."""

    ruleset: Ruleset
    kind: str  # "folder", "database" or "bundled"
    why: str = ""  # for the bundled rules: why no published version was used
    directory: Path | None = None  # where its files (and tests/) are, for a folder or the bundled rules
    number: int | None = None  # the published version's number
    tests: Mapping[str, Any] = field(default_factory=dict)  # a published version's stored rule tests

    def describe(self) -> str:
        """One line naming the ruleset, its version text and content hash, and where it came from."""
        named = f"ruleset {self.ruleset.version} (sha256 {self.ruleset.sha256})"
        if self.kind == "database":
            return f"Using published version {self.number} from the database: {named}"
        if self.kind == "folder":
            return f"Using the ruleset in {self.directory}: {named}"
        return f"Using the bundled rules/ ({self.why}): {named}"

    def as_json(self) -> dict[str, Any]:
        """Where the ruleset came from, for --json output."""
        data: dict[str, Any] = {"kind": self.kind, "number": self.number, "version": self.ruleset.version}
        data |= {"hash": self.ruleset.sha256, "directory": str(self.directory) if self.directory else None}
        return data | ({"why": self.why} if self.why else {})


def fail(message: str) -> NoReturn:
    """Print the message to stderr and stop with exit code 1 (never a traceback)."""
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)


def load_folder(directory: Path) -> Ruleset:
    """The ruleset in a folder, or a plain refusal naming the file and line at fault."""
    try:
        return load_ruleset(directory)
    except TriageError as error:
        fail(f"The ruleset in {directory} cannot be used.\n{error}")


def load_app() -> tuple[Flask | None, str]:
    """The app this command runs under, or None and why (a command invoked on its own has none)."""
    info = click.get_current_context().find_object(ScriptInfo)
    if info is None:
        return None, "no app is configured"
    # These commands render no PDF: the app need not fork its warm PDF workers for them.
    previous = os.environ.get(PREWARM)
    os.environ[PREWARM] = previous if previous is not None else "0"
    try:
        return info.load_app(), ""
    except click.ClickException as error:
        if os.environ.get("DATABASE_URL"):
            # The user pointed at a database: quietly using other rules would mislead.
            fail(f"DATABASE_URL is set, but the app cannot start, so its published ruleset cannot be read.\n{error.message}")
        return None, "the app's settings are refused; `triage rules versions` shows why"
    finally:
        if previous is None:
            os.environ.pop(PREWARM, None)


def database_of(app: Flask) -> tuple[Database | None, str]:
    """The app's database, or None and why when none is configured (DATABASE_URL unset and no default SQLite file)."""
    settings = app.extensions["triage_settings"]
    default = Path(app.instance_path) / DEFAULT_SQLITE
    # Opening the default SQLite URL would create an empty file: only an existing one counts as configured.
    if settings.DATABASE_URL == f"sqlite:///{default}" and not default.exists():
        return None, "no database is configured: DATABASE_URL is unset and there is no triage.db in the instance folder"
    found: Database = app.extensions["triage_db"]
    return found, ""


def _published(database: Database) -> RulesetSource | str:
    try:
        with database.session() as session:
            if not inspect(session.connection()).has_table(RulesetVersion.__tablename__):
                return "the database holds no ruleset version yet"
            row = rulesets.latest_published(session)
            if row is None:
                return "the database holds no published version yet"
            return RulesetSource(version_ruleset(row), "database", number=row.number, tests=dict(row.tests or {}))
    except SQLAlchemyError as error:
        cause = type(getattr(error, "orig", None) or error).__name__
        fail(
            f"The published ruleset cannot be read from the database ({cause}). Check DATABASE_URL and run "
            "`triage db upgrade`, or pass --rules DIR to use a folder."
        )
    except TriageError as error:
        fail(f"The newest published version in the database cannot be used.\n{error}")


def bundled(why: str) -> RulesetSource:
    """The bundled default rules/, saying why they are used."""
    directory = resource_dir("rules")
    return RulesetSource(load_folder(directory), "bundled", why=why, directory=directory)


def resolve(directory: Path | None) -> RulesetSource:
    """The folder when one is given; else the newest published version when a database is configured; else rules/."""
    if directory is not None:
        return RulesetSource(load_folder(directory), "folder", directory=directory)
    app, why = load_app()
    if app is None:
        return bundled(why)
    database, why = database_of(app)
    if database is None:
        return bundled(why)
    with app.app_context():
        found = _published(database)
    return found if isinstance(found, RulesetSource) else bundled(found)
