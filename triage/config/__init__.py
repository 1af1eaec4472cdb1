"""Application settings: one typed Settings object (environment variables, defaults, validation, production checks)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from triage.config.safety import DEV_SECRET
from triage.config.settings import ENVIRONMENTS, RELAXED, Settings

__all__ = ["DEV_SECRET", "ENVIRONMENTS", "RELAXED", "ConfigError", "Settings", "load_settings"]

LOCAL_HINT = "TRIAGE_ENV is unset, which means production: for a local install set TRIAGE_ENV=development"
# Keys a test may pass to create_app that are Flask's own; in production they must be off.
PRODUCTION_OFF = ("DEBUG", "TESTING")


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("the configuration is refused:\n" + "\n".join(f"- {p}" for p in problems))


def load_settings(overrides: Mapping[str, Any] | None = None, base: Settings | None = None) -> tuple[Settings, dict[str, Any]]:
    """Settings from the environment (or base) with overrides; the non-setting overrides come back as Flask config."""
    overrides = dict(overrides or {})
    fields = {k: v for k, v in overrides.items() if k in Settings.model_fields}
    extra = {k: v for k, v in overrides.items() if k not in Settings.model_fields}
    problems: list[str] = []
    settings: Settings | None = None
    try:
        # With a base every field is given, so the environment is not read again.
        settings = Settings(**{**base.model_dump(), **fields}) if base else Settings(**fields)
    except ValidationError as error:
        problems = [_describe(e) for e in error.errors()]
    raw_env = _raw_env(fields, base)
    production = settings.production if settings else raw_env not in RELAXED
    if production:
        problems += [f"{key}: must be off in production" for key in PRODUCTION_OFF if extra.get(key)]
    if problems and raw_env is None:
        problems.append(LOCAL_HINT)
    if problems or settings is None:
        raise ConfigError(problems)
    return settings, extra


def _raw_env(fields: Mapping[str, Any], base: Settings | None) -> str | None:
    """TRIAGE_ENV as given (None when nobody set it, which means production)."""
    if "TRIAGE_ENV" in fields:
        return str(fields["TRIAGE_ENV"])
    return base.TRIAGE_ENV if base else os.environ.get("TRIAGE_ENV") or None


def _describe(error: Any) -> str:
    # Never the input itself: it may be the secret key or a URL with a password.
    name = ".".join(str(part) for part in error["loc"]) or "settings"
    return f"{name}: {str(error['msg']).removeprefix('Value error, ')}"
