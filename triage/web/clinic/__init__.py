"""The clinic audience: worklist, intake review, notes, feedback, re-evaluation and the PDF summary."""

from __future__ import annotations

from flask import Blueprint

from triage.web.clinic import (
    alerts,
    decisions,
    ehr_resend,
    intake,
    invitation_page,
    invitation_upload,
    letter_page,
    letters,
    views,
)


def build_blueprint() -> Blueprint:
    """The clinic blueprint under /clinic."""
    blueprint = Blueprint("clinic", __name__, url_prefix="/clinic")
    views.routes.register(blueprint)
    intake.routes.register(blueprint)
    alerts.routes.register(blueprint)
    decisions.routes.register(blueprint)
    letters.routes.register(blueprint)
    letter_page.routes.register(blueprint)
    invitation_upload.routes.register(blueprint)
    invitation_page.routes.register(blueprint)
    ehr_resend.routes.register(blueprint)
    return blueprint
