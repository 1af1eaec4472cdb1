"""Security headers on every response (pages, error pages, static files) and no inline script or style in HTML."""

from __future__ import annotations

import logging
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.helpers.apps import HTTPS, csrf_token, dummy_url
from tests.helpers.staff import StaffClock, create_staff, sign_in
from triage.db import users
from triage.web.access import staff_required

REQUIRED_CSP = ("default-src 'none'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'")


def assert_security_headers(response: TestResponse, phi: bool = True) -> None:
    """The header set every response must carry."""
    csp = response.headers.get("Content-Security-Policy", "")
    for directive in REQUIRED_CSP:
        assert directive in csp, (response.request.path, directive)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    if phi:
        assert response.headers["Cache-Control"] == "no-store", response.request.path


class InlineFinder(HTMLParser):
    """Collects inline <script> bodies, <style> elements, style= and on*= attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower() for name, _ in attrs}
        if tag == "style":
            self.problems.append("<style>")
        if tag == "script":
            self._in_script = "src" not in names
        self.problems += [f"{tag} {name}=" for name in names if name == "style" or name.startswith("on")]
        self.problems += [
            f"{tag} javascript: url" for _, value in attrs if value and value.strip().lower().startswith("javascript:")
        ]

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("inline <script> body")


def inline_problems(html: str) -> list[str]:
    """What in a page the CSP would block or should not exist."""
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems


def test_the_checker_finds_inline_code() -> None:
    found = inline_problems(
        '<p style="color:red" onclick="x()">a</p><script>alert(1)</script><style>p{}</style><a href="javascript:x()">x</a>'
    )
    assert sorted(found) == sorted(["p style=", "p onclick=", "inline <script> body", "<style>", "a javascript: url"])
    assert inline_problems('<script src="/static/js/a.js"></script><a href="/x">x</a>') == []


@pytest.fixture
def error_app(make_app: Callable[..., Flask]) -> Flask:
    """An app with a staff route that raises, as in production (exceptions not propagated)."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/staff/test-explode")
    @staff_required
    def explode() -> str:
        raise RuntimeError("secret-sql SELECT * FROM users token=abc123")

    return app


def test_error_pages_carry_the_headers(error_app: Flask, staff_clock: StaffClock, caplog: pytest.LogCaptureFixture) -> None:
    client = error_app.test_client()
    responses = {
        404: client.get("/no-such-page"),
        405: client.get("/staff/logout"),
        400: client.post("/staff/login", data={"email": "a@b.example", "password": "x" * 20}),
        413: client.post("/staff/login", data={"email": "a" * (2 * 1024 * 1024)}),
    }
    sign_in(client, create_staff(error_app, ("clinician",)))
    responses[403] = client.get("/admin/users")
    with caplog.at_level(logging.ERROR):
        responses[500] = client.get("/staff/test-explode")
    for status, response in responses.items():
        assert response.status_code == status
        assert_security_headers(response)
        assert response.mimetype == "text/html"
        assert not inline_problems(response.get_data(as_text=True))
    body = responses[500].get_data(as_text=True)
    for leak in ("Traceback", "Werkzeug", "secret-sql", "SELECT", "abc123", "RuntimeError"):
        assert leak not in body
    assert "Something went wrong" in body
    assert any("unhandled error" in r.getMessage() and r.exc_info for r in caplog.records)


def test_static_files_carry_the_headers(app: Flask) -> None:
    response = app.test_client().get("/static/css/app.css")
    assert response.status_code == 200
    assert_security_headers(response, phi=False)


def test_every_page_of_every_role_carries_headers_and_no_inline_code(app: Flask, staff_clock: StaffClock) -> None:
    anonymous, member = app.test_client(), app.test_client()
    sign_in(member, create_staff(app, users.ROLES))
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
            continue
        for client in (anonymous, member):
            response = client.get(dummy_url(app, rule))
            assert_security_headers(response)
            if response.mimetype == "text/html":
                assert not inline_problems(response.get_data(as_text=True)), rule.rule
                checked += 1
    assert checked >= 10


def test_sign_in_pages_have_no_inline_code(app: Flask, staff_clock: StaffClock) -> None:
    client = app.test_client()
    account = create_staff(app)
    pages = [client.get("/staff/login")]
    pages.append(
        client.post(
            "/staff/login",
            data={"csrf_token": csrf_token(pages[0].data), "email": account.email, "password": "wrong password here"},
        )
    )
    client.post(
        "/staff/login", data={"csrf_token": csrf_token(pages[0].data), "email": account.email, "password": account.password}
    )
    pages.append(client.get("/staff/login/code"))
    for page in pages:
        assert page.status_code == 200
        assert_security_headers(page)
        assert not inline_problems(page.get_data(as_text=True))


def test_hsts_in_production_only(app: Flask, production_app: Flask) -> None:
    assert "Strict-Transport-Security" not in app.test_client().get("/staff/login").headers
    response = production_app.test_client().get("/staff/login", **HTTPS)
    value = response.headers["Strict-Transport-Security"]
    max_age = int(value.split("max-age=")[1].split(";")[0])
    assert max_age >= 31536000 and "includeSubDomains" in value
    assert_security_headers(response)
