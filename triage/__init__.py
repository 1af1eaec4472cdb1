"""gut-triage: GI intake questionnaire, transparent triage rules and clinician summaries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from triage.config import Settings

__version__ = "0.1.0"


def create_app(config: Mapping[str, Any] | None = None, *, settings: Settings | None = None) -> Flask:
    """Build the web application (imported lazily so the domain core never pulls in Flask)."""
    from triage.web.app import create_app as _create_app

    return _create_app(config, settings=settings)
