"""What the worker hands a transport (one outgoing message) and how a transport says that it could not deliver it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """One message to deliver, as read from the outbox (plain data: a transport never sees an ORM row)."""

    id: int
    kind: str
    channel: str
    recipient: str
    subject: str
    body: str
    # Stable across retries and re-sends after a crash, so a mail client can fold a duplicate away.
    message_key: str
    # Extra email headers, e.g. List-Unsubscribe on a reminder (name, value); other channels ignore them.
    headers: tuple[tuple[str, str], ...] = ()


class DeliveryError(Exception):
    """A message could not be delivered; `reason` is stored on the message (never its body).

    `permanent` marks a refusal that retrying cannot cure (the server refused the recipient for good).
    """

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Transport(Protocol):
    """Delivers messages of one channel (email by SMTP, SMS through a provider: triage.jobs.sms)."""

    def send(self, message: Outgoing) -> None:
        """Deliver the message or raise DeliveryError with the reason."""
        ...
