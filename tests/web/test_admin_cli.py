"""`triage users`: create (password from stdin or prompted twice, URI printed once), list, disable."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from tests.helpers.staff import StaffClock, StaffLogin, sign_in
from triage.cli import users as users_cli
from triage.cli.main import cli
from triage.db import users
from triage.db.models import User


def run(app: Flask, *args: str, **kwargs: Any) -> Result:
    """Invoke the CLI against this app."""
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), **kwargs)


def stored(app: Flask, email: str) -> User | None:
    """The stored account."""
    with app.extensions["triage_db"].session() as session:
        return session.scalar(select(User).where(User.email == email))


def test_create_reads_the_password_from_stdin_and_prints_the_uri_last(app: Flask, staff_clock: StaffClock) -> None:
    result = run(
        app,
        "users",
        "create",
        "Dr.Who@Example.org",
        "--role",
        "clinician",
        "--role",
        "admin",
        input="  spaces kept in this one \n",
    )
    assert result.exit_code == 0, result.output
    uri = result.stdout.strip().splitlines()[-1]
    assert uri.startswith("otpauth://totp/") and "secret=" in uri
    user = stored(app, "dr.who@example.org")
    assert user is not None and user.roles == "clinician,admin" and user.totp_enrolled
    assert user.password_hash.startswith("$argon2id$")
    totp = pyotp.parse_uri(uri)
    assert user.totp_secret == totp.secret
    account = StaffLogin(user.id, user.email, frozenset({"clinician", "admin"}), "  spaces kept in this one ", totp.secret)
    sign_in(app.test_client(), account)  # the printed URI works in an authenticator, the password was not trimmed


def test_the_uri_is_printed_once(app: Flask) -> None:
    result = run(app, "users", "create", "once@example.org", "--role", "clinician", input="a long enough passphrase\n")
    assert result.output.count("otpauth://") == 1
    assert "a long enough passphrase" not in result.output
    assert "otpauth://" not in run(app, "users", "list").output


def test_create_prompts_twice_on_a_terminal(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_cli, "interactive", lambda: True)
    result = run(
        app,
        "users",
        "create",
        "tty@example.org",
        "--role",
        "rules_editor",
        input="first passphrase typed\nmistyped passphrase\nfirst passphrase typed\nfirst passphrase typed\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert "Repeat the password" in result.output
    user = stored(app, "tty@example.org")
    assert user is not None and users.hasher.verify(user.password_hash, "first passphrase typed")


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["bad@example.org", "--role", "clinician"], "short\n", "at least 12"),
        (["bad@example.org", "--role", "clinician"], "password1234\n", "too common"),
        (["bad@example.org", "--role", "clinician"], "x" * 129 + "\n", "at most 128"),
        (["not-an-email", "--role", "clinician"], "a long enough passphrase\n", "email address"),
        (["bad@example.org", "--role", "superuser"], "a long enough passphrase\n", "superuser"),
        (["bad@example.org"], "a long enough passphrase\n", "--role"),
    ],
)
def test_create_refuses_bad_input(app: Flask, args: list[str], password: str, message: str) -> None:
    result = run(app, "users", "create", *args, input=password)
    assert result.exit_code != 0
    assert message in result.output
    assert "otpauth://" not in result.output
    assert stored(app, "bad@example.org") is None


def test_create_refuses_a_duplicate(app: Flask) -> None:
    run(app, "users", "create", "dup@example.org", "--role", "clinician", input="a long enough passphrase\n")
    result = run(app, "users", "create", "DUP@example.org", "--role", "admin", input="another long passphrase\n")
    assert result.exit_code == 1 and "already exists" in result.output


def test_list_and_disable(app: Flask) -> None:
    run(app, "users", "create", "listed@example.org", "--role", "clinician", input="a long enough passphrase\n")
    assert "listed@example.org" in run(app, "users", "list").output and "active" in run(app, "users", "list").output
    result = run(app, "users", "disable", "listed@example.org")
    assert result.exit_code == 0
    user = stored(app, "listed@example.org")
    assert user is not None and not user.active
    assert "disabled" in run(app, "users", "list").output
    assert run(app, "users", "disable", "nobody@example.org").exit_code == 1
