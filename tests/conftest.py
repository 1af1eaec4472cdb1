"""Shared fixtures: databases built by the migrations (SQLite and PostgreSQL), apps, clients, staff sign-in, cheap hashing.

The helpers these fixtures use live in tests/helpers/; tests import them from there, never from a conftest.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import axe
from tests.helpers.apps import TEST_SECRET, build_app
from tests.helpers.databases import create_pg_database, drop_pg_database, empty_pg_tables, require_pg
from tests.helpers.rules_editor import post_from_page
from tests.helpers.smtp import SmtpServer
from tests.helpers.staff import StaffClock, StaffLogin, cheap_hasher, create_staff, sign_in
from triage import create_app
from triage.db import migrate, users

# Unset TRIAGE_ENV means production (fail closed): every app, CLI run and server the tests start (subprocesses inherit
# this) is in test mode unless a test says otherwise; a production app in a test finds a strong audit key here.
os.environ["TRIAGE_ENV"] = "test"
os.environ.setdefault("AUDIT_KEY", "test-audit-chain-key-long-enough-9876543210-ZYXW")


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[PasswordHasher]:
    """Hash staff passwords with cheap argon2 parameters in every test; yields the production hasher it replaced.

    A production hash takes almost a second, and every staff test creates an account and signs in.
    """
    production = users.use_hasher(cheap_hasher())
    yield production
    users.use_hasher(production)


@pytest.fixture
def production_hasher(_cheap_password_hashing: PasswordHasher, monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """The hasher production uses (as built when triage.db.users was imported), installed for one test."""
    # monkeypatch (not use_hasher) so that a test's own monkeypatching of users.hasher unwinds back to the cheap one.
    monkeypatch.setattr(users, "hasher", _cheap_password_hashing)
    return _cheap_password_hashing


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per test process (each xdist worker has its own); tests get copies."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_migrated_url() -> Iterator[str]:
    """One PostgreSQL database migrated to head per test process (uniquely named); tables are emptied around each test."""
    require_pg()
    url = create_pg_database()
    migrate.upgrade(url)
    yield url
    drop_pg_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh migrated SQLite database for one test."""
    path = tmp_path / "triage.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A fresh migrated database for one test, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "triage.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_migrated_url")
    empty_pg_tables(url)
    yield url
    empty_pg_tables(url)


@pytest.fixture
def make_app(db_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """A factory for apps on this test's database (several may share it, like several servers)."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = build_app(db_url, tmp_path, **overrides)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["triage_db"].dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The app with CSRF on, as in production."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def staff_login() -> Callable[..., StaffLogin]:
    """staff_login(client, roles=("clinician",), email=None): create an account and sign the client in."""

    def login(client: FlaskClient, roles: tuple[str, ...] = ("clinician",), email: str | None = None) -> StaffLogin:
        account = create_staff(client.application, tuple(roles), email)
        sign_in(client, account)
        return account

    return login


@pytest.fixture
def editor(app: Flask, staff_login: Callable[..., StaffLogin]) -> FlaskClient:
    """A signed-in rules editor with a draft open (client.account is the account)."""
    client = app.test_client()
    client.account = staff_login(client, roles=("rules_editor",))  # type: ignore[attr-defined]
    opened = post_from_page(client, "/rules/", "/rules/draft")
    if opened.status_code != 303:
        raise AssertionError(f"opening a draft answered {opened.status_code}")
    return client


@pytest.fixture
def staff_clock(monkeypatch: pytest.MonkeyPatch) -> StaffClock:
    """Freeze triage.db.users.now at the real time; tests move it with .advance(minutes=31)."""
    clock = StaffClock()
    monkeypatch.setattr(users, "now", clock)
    return clock


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 at a free port, recording what it receives; stopped after the test."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def production_app(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app under TRIAGE_ENV=production, strong secret, TESTING off; send requests with **HTTPS (CSRF needs a Referer)."""
    monkeypatch.setenv("TRIAGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET + "-production")
    monkeypatch.setenv("TRIAGE_INSTANCE", str(tmp_path / "instance"))
    application = create_app({"DATABASE_URL": sqlite_url})
    yield application
    application.extensions["triage_db"].dispose()


# The axe-core summary of the browser tests. These hooks sit here, not in tests/browser/conftest.py, because under
# pytest-xdist only this conftest is loaded by the controlling process that writes the terminal summary; the
# workers send their page checks to it when they finish.


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: hand the pages this worker checked with axe-core to the controlling process."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["axe_log"] = [asdict(record) for record in axe.AXE_LOG]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the xdist controller: collect the page checks of a worker that finished."""
    records = getattr(node, "workeroutput", {}).get("axe_log", [])
    axe.AXE_LOG.extend(axe.AxeRecord(**record) for record in records)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The pages checked with axe-core, with violation counts by impact and rule id."""
    axe.write_axe_summary(terminalreporter)
