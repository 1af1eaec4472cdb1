"""Staff accounts: sign-in, two-factor and sessions (/staff), and the admin pages (/admin)."""

from __future__ import annotations

from flask import Blueprint

from triage.web.staff import admin, alerts_report, auth, deliveries


def build_blueprints() -> list[Blueprint]:
    """The sign-in blueprint under /staff and the admin blueprint under /admin."""
    sign_in = Blueprint("auth", __name__, url_prefix="/staff")
    auth.routes.register(sign_in)
    administration = Blueprint("admin", __name__, url_prefix="/admin")
    admin.routes.register(administration)
    alerts_report.routes.register(administration)
    deliveries.routes.register(administration)
    return [sign_in, administration]
