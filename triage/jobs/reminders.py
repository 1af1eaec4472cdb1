"""The periodic reminder job: queue each due reminder (the clinic's reminder days before the appointment) once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from triage.config import Settings
from triage.db.clinic_profile import load_clinic_profile
from triage.db.reminders import due_reminders, queue_reminder
from triage.domain.invitations.schedule import QuietHours


def queue_reminders(session: Session, now: dt.datetime, settings: Settings) -> int:
    """Queue the reminders due at `now` in the clinic's time zone; returns the messages queued.

    Each occasion's dedupe key makes it once per invitation, whatever the number of rounds or workers. A reminder
    queued in quiet hours is due at their end, so it waits as an ordinary due message rather than being held.
    """
    profile = load_clinic_profile(session, settings)  # the admin's schedule over REMINDER_DAYS
    schedule = profile.reminder_schedule
    if not schedule:
        return 0
    zone = ZoneInfo(profile.time_zone)
    quiet = QuietHours.parse(settings.PATIENT_QUIET_HOURS)
    due_at = quiet.next_allowed(now, zone) if quiet is not None else now
    return sum(queue_reminder(session, due, due_at) for due in due_reminders(session, now, schedule, zone))
