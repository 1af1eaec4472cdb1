"""The patient audience: private link, questionnaire steps, review and submit."""

from __future__ import annotations

from flask import Blueprint
from flask_wtf.csrf import CSRFError

from triage.web.patient import identity, language, optout, privacy, urgent, views


def build_blueprint() -> Blueprint:
    """The patient blueprint: every patient view and the patient-friendly CSRF failure page."""
    blueprint = Blueprint("patient", __name__)
    views.routes.register(blueprint)
    identity.routes.register(blueprint)
    urgent.routes.register(blueprint)
    privacy.routes.register(blueprint)
    language.routes.register(blueprint)
    optout.register(blueprint)
    blueprint.add_app_template_global(privacy.clinic_contact, "clinic_contact")  # the patient pages' footer
    blueprint.register_error_handler(CSRFError, views.csrf_failed)
    return blueprint
