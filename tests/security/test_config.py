"""Configuration: one typed Settings object; production refuses weak secrets, debug/testing, PostgreSQL without TLS."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest
from flask import Flask

from tests.helpers.apps import TEST_SECRET
from triage import create_app
from triage.config import DEV_SECRET, ConfigError, Settings, load_settings
from triage.config.safety import DEV_AUDIT_KEY
from triage.web.proxies import TrustedProxyFix

STRONG = TEST_SECRET + "-production"
AUDIT = "audit-chain-key-for-production-tests-7f3a9c2e1b"


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """TRIAGE_ENV=production with a strong secret and a SQLite file in the instance folder."""
    monkeypatch.setenv("TRIAGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("AUDIT_KEY", AUDIT)
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
    assert isinstance(app.wsgi_app, TrustedProxyFix) and app.wsgi_app.fixed.x_for == 1
    assert app.config["STAFF_IDLE_MINUTES"] == 15 and app.config["STAFF_ABSOLUTE_HOURS"] == 12


@pytest.mark.parametrize(
    "secret", [None, "", "short-secret", DEV_SECRET, "x" * 31, "x" * 32, "p" * 48, "ab" * 20, "abcdefgh" * 5]
)
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
def test_production_postgresql_needs_tls_off_loopback(url: str, accepted: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.delenv("PGHOSTADDR", raising=False)
    config = {"TRIAGE_ENV": "production", "SECRET_KEY": STRONG, "DATABASE_URL": url}
    if accepted:
        load_settings(config)
    else:
        with pytest.raises(ConfigError, match="sslmode"):
            load_settings(config)


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        # However the host is given: a host= or hostaddr= parameter, a host list, or libpq's service file.
        ("postgresql+psycopg://u@/triage?host=db.example", False),
        ("postgresql+psycopg://u@/triage?host=/run/postgresql,db.example", False),
        ("postgresql+psycopg://u@127.0.0.1/triage?host=db.example", False),
        ("postgresql+psycopg://u@/triage?hostaddr=192.0.2.10", False),
        ("postgresql+psycopg://u@localhost:5432,db.example:5432/triage", False),
        ("postgresql+psycopg://u@/triage?service=triage", False),
        ("postgresql+psycopg://u@/triage?host=db.example&sslmode=verify-full", True),
        ("postgresql+psycopg://u@/triage?host=db.example&sslmode=require&sslmode=disable", False),
        ("postgresql+psycopg://u@/triage", True),
        ("postgresql+psycopg://u@/triage?host=127.0.0.1", True),
        ("postgresql+psycopg://u@[::1]:5432/triage", True),
        ("postgresql+psycopg://u@127.0.0.2:5433/triage", True),
        ("postgresql+psycopg://u@%2Frun%2Fpostgresql/triage", True),
        ("postgresql+psycopg://u@/triage?host=/var/run/postgresql&hostaddr=127.0.0.1", True),
    ],
)
def test_production_postgresql_host_is_checked_however_it_is_given(
    url: str, accepted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.delenv("PGHOSTADDR", raising=False)
    config = {"TRIAGE_ENV": "production", "SECRET_KEY": STRONG, "DATABASE_URL": url}
    if accepted:
        assert load_settings(config)[0].DATABASE_URL == url
    else:
        with pytest.raises(ConfigError, match="DATABASE_URL: .*sslmode"):
            load_settings(config)


def test_production_postgresql_without_a_host_follows_pghost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGHOST", "db.example")
    config = {"TRIAGE_ENV": "production", "SECRET_KEY": STRONG, "DATABASE_URL": "postgresql+psycopg://u@/triage"}
    with pytest.raises(ConfigError, match="sslmode"):
        load_settings(config)
    monkeypatch.setenv("PGHOST", "/run/postgresql")
    load_settings(config)


def test_production_refuses_a_database_it_cannot_check() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_settings({"TRIAGE_ENV": "production", "SECRET_KEY": STRONG, "DATABASE_URL": "mysql://u@db.example/triage"})


@pytest.mark.parametrize("env", ["Production", "prod", "PRODUCTION", "production ", "staging", "dev"])
def test_an_unknown_triage_env_is_refused(production_env: pytest.MonkeyPatch, env: str) -> None:
    production_env.setenv("TRIAGE_ENV", env)
    with pytest.raises(ConfigError, match="TRIAGE_ENV: must be one of development, test, production") as refused:
        create_app()
    assert repr(env) in str(refused.value)


@pytest.mark.parametrize(
    "make_key",
    [lambda: STRONG, lambda: secrets.token_urlsafe(32), lambda: secrets.token_urlsafe(48), lambda: secrets.token_hex(32)],
    ids=["test-secret", "token_urlsafe-32", "token_urlsafe-48", "token_hex-32"],
)
def test_production_accepts_a_good_key(production_env: pytest.MonkeyPatch, make_key: Callable[[], str]) -> None:
    key = make_key()
    production_env.setenv("SECRET_KEY", key)
    app = create_app()
    assert app.config["SECRET_KEY"] == key and app.extensions["triage_settings"].SECRET_KEY == key


def test_one_error_lists_every_problem_by_setting_name(production_env: pytest.MonkeyPatch) -> None:
    production_env.setenv("SECRET_KEY", "x" * 32)
    production_env.setenv("DATABASE_URL", "postgresql+psycopg://u@/triage?host=db.example")
    production_env.setenv("FLASK_DEBUG", "1")
    production_env.setenv("PDF_PAGE_SIZE", "A5")
    with pytest.raises(ConfigError) as refused:
        create_app({"TESTING": True, "INVITE_EXPIRY_DAYS": 0})
    named = [problem.partition(":")[0] for problem in refused.value.problems]
    assert named == ["SECRET_KEY", "DATABASE_URL", "INVITE_EXPIRY_DAYS", "PDF_PAGE_SIZE", "FLASK_DEBUG", "TESTING"]
    assert "x" * 32 not in str(refused.value) and "db.example" not in str(refused.value)


@pytest.mark.parametrize("env", ["development", "test"])
def test_development_and_test_modes_skip_the_production_checks(monkeypatch: pytest.MonkeyPatch, env: str) -> None:
    monkeypatch.setenv("TRIAGE_ENV", env)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings, _ = load_settings({"DATABASE_URL": "postgresql+psycopg://u@db.example/triage", "FLASK_DEBUG": True})
    assert settings.SECRET_KEY == DEV_SECRET and not settings.production


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("STAFF_IDLE_MINUTES", 0),
        ("PDF_PAGE_SIZE", "A5"),
        ("PDF_WORKERS", 0),
        ("PROXY_HOPS", -1),
        ("PUBLIC_BASE_URL", "localhost"),
    ],
)
def test_overrides_are_validated_as_settings(make_app: Callable[..., Flask], key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=key):
        make_app(**{key: value})


def test_the_settings_object_is_on_the_app_and_in_its_config(make_app: Callable[..., Flask]) -> None:
    app = make_app(STAFF_IDLE_MINUTES=5, PDF_PAGE_SIZE="letter")
    settings = app.extensions["triage_settings"]
    assert isinstance(settings, Settings) and settings.STAFF_IDLE_MINUTES == 5 and settings.PDF_PAGE_SIZE == "Letter"
    assert settings.DATABASE_URL == app.config["DATABASE_URL"] and settings.TRIAGE_INSTANCE == Path(app.instance_path)
    for name in Settings.model_fields:
        if name != "PDF_PREWARM":  # resolved at start: off in the web app unless set to 1
            assert app.config[name] == getattr(settings, name), name
    assert app.config["ENV_NAME"] == settings.TRIAGE_ENV and app.config["PDF_PREWARM"] is False


def test_create_app_takes_a_settings_object(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    base = make_app().extensions["triage_settings"]
    app = create_app({"TESTING": True}, settings=base.model_copy(update={"CLINIC_NAME": "Given clinic"}))
    assert app.config["CLINIC_NAME"] == "Given clinic" and app.config["DATABASE_URL"] == base.DATABASE_URL
    app.extensions["triage_db"].dispose()


def test_development_cookie_is_not_secure_only(app: Flask) -> None:
    assert not app.config.get("SESSION_COOKIE_SECURE")
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def _parts(text: str) -> tuple[int, ...]:
    return tuple(int("".join(c for c in piece if c.isdigit()) or 0) for piece in text.split(".")[:3])


@pytest.mark.parametrize(("package", "floor"), [("weasyprint", "70.0"), ("werkzeug", "3.1.6"), ("jinja2", "3.1.6")])
def test_supply_chain_floor(package: str, floor: str) -> None:
    assert _parts(version(package)) >= _parts(floor), f"{package} {version(package)} is older than {floor}"


def test_an_unset_triage_env_is_production_and_says_how_to_run_locally(production_env: pytest.MonkeyPatch) -> None:
    production_env.delenv("TRIAGE_ENV")
    production_env.delenv("SECRET_KEY")
    with pytest.raises(ConfigError) as refused:
        create_app()
    problems = refused.value.problems
    assert problems[0].startswith("SECRET_KEY: is the development value")
    assert problems[-1] == "TRIAGE_ENV is unset, which means production: for a local install set TRIAGE_ENV=development"
    with pytest.raises(ConfigError, match="TESTING"):
        create_app({"TESTING": True, "SECRET_KEY": STRONG})


def test_an_unset_triage_env_with_safe_settings_starts_as_production(production_env: pytest.MonkeyPatch) -> None:
    production_env.delenv("TRIAGE_ENV")
    app = create_app()
    assert app.config["ENV_NAME"] == "production" and app.config["SESSION_COOKIE_SECURE"] is True and app.config["HSTS"]


@pytest.mark.parametrize("db_url", ["postgresql+psycopg://u@db.example/triage", "postgresql+psycopg://u@/t?host=db.example"])
def test_an_unset_triage_env_refuses_postgresql_without_tls(production_env: pytest.MonkeyPatch, db_url: str) -> None:
    production_env.delenv("TRIAGE_ENV")
    production_env.setenv("DATABASE_URL", db_url)
    with pytest.raises(ConfigError, match="DATABASE_URL: .*sslmode"):
        create_app()


@pytest.mark.parametrize(
    ("audit_key", "message"),
    [
        (None, "AUDIT_KEY: is required in production"),
        ("", "AUDIT_KEY: is required in production"),
        (STRONG, "AUDIT_KEY: must differ from SECRET_KEY"),
        (DEV_AUDIT_KEY, "AUDIT_KEY: is the development value"),
        ("short-audit-key", "AUDIT_KEY: must be at least 32 bytes"),
        ("a" * 40, "AUDIT_KEY: has too little entropy"),
        ("abcd" * 10, "AUDIT_KEY: has too little entropy"),
    ],
)
def test_production_needs_a_strong_separate_audit_key(
    production_env: pytest.MonkeyPatch, audit_key: str | None, message: str
) -> None:
    if audit_key is None:
        production_env.delenv("AUDIT_KEY")
    else:
        production_env.setenv("AUDIT_KEY", audit_key)
    with pytest.raises(ConfigError, match=message) as refused:
        create_app()
    assert audit_key is None or audit_key == "" or audit_key not in str(refused.value)


@pytest.mark.parametrize("env", ["development", "test"])
def test_development_and_test_get_a_development_audit_key(monkeypatch: pytest.MonkeyPatch, env: str) -> None:
    monkeypatch.setenv("TRIAGE_ENV", env)
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    assert load_settings()[0].AUDIT_KEY == DEV_AUDIT_KEY
    monkeypatch.setenv("AUDIT_KEY", "my-own-key")
    assert load_settings()[0].AUDIT_KEY == "my-own-key"


def test_the_audit_key_reaches_the_database_and_never_the_repr(production_env: pytest.MonkeyPatch) -> None:
    from triage.db import audit

    app = create_app()
    with app.extensions["triage_db"].session() as session:
        assert audit.chain_key(session) == AUDIT.encode()
    assert AUDIT not in repr(app.extensions["triage_settings"])
    app.extensions["triage_db"].dispose()
