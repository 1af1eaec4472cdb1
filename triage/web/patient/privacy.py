"""The clinic's privacy notice for patients (/privacy): public, the same for everyone, no patient data."""

from __future__ import annotations

from typing import Any

from flask import render_template

from triage.web.clinic_details import clinic
from triage.web.routes import RouteTable

routes = RouteTable()


@routes.get("/privacy", endpoint="privacy")
def privacy() -> Any:
    """The notice an admin wrote under Clinic details, paragraph by paragraph, with how to reach the clinic."""
    details = clinic()
    paragraphs = [p.strip() for p in details.privacy_notice.split("\n\n") if p.strip()]
    return render_template("patient/privacy.html", paragraphs=paragraphs, phone=details.phone, address=details.address_lines)
