"""Application settings: defaults, environment variables and the production safety checks."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qs, urlsplit

DEV_SECRET = "dev-only-not-secret-change-me"  # noqa: S105 - a marker the production check refuses
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", ""}


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def default_database_url(instance_path: Path) -> str:
    """SQLite in the instance folder: the embedded default."""
    return f"sqlite:///{instance_path / 'triage.db'}"


def settings_from_env(environ: Mapping[str, str], instance_path: Path) -> dict[str, Any]:
    """The settings taken from environment variables, with development defaults."""
    env = environ.get("TRIAGE_ENV", "development")
    return {
        "ENV_NAME": env,
        "SECRET_KEY": environ.get("SECRET_KEY", DEV_SECRET if env != "production" else ""),
        "DATABASE_URL": environ.get("DATABASE_URL", default_database_url(instance_path)),
        "PUBLIC_BASE_URL": environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "CLINIC_NAME": environ.get("CLINIC_NAME", "Gastroenterology clinic"),
        "INVITE_EXPIRY_DAYS": int(environ.get("INVITE_EXPIRY_DAYS", "30")),
        "PDF_PAGE_SIZE": environ.get("PDF_PAGE_SIZE", "A4"),
        "PROXY_HOPS": int(environ.get("PROXY_HOPS", "0")),
        "DEBUG": environ.get("FLASK_DEBUG", "0") in ("1", "true", "True"),
    }


def check_production(config: Mapping[str, Any]) -> None:
    """Refuse unsafe production settings (raises ConfigError naming the setting)."""
    key = config.get("SECRET_KEY") or ""
    if not key or key == DEV_SECRET or len(key.encode()) < 32:
        raise ConfigError("SECRET_KEY must be set in the environment to a random value of at least 32 bytes in production")
    if config.get("DEBUG") or config.get("TESTING"):
        raise ConfigError("DEBUG and TESTING must be off in production")
    url = str(config.get("DATABASE_URL", ""))
    if url.startswith("postgresql") and not _pg_transport_ok(url):
        raise ConfigError("DATABASE_URL for PostgreSQL must use sslmode=require or verify-full unless it is a local socket or loopback")


def _pg_transport_ok(url: str) -> bool:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if (parts.hostname or "") in LOOPBACK_HOSTS or "host" in query and query["host"][0].startswith("/"):
        return True
    return query.get("sslmode", [""])[0] in ("require", "verify-ca", "verify-full")
