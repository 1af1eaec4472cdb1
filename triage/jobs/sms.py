"""Text messages through GOV.UK Notify's HTTP API (its python client), behind the Transport interface.

The text is composed here (the admin's templates); Notify sends it through one Notify text message template whose
whole content is the personalisation field ((body)). Notify's refusals are mapped to DeliveryError: a 400 (a bad
number, a team-only key) is permanent; 403 (a key Notify does not accept), 429 (rate limit), 5xx and a network
failure are tried again with backoff. Only the message id goes in Notify's `reference`: no name, no number.
"""

from __future__ import annotations

from typing import Any

import requests
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from triage.config import Settings
from triage.jobs.transport import DeliveryError, Outgoing, Transport

NOT_CONFIGURED = "no text message provider configured (SMS_PROVIDER)"
TIMEOUT_SECONDS = 15.0  # well inside the worker's lease of at least a minute


def _notify_reason(error: APIError) -> str:
    """Notify's own words for a refusal: the first error's class and message (its JSON), else the HTTP status."""
    response = error.response
    try:
        found: Any = response.json() if response is not None else None
    except ValueError:
        found = None
    errors = found.get("errors") if isinstance(found, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return " ".join(f"{first.get('error', '')}: {first.get('message', '')}".split())[:240]
    return f"HTTP {error.status_code}"


class NotifySmsTransport:
    """Sends each text message with one POST to Notify's /v2/notifications/sms (a JWT signed with the API key)."""

    def __init__(self, api_key: str, template_id: str, base_url: str) -> None:
        self.template_id = template_id
        # The client signs each request with a fresh JWT (iss: the service id, HS256 with the key's secret).
        self.client = NotificationsAPIClient(api_key, base_url=base_url, timeout=TIMEOUT_SECONDS)

    def send(self, message: Outgoing) -> None:
        """Deliver one text message; a refusal or network failure becomes a DeliveryError naming Notify's reason."""
        try:
            self.client.send_sms_notification(
                phone_number=message.recipient,
                template_id=self.template_id,
                personalisation={"body": message.body},
                reference=f"outbox-{message.id}",
            )
        except APIError as error:
            cause = error.__cause__
            if error.response is None:  # no answer at all: refused, timed out, name not found
                kind = type(cause).__name__ if cause is not None else "no response"
                raise DeliveryError(f"GOV.UK Notify unreachable: {kind}") from error
            status = error.status_code
            reason = f"GOV.UK Notify said {status} {_notify_reason(error)}"
            raise DeliveryError(reason, permanent=400 <= status < 500 and status not in (403, 408, 429)) from error
        except requests.RequestException as error:  # raised outside the client's own wrapping
            raise DeliveryError(f"GOV.UK Notify unreachable: {type(error).__name__}") from error


def sms_transport(settings: Settings) -> Transport | None:
    """The text message transport the settings configure, None when SMS_PROVIDER is unset."""
    if settings.SMS_PROVIDER == "notify":
        return NotifySmsTransport(settings.NOTIFY_API_KEY, settings.NOTIFY_SMS_TEMPLATE_ID, settings.NOTIFY_BASE_URL)
    return None
