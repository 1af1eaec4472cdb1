"""The clinic's privacy notice for patients (/privacy) and the contact lines every patient page's footer shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, abort, render_template, request

from triage.db.clinic_profile import ClinicProfile
from triage.web.clinic_details import clinic
from triage.web.routes import RouteTable

routes = RouteTable()


@dataclass(frozen=True)
class Contact:
    """How a patient reaches the clinic: its name, phone (as shown and as a tel: link) and address lines."""

    name: str
    phone: str
    phone_link: str
    address: tuple[str, ...]

    @property
    def any(self) -> bool:
        """Whether there is a phone number or an address to show."""
        return bool(self.phone or self.address)


def phone_link(phone: str) -> str:
    """A phone number as a tel: link target: its digits, with a leading + kept ("+44 20 7946 0000" -> "+442079460000")."""
    shown = phone.strip()
    return "".join(c for i, c in enumerate(shown) if c.isdigit() or (c == "+" and i == 0))


def clinic_contact() -> Contact:
    """The clinic's contact details from the clinic details an admin set (public: no patient data)."""
    details = clinic()
    phone = details.phone.strip()
    return Contact(details.name, phone, phone_link(phone), details.address_lines)


@routes.get("/privacy", endpoint="privacy")
def privacy() -> Any:
    """The notice an admin wrote under Clinic details, paragraph by paragraph, else the translated default; then the contact.

    The default says who reads the answers, what for, how long they are kept (the clinic's retention period for
    intakes where the clinic details have one, else the clinic's records policy) and whom to ask.
    """
    details = clinic()
    paragraphs = [p.strip() for p in details.privacy_notice.split("\n\n") if p.strip()]
    return render_template(
        "patient/privacy.html", paragraphs=paragraphs, contact=clinic_contact(), kept_years=kept_years(details)
    )


def kept_years(details: ClinicProfile) -> int | None:
    """The years an intake is kept after its last activity when the clinic details have a retention period, else None."""
    years = getattr(details, "retention_intake_years", None)
    return years if isinstance(years, int) and years > 0 else None


@routes.get("/clinic-logo/<version>", endpoint="clinic_logo")
def clinic_logo(version: str) -> Response:
    """The letterhead logo for the patient pages' header: public, cached for a year under its digest's URL."""
    logo = clinic().logo
    if logo is None or version != logo.version:
        abort(404)
    response = Response(logo.data, mimetype=logo.mime)
    # Not health data: the one patient response a browser may keep (triage.web.security leaves this header alone).
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.set_etag(logo.version)
    response.make_conditional(request)  # a 304 for a browser that sends the ETag back
    return response
