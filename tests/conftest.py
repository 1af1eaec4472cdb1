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
