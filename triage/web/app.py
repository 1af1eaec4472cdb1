"""The Flask application factory."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from triage.config import Settings, load_settings
from triage.db.session import Database
from triage.paths import resource_dir
from triage.pdf import summary as pdf
from triage.web import (
    access,
    clinic,
    clinic_details,
    errors,
    fhir_api,
    i18n,
    logs,
    ops,
    patient,
    request_id,
    rules,
    security,
    staff,
)
from triage.web.proxies import TrustedProxyFix

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


def create_app(config: Mapping[str, Any] | None = None, *, settings: Settings | None = None) -> Flask:
    """Create and configure the app from one Settings object; refuses to start with unsafe production settings."""
    # Settings are read once from the environment (or taken as given); `config` overrides them (tests do) and carries
    # Flask's own keys such as TESTING. The code that reads app.config keeps working: the values are copied there.
    loaded, flask_extra = load_settings(config, base=settings)
    instance = loaded.TRIAGE_INSTANCE
    app = Flask(
        "triage",
        instance_path=str(instance.resolve()) if instance else None,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    loaded = loaded.for_instance(Path(app.instance_path))
    app.extensions["triage_settings"] = loaded
    app.config.update(BASE_CONFIG)
    app.config.update(loaded.flask_config())
    app.config.update(flask_extra)
    if loaded.production:
        app.config.update(PRODUCTION_CONFIG)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if loaded.PROXY_HOPS:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, loaded.PROXY_HOPS, loaded.TRUSTED_PROXIES)  # type: ignore[method-assign]
    logs.init_app(app, loaded.LOG_FORMAT)
    request_id.init_app(app)
    # The audit chain's key comes from the settings and is never stored in the database.
    app.extensions["triage_db"] = Database(loaded.DATABASE_URL, audit_key=loaded.AUDIT_KEY)
    CSRFProtect(app)
    i18n.init_app(app)  # patient pages in the patient's language; staff pages stay English
    security.init_app(app)
    errors.init_app(app)
    _register_blueprints(app)
    _start_pdf_pool(app, loaded)
    return app


def _register_blueprints(app: Flask) -> None:
    app.register_blueprint(ops.build_blueprint())  # first: its hooks time every request, refused ones too
    access.init_app(app)
    clinic_details.init_app(app)
    for blueprint in staff.build_blueprints():
        app.register_blueprint(blueprint)
    app.register_blueprint(patient.build_blueprint())
    app.register_blueprint(clinic.build_blueprint())
    app.register_blueprint(rules.build_blueprint())
    app.register_blueprint(fhir_api.build_blueprint())  # /fhir: API clients' Bearer tokens only (issue 18)


def _start_pdf_pool(app: Flask, settings: Settings) -> None:
    """Check the PDF settings now (a bad page size stops the start) and fork the warm PDF worker before any request thread."""
    pdf_settings = pdf.PdfSettings.from_config(app.config)
    # Web workers never render a PDF (the letter job in `triage worker` does, triage/cli/worker.py): a warm PDF process
    # here would only hold memory, so it is forked only when PDF_PREWARM asks for it.
    prewarm = settings.PDF_PREWARM is True
    app.config["PDF_PREWARM"] = prewarm
    if prewarm:
        pdf.start_workers(pdf_settings)
