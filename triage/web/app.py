"""The Flask application factory."""
from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from triage.config import check_production, settings_from_env
from triage.db.session import Database
from triage.paths import resource_dir
from triage.web import errors, security

PATIENT_SESSION_HOURS = 24

BASE_CONFIG: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 512 * 1024,
    "MAX_FORM_PARTS": 1000,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=PATIENT_SESSION_HOURS),
    # A patient may take an hour over a step: the CSRF token lives as long as the session.
    "WTF_CSRF_TIME_LIMIT": PATIENT_SESSION_HOURS * 3600,
    "WTF_CSRF_SSL_STRICT": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "triage_session",
    "TEMPLATES_AUTO_RELOAD": False,
}

PRODUCTION_CONFIG: dict[str, Any] = {
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_NAME": "__Host-triage_session",
    "PREFERRED_URL_SCHEME": "https",
    "HSTS": True,
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the app; refuses to start with unsafe production settings."""
    instance = os.environ.get("TRIAGE_INSTANCE")
    app = Flask(
        "triage",
        instance_path=str(Path(instance).resolve()) if instance else None,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.config.update(BASE_CONFIG)
    app.config.update(settings_from_env(os.environ, Path(app.instance_path)))
    app.config.update(config or {})
    if app.config["ENV_NAME"] == "production":
        check_production(app.config)
        app.config.update(PRODUCTION_CONFIG)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"], x_proto=app.config["PROXY_HOPS"])  # type: ignore[method-assign]
    app.extensions["triage_db"] = Database(app.config["DATABASE_URL"])
    CSRFProtect(app)
    security.init_app(app)
    errors.init_app(app)
    _register_blueprints(app)
    logging.getLogger("triage").setLevel(logging.INFO)
    return app


def _register_blueprints(app: Flask) -> None:
    from triage.web import access, admin, auth, patient

    access.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(patient.bp)

    from triage.web import clinic

    app.register_blueprint(clinic.bp)

    from triage.web import rules_editor

    app.register_blueprint(rules_editor.bp)
