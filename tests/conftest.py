"""Shared fixtures: databases built by the migrations (SQLite and PostgreSQL), apps and clients."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from triage import create_app
from triage.db import migrate
from triage.db.models import Base

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _pg_admin_engine() -> Any:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


def pg_available() -> bool:
    """Whether the test PostgreSQL server answers."""
    try:
        with _pg_admin_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any connection failure means "not available"
        return False


def create_pg_database(prefix: str = "triage_test") -> str:
    """Create an empty PostgreSQL database and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = _pg_admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    """Drop a database made by create_pg_database."""
    name = make_url(url).database
    engine = _pg_admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def require_pg() -> None:
    """Skip (or, on CI, fail) when PostgreSQL is not reachable."""
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}; .ci/run should have started it")
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_migrated_url() -> Iterator[str]:
    """One PostgreSQL database migrated to head for the session; tables are emptied after each test."""
    require_pg()
    url = create_pg_database()
    migrate.upgrade(url)
    yield url
    drop_pg_database(url)


def _empty_pg_tables(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        # replica role skips the audit table's append-only triggers for test clean-up only.
        conn.execute(text("SET session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


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
    _empty_pg_tables(url)
    yield url
    _empty_pg_tables(url)


def build_app(db_url: str, tmp_path: Path, **overrides: Any) -> Flask:
    """A testing app on the given database."""
    os.environ.setdefault("TRIAGE_INSTANCE", str(tmp_path / "instance"))
    config = {"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": TEST_SECRET, "PUBLIC_BASE_URL": "http://localhost"}
    config.update(overrides)
    app = create_app(config)
    return app


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


# --- Staff accounts: sign-in helpers for every engineer's tests -----------------------------------

import datetime as _dt  # noqa: E402
import re as _re  # noqa: E402
from dataclasses import dataclass as _dataclass  # noqa: E402

import pyotp as _pyotp  # noqa: E402
from flask import url_for as _url_for  # noqa: E402
from werkzeug.test import TestResponse as _TestResponse  # noqa: E402

from triage.db import users as _users  # noqa: E402

STAFF_PASSWORD = "plum orbit lantern 42 quietly"  # noqa: S105 - a test account's password
_CSRF_INPUT = _re.compile(r"<input\b[^>]*\bname=\"csrf_token\"[^>]*>")
_VALUE = _re.compile(r"\bvalue=\"([^\"]+)\"")


def csrf_token(html: str | bytes) -> str:
    """The CSRF token of the first form in a page (fails the test when there is none)."""
    text_ = html.decode() if isinstance(html, bytes) else html
    tag = _CSRF_INPUT.search(text_)
    value = _VALUE.search(tag.group(0)) if tag else None
    assert value, "no csrf_token input in the page"
    return value.group(1)


@_dataclass(frozen=True)
class StaffLogin:
    """A test staff account: what StaffIdentity holds plus its password and TOTP secret."""

    id: int
    email: str
    roles: frozenset[str]
    password: str
    totp_secret: str

    def code(self) -> str:
        """The TOTP code for the app's current clock (triage.db.users.now)."""
        return _pyotp.TOTP(self.totp_secret).at(_users.now())


def _staff_url(client: FlaskClient, endpoint: str, **values: Any) -> str:
    with client.application.test_request_context():
        return _url_for(endpoint, **values)


def create_staff(app: Flask, roles: tuple[str, ...] = ("clinician",), email: str | None = None, password: str = STAFF_PASSWORD) -> StaffLogin:
    """Create a staff account (TOTP already enrolled, as from the CLI) directly in the app's database."""
    with app.extensions["triage_db"].session() as session:
        user, uri = _users.create_user(session, email or f"staff-{uuid.uuid4().hex[:8]}@example.org", password, roles)
        return StaffLogin(user.id, user.email, _users.parse_roles(user.roles), password, _pyotp.parse_uri(uri).secret)


def submit_password(client: FlaskClient, email: str, password: str, next_: str | None = None) -> _TestResponse:
    """Post the sign-in form (email and password step) with a fresh CSRF token."""
    login_url = _staff_url(client, "auth.login")
    page = client.get(login_url)
    data = {"csrf_token": csrf_token(page.data), "email": email, "password": password, "next": next_ or ""}
    return client.post(login_url, data=data)


def submit_code(client: FlaskClient, code: str) -> _TestResponse:
    """Post the second sign-in step (TOTP or recovery code)."""
    code_url = _staff_url(client, "auth.login_totp")
    page = client.get(code_url)
    return client.post(code_url, data={"csrf_token": csrf_token(page.data), "code": code})


def sign_in(client: FlaskClient, account: StaffLogin, next_: str | None = None) -> _TestResponse:
    """Sign a client in through the real forms, TOTP step included; returns the final redirect."""
    first = submit_password(client, account.email, account.password, next_)
    assert first.status_code == 302, first.data[:500]
    if first.location.endswith(_staff_url(client, "auth.login_totp")):
        final = submit_code(client, account.code())
        assert final.status_code == 302, final.data[:500]
        return final
    return first


@pytest.fixture
def staff_login() -> Callable[..., StaffLogin]:
    """staff_login(client, roles=("clinician",), email=None): create an account and sign the client in."""

    def login(client: FlaskClient, roles: tuple[str, ...] = ("clinician",), email: str | None = None) -> StaffLogin:
        account = create_staff(client.application, tuple(roles), email)
        sign_in(client, account)
        return account

    return login


class StaffClock:
    """A controllable clock for triage.db.users.now (sessions, lockouts and TOTP steps)."""

    def __init__(self) -> None:
        self.moment = _dt.datetime.now(_dt.UTC)

    def __call__(self) -> _dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        """Move the clock forward (timedelta keywords)."""
        self.moment += _dt.timedelta(**delta)


@pytest.fixture
def staff_clock(monkeypatch: pytest.MonkeyPatch) -> StaffClock:
    """Freeze triage.db.users.now at the real time; tests move it with .advance(minutes=31)."""
    clock = StaffClock()
    monkeypatch.setattr(_users, "now", clock)
    return clock


@pytest.fixture
def production_app(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app under TRIAGE_ENV=production, strong secret, TESTING off; send requests with **HTTPS (CSRF needs a Referer)."""
    monkeypatch.setenv("TRIAGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET + "-production")
    monkeypatch.setenv("TRIAGE_INSTANCE", str(tmp_path / "instance"))
    application = create_app({"DATABASE_URL": sqlite_url})
    yield application
    application.extensions["triage_db"].dispose()


HTTPS = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/"}}


def dummy_url(app: Flask, rule: Any) -> str:
    """A rule's URL with placeholder arguments of the right type (for walking app.url_map)."""
    from werkzeug.routing.converters import IntegerConverter, UUIDConverter

    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():  # noqa: SLF001 - the converter types pick the placeholders
        if isinstance(converter, IntegerConverter):
            values[name] = 999999
        elif isinstance(converter, UUIDConverter):
            values[name] = uuid.UUID(int=1)
        else:
            values[name] = "placeholder"
    with app.test_request_context():
        return _url_for(rule.endpoint, **values)
