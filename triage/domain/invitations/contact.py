"""The patient details an invitation records besides the clinic reference, as one value passed from form to store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PURPOSES = ("link", "opt_out")  # what a minted invitation token opens: the questionnaire, or the reminder opt-out


@dataclass(frozen=True)
class InvitationContact:
    """Name, date of birth and where to send the link; '' or None when not given.

    `mobile` is E.164 (+447700900123); `appointment_at` is an aware datetime (stored as UTC).
    """

    patient_name: str = ""
    date_of_birth: dt.date | None = None
    email: str = ""
    mobile: str = ""
    appointment_at: dt.datetime | None = None

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels the link can be sent on, email first."""
        return tuple(channel for channel, address in (("email", self.email), ("sms", self.mobile)) if address)
