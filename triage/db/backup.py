"""Backup and restore of the whole database: SQLite's online backup API, PostgreSQL's pg_dump and pg_restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from triage.db import migrate
from triage.domain.errors import TriageError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# Alembic's bookkeeping: a migrated database with no data in it still counts as empty.
BOOKKEEPING = "alembic_version"


class BackupError(TriageError):
    """A backup or restore could not be made; the message says why (never with a password)."""


class NotEmptyError(BackupError):
    """The database a restore would overwrite holds data, and --force was not given."""


@dataclass(frozen=True)
class BackupOutcome:
    """A written backup: its kind, file, size and how many tables it holds data for."""

    kind: str
    path: Path
    size: int
    tables: int


@dataclass(frozen=True)
class RestoreOutcome:
    """A finished restore: its kind, the rows it replaced and restored, and the schema revision restored."""

    kind: str
    replaced_rows: int
    restored_rows: int
    revision: str
    head: str

    @property
    def needs_upgrade(self) -> bool:
        """Whether the restored schema is older than this version's newest migration."""
        return self.revision != self.head


def kind_of_url(url: str) -> str:
    """'sqlite' or 'postgresql' for a SQLAlchemy URL; other databases are refused."""
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backup supports SQLite and PostgreSQL databases, not {backend}")
    return backend


def kind_of_file(path: Path) -> str:
    """'sqlite' or 'postgresql' for a backup file, read from its first bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a backup made by `triage backup` (neither a SQLite file nor a pg_dump custom archive)")


def row_counts(url: str) -> dict[str, int]:
    """Rows in every table of a database (Alembic's bookkeeping left out); an absent SQLite file has none."""
    if kind_of_url(url) == "sqlite" and not _sqlite_path(url).exists():
        return {}
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = [n for n in inspect(conn).get_table_names() if n != BOOKKEEPING]
            return {n: conn.scalar(select(func.count()).select_from(table(n))) or 0 for n in names}
    except SQLAlchemyError as error:
        raise BackupError(f"cannot read the database: {_first_line(error)}") from None
    finally:
        engine.dispose()


def backup(url: str, out: Path) -> BackupOutcome:
    """Write a consistent backup of the database to a new file `out` (readable by its owner only)."""
    kind = kind_of_url(url)
    try:
        # O_EXCL: a backup never overwrites a file; 0600: the file holds health data.
        os.close(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise BackupError(f"{out} already exists: a backup never overwrites a file, choose a new name") from None
    except OSError as error:
        raise BackupError(f"cannot create {out}: {error.strerror}") from None
    try:
        tables = _sqlite_backup(url, out) if kind == "sqlite" else _pg_dump(url, out)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return BackupOutcome(kind=kind, path=out, size=out.stat().st_size, tables=tables)


def restore(url: str, source: Path, *, force: bool = False) -> RestoreOutcome:
    """Replace the database's contents with a backup; refuses a database holding data unless `force`."""
    kind, file_kind = kind_of_url(url), kind_of_file(source)
    if kind != file_kind:
        raise BackupError(f"{source} is a {file_kind} backup but the database is {kind}: restore it into a {file_kind} database")
    before = row_counts(url)
    held = {name: rows for name, rows in before.items() if rows}
    if held and not force:
        listed = ", ".join(f"{name} {rows}" for name, rows in sorted(held.items()))
        raise NotEmptyError(f"the database is not empty ({listed} rows); restore into an empty database, or add --force")
    if kind == "sqlite":
        _sqlite_restore(source, url)
    else:
        _pg_restore(source, url)
    after = row_counts(url)
    head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head() or "none"
    return RestoreOutcome(kind, sum(before.values()), sum(after.values()), _revision(url), head)


def _first_line(error: BaseException) -> str:
    return (str(getattr(error, "orig", None) or error).strip().splitlines() or [""])[0]


def _revision(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.scalar(text("SELECT version_num FROM alembic_version")) or "none")
    except SQLAlchemyError:
        return "none"
    finally:
        engine.dispose()


# SQLite: the online backup API copies every page under one read transaction, so the copy is consistent even while
# the app keeps writing (a single step: a stepped copy would restart on every write from another connection).


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("the SQLite database must be a file (DATABASE_URL sqlite:///path/to/triage.db)")
    return Path(database)


def _sqlite_backup(url: str, out: Path) -> int:
    path = _sqlite_path(url)
    if not path.is_file():
        raise BackupError(f"there is no SQLite database at {path}")
    try:
        source = sqlite3.connect(path, timeout=30)
        target = sqlite3.connect(out)
        try:
            source.backup(target)
            # One self-contained file (no -wal beside it), checked before it is called a backup.
            target.execute("PRAGMA journal_mode=DELETE").fetchall()
            checked = target.execute("PRAGMA integrity_check").fetchone()
            names = [r[0] for r in target.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        finally:
            target.close()
            source.close()
    except sqlite3.Error as error:
        raise BackupError(f"the SQLite backup failed: {error}") from None
    if not checked or checked[0] != "ok":
        raise BackupError("the SQLite backup failed its integrity check")
    if BOOKKEEPING not in names:
        raise BackupError(f"{path} is not a gut-triage database (it has no {BOOKKEEPING} table)")
    return len([n for n in names if n != BOOKKEEPING and not n.startswith("sqlite_")])


def _sqlite_restore(source: Path, url: str) -> None:
    path = _sqlite_path(url)
    try:
        backup_file = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)
        try:
            checked = backup_file.execute("PRAGMA integrity_check").fetchone()
            if not checked or checked[0] != "ok":
                raise BackupError(f"{source} is damaged (it fails SQLite's integrity check); nothing was restored")
            target = sqlite3.connect(path, timeout=30)
            try:
                backup_file.backup(target)
            finally:
                target.close()
        finally:
            backup_file.close()
    except sqlite3.Error as error:
        raise BackupError(f"the SQLite restore failed: {error}") from None


# PostgreSQL: pg_dump and pg_restore with a libpq URL; the password never goes on a command line (others can read
# those), only into PGPASSWORD for the child process, and never into a message.


def libpq_url(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password, and the environment that passes the password (if any)."""
    parsed = make_url(url)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    # URL.set(password=None) keeps the password: build the URL again without it.
    plain = URL.create("postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: the PostgreSQL client tools (postgresql-client) are needed")
    return found


def _run(command: list[str], url: str, what: str) -> str:
    conninfo, env = libpq_url(url)
    done = subprocess.run(  # noqa: S603 - a fixed program; arguments are not shell-parsed
        [_tool(command[0]), *command[1:], f"--dbname={conninfo}"],
        env=os.environ | env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        message = done.stderr.strip() or f"exit status {done.returncode}"
        for secret in env.values():
            message = message.replace(secret, "***")
        raise BackupError(f"{what} failed: {message}")
    return done.stdout


def _pg_dump(url: str, out: Path) -> int:
    _run(["pg_dump", "--format=custom", "--no-password", f"--file={out}"], url, "pg_dump")
    try:
        listing = subprocess.run(  # noqa: S603 - a fixed program
            [_tool("pg_restore"), "--list", str(out)], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        raise BackupError(f"pg_dump wrote {out} but pg_restore cannot read it back") from None
    tables = [line for line in listing.splitlines() if " TABLE DATA " in line and f" {BOOKKEEPING} " not in line]
    return len(tables)


def _pg_restore(source: Path, url: str) -> None:
    # One transaction: a restore that fails half way leaves the database as it was.
    command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-password", "--exit-on-error", "--single-transaction"]
    _run([*command, str(source)], url, "pg_restore")
