"""Forgot password: an emailed link (read from a real SMTP server) that works once, for a short time, stored hashed.

The page answers the same for every address, the email goes through the outbox and the worker, the new password
follows the policy, every session of the account ends, and each step is audited.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.helpers.apps import csrf_token
from tests.helpers.outbox import worker_for
from tests.helpers.smtp import SmtpServer
from tests.helpers.staff import StaffClock, StaffLogin, cheap_hasher, create_staff, sign_in, submit_password
from triage.db import password_resets, users
from triage.db.models import AuditEvent, OutboxMessage, User
from triage.db.models.staff import PasswordReset

BASE = "https://triage.clinic.example"
LINK = re.compile(re.escape(BASE) + r"(/staff/reset/[A-Za-z0-9_-]+)")
NEW_PASSWORD = "violet harbour compass 7 slowly"  # noqa: S105 - a test password


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    """An app that mails the test's SMTP server, with links on the clinic's public address."""
    return make_app(**smtp_server.settings(), MAIL_FROM="gut-triage@clinic.example", PUBLIC_BASE_URL=BASE)


@pytest.fixture
def member(mail_app: Flask, staff_clock: StaffClock) -> StaffLogin:
    """A clinician."""
    return create_staff(mail_app, ("clinician",))


def ask(client: FlaskClient, email: str, **kwargs: Any) -> TestResponse:
    """Ask for a reset link through the form on the sign-in page (kwargs go with every request, e.g. base_url)."""
    assert 'href="/staff/forgot-password"' in client.get("/staff/login", **kwargs).get_data(as_text=True)
    page = client.get("/staff/forgot-password", **kwargs)
    return client.post("/staff/forgot-password", data={"csrf_token": csrf_token(page.data), "email": email}, **kwargs)


def emailed_link(app: Flask, smtp_server: SmtpServer) -> str:
    """Let the worker send what is due and return the path of the newest reset link the SMTP server received."""
    worker_for(app).run_round()
    found = [LINK.search(message.body()) for message in smtp_server.messages()]
    links = [match.group(1) for match in found if match]
    assert links, [m.body() for m in smtp_server.messages()]
    return links[-1]


def set_password(client: FlaskClient, link: str, new: str = NEW_PASSWORD, confirm: str | None = None) -> TestResponse:
    """Open the emailed link and post a new password on its page (or return the page when it has no form)."""
    opened = client.get(link)
    assert opened.status_code == 303 and opened.location == "/staff/reset"
    page = client.get("/staff/reset")
    if b'name="csrf_token"' not in page.data:
        return page
    data = {"csrf_token": csrf_token(page.data), "new": new, "confirm": new if confirm is None else confirm}
    return client.post("/staff/reset", data=data)


def rows(app: Flask, model: Any) -> list[Any]:
    """Every row of a table."""
    with app.extensions["triage_db"].session() as session:
        return list(session.scalars(select(model)))


def audited(app: Flask, prefix: str) -> list[tuple[str, str, str, str]]:
    """(action, actor, outcome, detail) of the audit rows whose action starts with the prefix."""
    return [(r.action, r.actor, r.outcome, r.detail) for r in rows(app, AuditEvent) if r.action.startswith(prefix)]


def test_a_member_resets_a_forgotten_password_by_the_emailed_link(
    mail_app: Flask, smtp_server: SmtpServer, member: StaffLogin, staff_clock: StaffClock
) -> None:
    elsewhere = mail_app.test_client()
    sign_in(elsewhere, member)
    answer = ask(mail_app.test_client(), member.email.upper())
    assert answer.status_code == 200 and "Check your email" in answer.get_data(as_text=True)
    link = emailed_link(mail_app, smtp_server)
    [message] = smtp_server.messages()
    assert message.rcpt_tos == (member.email,) and message.email["Subject"] == "Reset your staff password"
    assert "works once" in message.body() and "30 minutes" in message.body()
    browser = mail_app.test_client()
    done = set_password(browser, link)
    assert done.status_code == 302 and done.location == "/staff/login"
    assert "Sign in with the new password" in browser.get("/staff/login").get_data(as_text=True)
    assert elsewhere.get("/staff/account").status_code == 302  # every session of the account ended
    assert submit_password(mail_app.test_client(), member.email, member.password).status_code == 200  # old one refused
    staff_clock.advance(seconds=30)
    sign_in(mail_app.test_client(), dataclasses.replace(member, password=NEW_PASSWORD))  # the TOTP step still follows
    assert [a[:3] for a in audited(mail_app, "password_reset")] == [
        ("password_reset.request", member.email, "ok"),
        ("password_reset.complete", member.email, "ok"),
    ]


def test_unknown_disabled_and_known_addresses_get_the_same_answer(
    mail_app: Flask, member: StaffLogin, monkeypatch: pytest.MonkeyPatch
) -> None:
    disabled = create_staff(mail_app, ("clinician",))
    with mail_app.extensions["triage_db"].session() as session:
        users.set_active(session, session.get(User, disabled.id), False)  # type: ignore[arg-type]
    hashed: list[str] = []

    class CountingHasher(PasswordHasher):
        def hash(self, *args: Any, **kwargs: Any) -> str:
            hashed.append("hash")
            return super().hash(*args, **kwargs)

        def verify(self, *args: Any, **kwargs: Any) -> bool:
            hashed.append("verify")
            return super().verify(*args, **kwargs)

    cheap = cheap_hasher()
    monkeypatch.setattr(users, "hasher", CountingHasher(time_cost=cheap.time_cost, memory_cost=cheap.memory_cost, parallelism=1))
    pages = [ask(mail_app.test_client(), email) for email in (member.email, "nobody@example.org", disabled.email)]
    assert {page.status_code for page in pages} == {200}
    assert len({page.get_data(as_text=True) for page in pages}) == 1
    assert hashed == []  # no path spends a password hash the others do not (the same timing class)
    assert [m.recipient for m in rows(mail_app, OutboxMessage)] == [member.email]
    outcomes = [(actor, outcome, detail) for _action, actor, outcome, detail in audited(mail_app, "password_reset")]
    assert outcomes == [
        (member.email, "ok", "email queued"),
        ("anonymous", "denied", "unknown address"),
        (disabled.email, "denied", "disabled account"),
    ]
    assert all("nobody" not in row.actor + row.detail for row in rows(mail_app, AuditEvent))


def test_only_the_hash_of_the_token_is_stored_and_the_sent_email_loses_the_link_once_used(
    mail_app: Flask, smtp_server: SmtpServer, member: StaffLogin
) -> None:
    ask(mail_app.test_client(), member.email)
    link = emailed_link(mail_app, smtp_server)
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 random bits
    [reset] = rows(mail_app, PasswordReset)
    assert reset.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr([getattr(reset, c.key) for c in PasswordReset.__table__.columns])
    set_password(mail_app.test_client(), link)
    [message] = rows(mail_app, OutboxMessage)
    assert message.status == "sent" and token not in message.body and message.body == password_resets.LINK_REMOVED


def test_a_link_works_once(mail_app: Flask, smtp_server: SmtpServer, member: StaffLogin) -> None:
    ask(mail_app.test_client(), member.email)
    link = emailed_link(mail_app, smtp_server)
    assert set_password(mail_app.test_client(), link).status_code == 302
    again = mail_app.test_client()
    again.get(link)
    page = again.get("/staff/reset").get_data(as_text=True)
    assert "This link does not work" in page and 'name="new"' not in page


@pytest.mark.parametrize(("minutes", "works"), [(4, True), (6, False)])
def test_a_link_expires_after_password_reset_minutes(
    make_app: Callable[..., Flask], smtp_server: SmtpServer, staff_clock: StaffClock, minutes: int, works: bool
) -> None:
    app = make_app(**smtp_server.settings(), PUBLIC_BASE_URL=BASE, PASSWORD_RESET_MINUTES=5)
    member = create_staff(app, ("clinician",))
    ask(app.test_client(), member.email)
    link = emailed_link(app, smtp_server)
    assert "5 minutes" in smtp_server.messages()[-1].body()
    staff_clock.advance(minutes=minutes)
    response = set_password(app.test_client(), link)
    assert (response.status_code == 302) is works
    if not works:
        assert "This link does not work" in response.get_data(as_text=True)


def test_a_newer_link_or_a_password_change_ends_the_older_links(
    mail_app: Flask, smtp_server: SmtpServer, member: StaffLogin, staff_clock: StaffClock
) -> None:
    ask(mail_app.test_client(), member.email)
    first = emailed_link(mail_app, smtp_server)
    staff_clock.advance(seconds=5)
    ask(mail_app.test_client(), member.email)
    second = emailed_link(mail_app, smtp_server)
    assert first != second
    assert "This link does not work" in set_password(mail_app.test_client(), first).get_data(as_text=True)
    staff_clock.advance(seconds=5)
    with mail_app.extensions["triage_db"].session() as session:
        users.change_password(session, session.get(User, member.id), "a different new passphrase")  # type: ignore[arg-type]
    assert "This link does not work" in set_password(mail_app.test_client(), second).get_data(as_text=True)


@pytest.mark.parametrize(
    ("new", "confirm", "problem"),
    [("password1234", None, "too common"), ("short", None, "at least 12"), (NEW_PASSWORD, "something else", "differ")],
)
def test_the_new_password_follows_the_policy_and_a_refusal_keeps_the_link(
    mail_app: Flask, smtp_server: SmtpServer, member: StaffLogin, new: str, confirm: str | None, problem: str
) -> None:
    ask(mail_app.test_client(), member.email)
    link = emailed_link(mail_app, smtp_server)
    browser = mail_app.test_client()
    refused = set_password(browser, link, new, confirm)
    assert refused.status_code == 200 and problem in refused.get_data(as_text=True)
    assert set_password(browser, link).status_code == 302


def test_the_email_address_is_refused_as_the_new_password(mail_app: Flask, smtp_server: SmtpServer, member: StaffLogin) -> None:
    ask(mail_app.test_client(), member.email)
    refused = set_password(mail_app.test_client(), emailed_link(mail_app, smtp_server), member.email)
    assert "Do not use your email address" in refused.get_data(as_text=True)


def test_a_few_emails_per_address_then_the_same_page_and_no_more_mail(mail_app: Flask, member: StaffLogin) -> None:
    pages = [ask(mail_app.test_client(), member.email).get_data(as_text=True) for _ in range(5)]
    assert len(set(pages)) == 1
    assert len(rows(mail_app, OutboxMessage)) == 3
    assert [a[3] for a in audited(mail_app, "password_reset.request")][-2:] == ["too many requests"] * 2


def test_the_link_starts_with_public_base_url_whatever_host_the_request_named(
    mail_app: Flask, smtp_server: SmtpServer, member: StaffLogin
) -> None:
    answer = ask(mail_app.test_client(), member.email, base_url="http://attacker.example")
    assert answer.status_code == 200
    worker_for(mail_app).run_round()
    body = smtp_server.messages()[-1].body()
    assert LINK.search(body) and "attacker.example" not in body


def test_a_reset_ends_a_lockout(mail_app: Flask, smtp_server: SmtpServer, member: StaffLogin, staff_clock: StaffClock) -> None:
    for _ in range(users.MAX_FAILURES):
        submit_password(mail_app.test_client(), member.email, "wrong password sentinel")
    ask(mail_app.test_client(), member.email)
    set_password(mail_app.test_client(), emailed_link(mail_app, smtp_server))
    staff_clock.advance(seconds=30)
    sign_in(mail_app.test_client(), dataclasses.replace(member, password=NEW_PASSWORD))
