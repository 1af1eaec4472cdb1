"""Staff accounts in tests: creating them, signing in through the real forms, a controllable clock, cheap hashing."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pyotp
from argon2 import PasswordHasher
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.apps import csrf_token
from triage.db import users

STAFF_PASSWORD = "plum orbit lantern 42 quietly"  # noqa: S105 - a test account's password


def cheap_hasher() -> PasswordHasher:
    """argon2id with the smallest parameters: a hash takes well under a millisecond instead of almost a second.

    Only tests use it; tests/security/test_auth_passwords.py checks that production keeps the strong parameters.
    """
    return users.make_hasher(time_cost=1, memory_cost=64, parallelism=1)


@dataclass(frozen=True)
class StaffLogin:
    """A test staff account: what StaffIdentity holds plus its password and TOTP secret."""

    id: int
    email: str
    roles: frozenset[str]
    password: str
    totp_secret: str

    def code(self) -> str:
        """The TOTP code for the app's current clock (triage.db.users.now)."""
        return pyotp.TOTP(self.totp_secret).at(users.now())


def _staff_url(client: FlaskClient, endpoint: str, **values: Any) -> str:
    with client.application.test_request_context():
        return url_for(endpoint, **values)


def create_staff(
    app: Flask, roles: tuple[str, ...] = ("clinician",), email: str | None = None, password: str = STAFF_PASSWORD
) -> StaffLogin:
    """Create a staff account (TOTP already enrolled, as from the CLI) directly in the app's database."""
    with app.extensions["triage_db"].session() as session:
        user, uri = users.create_user(session, email or f"staff-{uuid.uuid4().hex[:8]}@example.org", password, roles)
        return StaffLogin(user.id, user.email, users.parse_roles(user.roles), password, pyotp.parse_uri(uri).secret)


def submit_password(client: FlaskClient, email: str, password: str, next_: str | None = None) -> TestResponse:
    """Post the sign-in form (email and password step) with a fresh CSRF token."""
    login_url = _staff_url(client, "auth.login")
    page = client.get(login_url)
    data = {"csrf_token": csrf_token(page.data), "email": email, "password": password, "next": next_ or ""}
    return client.post(login_url, data=data)


def submit_code(client: FlaskClient, code: str) -> TestResponse:
    """Post the second sign-in step (TOTP or recovery code)."""
    code_url = _staff_url(client, "auth.login_totp")
    page = client.get(code_url)
    return client.post(code_url, data={"csrf_token": csrf_token(page.data), "code": code})


def sign_in(client: FlaskClient, account: StaffLogin, next_: str | None = None) -> TestResponse:
    """Sign a client in through the real forms, TOTP step included; returns the final redirect."""
    first = submit_password(client, account.email, account.password, next_)
    assert first.status_code == 302, first.data[:500]
    if first.location.endswith(_staff_url(client, "auth.login_totp")):
        final = submit_code(client, account.code())
        assert final.status_code == 302, final.data[:500]
        return final
    return first


class StaffClock:
    """A controllable clock for triage.db.users.now (sessions, lockouts and TOTP steps)."""

    def __init__(self) -> None:
        self.moment = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        """The frozen moment."""
        return self.moment

    def advance(self, **delta: float) -> None:
        """Move the clock forward (timedelta keywords)."""
        self.moment += dt.timedelta(**delta)
