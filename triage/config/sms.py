"""The text message provider's settings (GOV.UK Notify), checked fail-closed: all of them or none, well formed."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, ValidationInfo

RELAXED_ENVIRONMENTS = ("development", "test")
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# A Notify API key is "{key name}-{service id}-{secret}": the service id and the secret are both UUIDs.
NOTIFY_KEY = re.compile(rf"^[A-Za-z0-9_.-]+-{_UUID}-{_UUID}$")
NOTIFY_TEMPLATE = re.compile(rf"^{_UUID}$")


def _provider(info: ValidationInfo) -> str | None:
    # A provider that failed its own check is missing from info.data: that error is reported already.
    value = info.data.get("SMS_PROVIDER")
    return value if isinstance(value, str) else None


def notify_setting_problem(name: str, value: str, provider: str | None, production: bool) -> str | None:
    """Why a NOTIFY_* setting is refused, or None: each is needed with SMS_PROVIDER=notify and refused without it."""
    if provider is None:
        return None
    if name == "NOTIFY_BASE_URL":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.query:
            return "must be Notify's API address, e.g. https://api.notifications.service.gov.uk"
        if production and parts.scheme != "https":
            return "must be an https:// address in production"
        return None
    if provider != "notify" and value:
        return f"is set but SMS_PROVIDER is not: set SMS_PROVIDER=notify to send text messages, or unset {name}"
    if provider != "notify":
        return None
    if name == "NOTIFY_API_KEY" and not NOTIFY_KEY.match(value):
        return "must be a GOV.UK Notify API key (key name, service id and secret, as Notify shows it) with SMS_PROVIDER=notify"
    if name == "NOTIFY_SMS_TEMPLATE_ID" and not NOTIFY_TEMPLATE.match(value):
        return "must be the id (a UUID) of the Notify text message template whose content is ((body))"
    return None


def _check(value: str, info: ValidationInfo) -> str:
    production = info.data.get("TRIAGE_ENV", "production") not in RELAXED_ENVIRONMENTS
    problem = notify_setting_problem(info.field_name or "", value, _provider(info), production)
    if problem:
        raise ValueError(problem)
    return value


SmsProvider = Literal["", "notify"]
NotifySetting = Annotated[str, AfterValidator(_check)]
