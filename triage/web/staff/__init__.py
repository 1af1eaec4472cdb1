"""Staff accounts: sign-in, two-factor, password resets, single sign-on and sessions (/staff), and the admin pages (/admin)."""

from __future__ import annotations

from flask import Blueprint

from triage.web.staff import (
    account,
    admin,
    admin_accounts,
    alerts_report,
    api_clients,
    auth,
    clinic_settings,
    completion,
    deliveries,
    ehr_deliveries_admin,
    languages,
    message_templates,
    recovery,
    research_export,
    retention,
    sso,
)


def build_blueprints() -> list[Blueprint]:
    """The sign-in blueprint under /staff and the admin blueprint under /admin."""
    sign_in = Blueprint("auth", __name__, url_prefix="/staff")
    for module in (auth, account, recovery, sso):
        module.routes.register(sign_in)
    sign_in.record_once(sso.init_app)
    # The staff header names the signed-in member by display name (templates/_staff_nav.html).
    sign_in.add_app_template_global(account.signed_in_name, "staff_name")
    sign_in.add_app_template_global(sso.enabled, "sso_enabled")
    administration = Blueprint("admin", __name__, url_prefix="/admin")
    for module in (admin, admin_accounts, alerts_report, clinic_settings, deliveries, api_clients, research_export, retention):
        module.routes.register(administration)
    message_templates.routes.register(administration)
    languages.routes.register(administration)
    completion.routes.register(administration)
    ehr_deliveries_admin.routes.register(administration)
    return [sign_in, administration]
