"""Every patient response carries the security headers; no page has inline script, style or on* handlers."""

from __future__ import annotations

import datetime as dt
import secrets
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.patient import (
    DONE_URL,
    REVIEW_URL,
    START_URL,
    csrf_of,
    has_security_headers,
    new_invitation,
    post_page,
    set_invitation,
    submit,
    walk_to_review,
)


class InlineCodeFinder(HTMLParser):
    """Collects inline scripts, style elements and attributes, and event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.problems.append("inline <script>")
        for name in names:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("script body")


def _check(response: TestResponse, label: str) -> None:
    assert has_security_headers(response), (label, dict(response.headers))
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if response.mimetype == "text/html":
        finder = InlineCodeFinder()
        finder.feed(response.get_data(as_text=True))
        assert finder.problems == [], (label, finder.problems)


def test_every_patient_page_and_error_page_has_the_headers(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    seen: dict[str, TestResponse] = {"link": client.get(f"/i/{token}"), "start": client.get(START_URL)}
    walk_to_review(client)
    for step in ("about_you", "symptom_details", "alarm_symptoms", "medicines", "test_details"):
        seen[step] = client.get(f"/intake/{step}")
    seen["review"] = client.get(REVIEW_URL)
    seen["field errors"] = post_page(client, "/intake/about_you", {"height_cm": ["tall"]})
    seen["field errors page"] = client.get("/intake/about_you")
    post_page(client, "/intake/about_you")
    seen["csrf missing"] = client.post("/intake/about_you", data={"full_name": "x"})
    seen["too large"] = client.post(
        "/intake/about_you", data={"csrf_token": csrf_of(seen["review"]), "x": "y" * (2 * 1024 * 1024)}
    )
    seen["unknown step"] = client.get("/intake/nope")
    stranger = app.test_client()
    seen["wrong link"] = stranger.get(f"/i/{secrets.token_urlsafe(32)}")
    seen["check page"] = stranger.get("/intake/check")  # a wrong link gets the date-of-birth check, like a right one
    seen["no session"] = app.test_client().get("/intake/about_you")
    seen["static js"] = client.get("/static/js/followups.js")
    seen["submit"] = submit(client)
    seen["done"] = client.get(DONE_URL)
    seen["after submit"] = client.post("/intake/about_you", data={"csrf_token": csrf_of(seen["review"]), "full_name": "x"})
    set_invitation(app, intake_id, revoked_at=dt.datetime.now(dt.UTC))
    seen["revoked"] = client.get(DONE_URL)
    statuses = {label: r.status_code for label, r in seen.items()}
    assert statuses["field errors"] == 303 and seen["field errors"].location == "/intake/about_you"
    assert statuses["field errors page"] == 200 and 'id="height_cm-e"' in seen["field errors page"].get_data(as_text=True)
    assert statuses["csrf missing"] == 400 and statuses["too large"] == 413
    assert statuses["after submit"] == 409 and statuses["revoked"] == 410 and statuses["wrong link"] == 303
    for label, response in seen.items():
        if label == "static js":
            assert response.headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in response.headers
            continue
        _check(response, label)
