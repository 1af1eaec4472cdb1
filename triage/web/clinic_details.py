"""The clinic's details for the page being built: read once per request from the database over the settings."""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from triage.config import Settings
from triage.db.clinic_profile import ClinicProfile, load_clinic_profile, profile_from
from triage.db.clock import minute_text, show_times_in
from triage.web.access import database

log = logging.getLogger(__name__)
STAFF_BLUEPRINTS = frozenset({"clinic", "rules", "admin", "auth"})


def clinic() -> ClinicProfile:
    """The clinic profile (name, address, phone, letterhead, logo, page size, link expiry) for this request."""
    cached: ClinicProfile | None = g.get("triage_clinic")
    if cached is None:
        settings: Settings = current_app.extensions["triage_settings"]
        try:
            with database().session() as session:
                cached = load_clinic_profile(session, settings)
        except SQLAlchemyError:
            # An error page must still render while the database is down: the environment's values stand in.
            log.warning("the clinic details could not be read from the database; showing the environment's values")
            cached = profile_from({}, settings)
        g.triage_clinic = cached
    return cached


def forget_clinic() -> None:
    """Drop this request's copy (after an admin changed the details, the page that follows reads them again)."""
    g.pop("triage_clinic", None)


def _times_in_clinic_zone() -> None:
    # Staff pages show times in the clinic's zone; other requests (patients, health checks, files) skip the read.
    if request.blueprint in STAFF_BLUEPRINTS:
        show_times_in(clinic().time_zone)


def _times_back_to_utc(_error: BaseException | None) -> None:
    # A server thread serves many requests: the next one must not inherit this one's zone.
    show_times_in("UTC")


def clinic_time(moment: str | dt.datetime | None) -> str:
    """A stored time (an aware datetime or ISO 8601 text, as the rules' version data holds) to the minute in the zone
    this page shows times in, with the zone's abbreviation; '' when absent, and text that is no time as it is."""
    if not isinstance(moment, str):
        return minute_text(moment)
    try:
        return minute_text(dt.datetime.fromisoformat(moment)) if moment else ""
    except ValueError:
        return moment


def init_app(app: Flask) -> None:
    """Make `clinic()` available to every template, and show staff pages' times in the clinic's time zone."""
    app.add_template_global(clinic, "clinic")
    app.add_template_filter(clinic_time, "clinic_time")
    app.before_request(_times_in_clinic_zone)
    app.teardown_request(_times_back_to_utc)
