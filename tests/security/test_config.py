"""Production configuration: refuses weak secrets, debug/testing and PostgreSQL without TLS; sets HTTPS settings; dependency floors."""
from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tests.conftest import TEST_SECRET
from triage import create_app
from triage.config import DEV_SECRET, ConfigError, check_production

STRONG = TEST_SECRET + "-production"


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """TRIAGE_ENV=production with a strong secret and a SQLite file in the instance folder."""
    monkeypatch.setenv("TRIAGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("TRIAGE_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    return monkeypatch


def test_production_starts_with_safe_settings(production_env: pytest.MonkeyPatch) -> None:
    production_env.setenv("PROXY_HOPS", "1")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert app.config["HSTS"] is True
    assert not app.debug and not app.testing
    assert isinstance(app.wsgi_app, ProxyFix) and app.wsgi_app.x_for == 1
    assert app.config["STAFF_IDLE_MINUTES"] == 30 and app.config["STAFF_ABSOLUTE_HOURS"] == 12


@pytest.mark.parametrize("secret", [None, "", "short-secret", DEV_SECRET, "x" * 31])
def test_production_refuses_a_missing_short_or_development_secret(production_env: pytest.MonkeyPatch, secret: str | None) -> None:
    if secret is None:
        production_env.delenv("SECRET_KEY")
    else:
        production_env.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_debug(production_env: pytest.MonkeyPatch) -> None:
    production_env.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="DEBUG"):
        create_app()


def test_production_refuses_testing(production_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="TESTING"):
        create_app({"TESTING": True})


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("postgresql+psycopg://triage@db.internal/triage", False),
        ("postgresql+psycopg://triage@db.internal/triage?sslmode=prefer", False),
        ("postgresql+psycopg://triage@db.internal/triage?sslmode=disable", False),
        ("postgresql+psycopg://triage@db.internal/triage?sslmode=require", True),
        ("postgresql+psycopg://triage@db.internal/triage?sslmode=verify-full", True),
        ("postgresql+psycopg://triage@127.0.0.1/triage", True),
        ("postgresql+psycopg://triage@localhost/triage", True),
        ("postgresql+psycopg://triage@/triage?host=/run/postgresql", True),
        ("sqlite:////var/lib/triage/triage.db", True),
    ],
)
def test_production_postgresql_needs_tls_off_loopback(url: str, accepted: bool) -> None:
    config = {"SECRET_KEY": STRONG, "DATABASE_URL": url}
    if accepted:
        check_production(config)
    else:
        with pytest.raises(ConfigError, match="sslmode"):
            check_production(config)


def test_development_cookie_is_not_secure_only(app: Flask) -> None:
    assert not app.config.get("SESSION_COOKIE_SECURE")
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def _parts(text: str) -> tuple[int, ...]:
    return tuple(int("".join(c for c in piece if c.isdigit()) or 0) for piece in text.split(".")[:3])


@pytest.mark.parametrize(("package", "floor"), [("weasyprint", "70.0"), ("werkzeug", "3.1.6"), ("jinja2", "3.1.6")])
def test_supply_chain_floor(package: str, floor: str) -> None:
    assert _parts(version(package)) >= _parts(floor), f"{package} {version(package)} is older than {floor}"
