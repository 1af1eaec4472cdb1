"""Email through SMTP (the standard library's smtplib): the message as an EmailMessage, and the transport that sends it."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime

from triage.config import Settings
from triage.db.clock import utcnow
from triage.jobs.sms import sms_transport
from triage.jobs.transport import DeliveryError, Outgoing, Transport

NOT_CONFIGURED = "no mail server configured"


def build_email(message: Outgoing, mail_from: str) -> EmailMessage:
    """The email for one outbox message: plain text, with a Message-ID that stays the same on every try."""
    email = EmailMessage()
    try:
        email["From"] = mail_from
        email["To"] = message.recipient
        email["Subject"] = message.subject
        for name, value in message.headers:
            email[name] = value
    except ValueError as error:
        # The email package refuses CR/LF in a header (header injection): retrying cannot help.
        raise DeliveryError(f"bad header: {error}", permanent=True) from error
    domain = mail_from.rpartition("@")[2] or "localhost"
    # Not make_msgid(): that adds a time and a random part, and the id must be the same on a re-send.
    email["Message-ID"] = f"<outbox-{message.id}.{message.message_key}@{domain}>"
    email["Date"] = format_datetime(utcnow())
    # Tells mail servers and auto-responders that no person wrote this (RFC 3834): no out-of-office loops.
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body or message.subject)
    return email


class SmtpTransport:
    """Sends each email over its own SMTP connection (starttls, implicit tls or plain), with the configured account."""

    def __init__(self, settings: Settings) -> None:
        self.host = settings.SMTP_HOST
        self.port = settings.SMTP_PORT
        self.security = settings.SMTP_SECURITY
        self.username = settings.SMTP_USERNAME
        self.password = settings.SMTP_PASSWORD
        self.timeout = settings.SMTP_TIMEOUT_SECONDS
        self.mail_from = settings.MAIL_FROM

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def send(self, message: Outgoing) -> None:
        """Deliver one email; any refusal or network failure becomes a DeliveryError naming the SMTP reply."""
        email = build_email(message, self.mail_from)
        try:
            with self._connect() as smtp:
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            replies = "; ".join(f"{code} {_reply_text(text)}" for code, text in error.recipients.values())
            raise DeliveryError(f"recipient refused: {replies}", permanent=all(c >= 500 for c in codes)) from error
        except smtplib.SMTPResponseException as error:
            raise DeliveryError(f"mail server said {error.smtp_code} {_reply_text(error.smtp_error)}") from error
        except smtplib.SMTPException as error:  # e.g. no STARTTLS offered, or the connection dropped mid-way
            raise DeliveryError(f"mail server error: {type(error).__name__}: {error}"[:300]) from error
        except OSError as error:  # refused, timed out, name not found, TLS certificate not trusted
            raise DeliveryError(f"mail server unreachable: {type(error).__name__}: {error}"[:300]) from error


def _reply_text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return " ".join(text.split())[:240]


def transports_from_settings(settings: Settings) -> dict[str, Transport]:
    """The transports the settings configure, by channel: email when SMTP_HOST is set, text messages when SMS_PROVIDER is."""
    transports: dict[str, Transport] = {"email": SmtpTransport(settings)} if settings.SMTP_HOST else {}
    sms = sms_transport(settings)
    if sms is not None:
        transports["sms"] = sms
    return transports
