"""Patient message templates: placeholders checked by name, filled in as plain values, text messages counted in parts;
the text message provider's settings all or none."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.helpers.notify import API_KEY, TEMPLATE_ID
from triage.config import Settings
from triage.domain.invitations.message_text import BY_NAME, FIELDS, TemplateRefused, check_template, render, sms_segments
from triage.jobs.mail import transports_from_settings
from triage.jobs.sms import NotifySmsTransport


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.name)
def test_every_default_text_passes_its_own_check(field: object) -> None:
    assert check_template(field, field.default) == field.default  # type: ignore[arg-type, attr-defined]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("invitation_sms", "{name} {link}", "Invitation text message: {name} is not a placeholder here; use {clinic_name},"),
        ("invitation_email_subject", "Open {link}", "Invitation email: subject: {link} is not a placeholder here"),
        ("reminder_sms", "{clinic_name} {link}", "Reminder text message: the text must contain {opt_out_link}."),
        ("invitation_email_body", "Hi {link:>10}", "Invitation email: text: {link:>10} is not a placeholder."),
        ("invitation_email_body", "Hi {link} }", "Invitation email: text: "),
        ("invitation_email_body", "Hi {link.__class__}", "is not a placeholder"),
        ("invitation_email_subject", "Two\\nlines", "Invitation email: subject: a subject is one line."),
        ("reminder_email_body", "   ", "Reminder email: text: enter the text"),
    ],
)
def test_a_bad_template_is_refused_naming_the_field(name: str, text: str, message: str) -> None:
    with pytest.raises(TemplateRefused) as refused:
        check_template(BY_NAME[name], text.replace("\\n", "\n"))
    assert message in str(refused.value) and refused.value.field == name


def test_values_are_inserted_as_they_are_never_read_as_templates() -> None:
    text = render("{clinic_name}: {link}", {"clinic_name": "A {link} clinic", "link": "https://x/i/t"})
    assert text == "A {link} clinic: https://x/i/t"
    assert render("Braces {{like this}} {link}", {"link": "L"}) == "Braces {like this} L"


@pytest.mark.parametrize(
    ("text", "segments"),
    [("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("€" * 80, 1), ("€" * 81, 2), ("ą" * 70, 1), ("ą" * 71, 2)],
)
def test_text_messages_are_counted_in_parts_as_networks_send_them(text: str, segments: int) -> None:
    assert sms_segments(text) == segments


def test_text_messages_need_every_notify_setting_and_none_without_the_provider() -> None:
    with pytest.raises(ValidationError, match="NOTIFY_API_KEY"):
        Settings(TRIAGE_ENV="test", SMS_PROVIDER="notify", NOTIFY_SMS_TEMPLATE_ID=TEMPLATE_ID)
    with pytest.raises(ValidationError, match="NOTIFY_SMS_TEMPLATE_ID"):
        Settings(TRIAGE_ENV="test", SMS_PROVIDER="notify", NOTIFY_API_KEY=API_KEY, NOTIFY_SMS_TEMPLATE_ID="welcome")
    with pytest.raises(ValidationError, match="SMS_PROVIDER is not"):
        Settings(TRIAGE_ENV="test", NOTIFY_API_KEY=API_KEY)
    with pytest.raises(ValidationError, match="https"):
        Settings(TRIAGE_ENV="production", SMS_PROVIDER="notify", NOTIFY_BASE_URL="http://notify.example")
    settings = Settings(TRIAGE_ENV="test", SMS_PROVIDER="notify", NOTIFY_API_KEY=API_KEY, NOTIFY_SMS_TEMPLATE_ID=TEMPLATE_ID)
    assert API_KEY not in repr(settings)
    assert isinstance(transports_from_settings(settings)["sms"], NotifySmsTransport)
    assert "sms" not in transports_from_settings(Settings(TRIAGE_ENV="test"))
