"""A local stand-in for GOV.UK Notify's API: POST /v2/notifications/sms as Notify documents it, recording each request.

It checks what Notify checks: a Bearer JWT signed HS256 with the API key's secret, whose `iss` is the service id
and whose `iat` is within 30 seconds; a JSON body with phone_number, template_id and personalisation. It answers
201 with Notify's response shape, or the error a test sets (Notify's error shape), and can stop and start again on
the same port (Notify unreachable, then back).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

from tests.helpers.smtp import free_port

SERVICE_ID = "6f1d7c2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f"
SECRET = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
API_KEY = f"gut_triage_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5"


@dataclass(frozen=True)
class SmsRequest:
    """One request Notify accepted or refused: its path, its verified JWT claims and its JSON body."""

    path: str
    claims: dict[str, Any]
    body: dict[str, Any]
    status: int


def _error(status: int, kind: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"status_code": status, "errors": [{"error": kind, "message": message}]}


class NotifyServer:
    """Notify's SMS endpoint on 127.0.0.1; `requests` lists what arrived, in order."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[SmsRequest] = []
        self.lock = threading.Lock()
        # (status, JSON body) to answer every valid request with instead of 201, e.g. fail_with(400, ...).
        self.answer: tuple[int, dict[str, Any]] | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def fail_with(self, status: int, kind: str = "BadRequestError", message: str = "Bad request") -> None:
        """Answer every request with this Notify error (None-like reset: answer_normally())."""
        self.answer = _error(status, kind, message)

    def answer_normally(self) -> None:
        """Accept messages again."""
        self.answer = None

    def settings(self) -> dict[str, Any]:
        """The app settings that send text messages to this server."""
        return {
            "SMS_PROVIDER": "notify",
            "NOTIFY_API_KEY": API_KEY,
            "NOTIFY_SMS_TEMPLATE_ID": TEMPLATE_ID,
            "NOTIFY_BASE_URL": self.url,
        }

    def received(self) -> list[SmsRequest]:
        """The requests that were accepted (answered 201)."""
        with self.lock:
            return [r for r in self.requests if r.status == 201]

    def start(self) -> NotifyServer:
        """Listen (again) on the same port."""
        if self._server is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
            self._server.allow_reuse_address = True
            self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until start() is called again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None

    def handle(self, path: str, authorization: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        """Notify's answer to one request (and the request recorded)."""
        if path != "/v2/notifications/sms":
            return _error(404, "NotFound", "Not Found")
        scheme, _, token = authorization.partition(" ")
        if scheme != "Bearer" or not token:
            return _error(401, "AuthError", "Unauthorized: authentication token must be provided")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": True, "require": ["iss", "iat"]})
        except jwt.InvalidTokenError:
            return _error(403, "AuthError", "Invalid token: signature, api token not found")
        if claims["iss"] != SERVICE_ID:
            return _error(403, "AuthError", "Invalid token: service not found")
        if abs(time.time() - int(claims["iat"])) > 30:
            return _error(403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds")
        try:
            body = json.loads(raw)
        except ValueError:
            return _error(400, "BadRequestError", "Invalid JSON supplied in POST data")
        missing = [k for k in ("phone_number", "template_id") if not isinstance(body.get(k), str)]
        if missing:
            return _error(400, "ValidationError", f"{missing[0]} is a required property")
        status, answer = self.answer or (201, self._created(body))
        with self.lock:
            self.requests.append(SmsRequest(path, claims, body, status))
        return status, answer

    @staticmethod
    def _created(body: dict[str, Any]) -> dict[str, Any]:
        notification = str(uuid.uuid4())
        text = str((body.get("personalisation") or {}).get("body", ""))
        return {
            "id": notification,
            "reference": body.get("reference"),
            "content": {"body": text, "from_number": "GOVUK"},
            "uri": f"https://api.notifications.service.gov.uk/v2/notifications/{notification}",
            "template": {"id": body["template_id"], "version": 1, "uri": "https://api.notifications.service.gov.uk/template"},
        }


def _handler(server: NotifyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = server.handle(self.path, self.headers.get("Authorization", ""), raw)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    return Handler
