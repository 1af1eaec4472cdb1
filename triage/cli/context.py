"""What a command reads from the app it runs in: its database, its settings and its public links."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from triage.db.session import Database


def database() -> Database:
    """The database of the app whose context the command runs in (such commands are wrapped in `with_appcontext`)."""
    found: Database = current_app.extensions["triage_db"]
    return found


def config() -> Mapping[str, Any]:
    """The configuration of the app whose context the command runs in."""
    return current_app.config


def invite_link(token: str) -> str:
    """The full patient link for an invitation token."""
    return f"{config()['PUBLIC_BASE_URL'].rstrip('/')}/i/{token}"
