"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 at a free port, recording every message it accepts.

It can be stopped and started again on the same port (a mail server that goes down and comes back), and can be told
to refuse every message with a temporary error (a mail server that keeps failing).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    """One message the server accepted: the envelope and the parsed email."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    email: EmailMessage

    def body(self) -> str:
        """The plain-text body with the wire's CRLF line ends read back as LF."""
        return str(self.email.get_content()).replace("\r\n", "\n")


class _RecordingHandler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any) -> str:
        if self.server.refuse_recipients_with:
            return self.server.refuse_recipients_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.server.refuse_with:
            return self.server.refuse_with
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1; `received` lists what it accepted, in order."""

    def __init__(self, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        # An SMTP reply such as "451 4.3.0 try again later" makes the server refuse every message's data.
        self.refuse_with = ""
        # An SMTP reply such as "550 5.1.1 no such user" makes it refuse every recipient (a permanent refusal).
        self.refuse_recipients_with = ""
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        """Start listening (again) on the same port."""
        if self._controller is None:
            self._controller = Controller(_RecordingHandler(self), hostname=self.host, port=self.port)
            self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until start() is called again."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self) -> dict[str, Any]:
        """The app settings that send mail to this server (plain SMTP, as for a server on this machine)."""
        return {"SMTP_HOST": self.host, "SMTP_PORT": self.port, "SMTP_SECURITY": "none", "SMTP_TIMEOUT_SECONDS": 5.0}

    def messages(self) -> list[Received]:
        """A copy of what was received so far."""
        with self.lock:
            return list(self.received)
