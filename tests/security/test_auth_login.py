"""Staff sign-in: TOTP once within ±1 step, recovery codes, enrolment, lockout, per-IP limit, no account enumeration."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.staff import StaffClock, StaffLogin, create_staff, sign_in, submit_code, submit_password
from triage.db import totp, users
from triage.db.models import AuditEvent, Base, RecoveryCode, User
from triage.web.access import StaffIdentity
from triage.web.staff.auth import landing_url

TOKEN = re.compile(rb'name="csrf_token" type="hidden" value="[^"]+"')


def actions_since(app: Flask, last_id: int) -> list[tuple[str, str, str]]:
    """(action, actor, outcome) of every audit row after an id."""
    with app.extensions["triage_db"].session() as session:
        return [
            (r.action, r.actor, r.outcome)
            for r in session.scalars(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id))
        ]


def last_audit_id(app: Flask) -> int:
    """The newest audit row's id (0 when empty)."""
    with app.extensions["triage_db"].session() as session:
        return session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def landing(app: Flask, account: StaffLogin) -> str:
    """Where this member lands after sign-in (the worklist once the clinic blueprint exists)."""
    with app.test_request_context():
        return landing_url(StaffIdentity(account.id, account.email, account.roles))


def normalised(body: bytes, email: str) -> bytes:
    """A page without its per-request CSRF token and with the submitted email replaced."""
    return TOKEN.sub(b"TOKEN", body).replace(email.encode(), b"EMAIL")


def test_sign_in_takes_password_then_code(app: Flask, staff_clock: StaffClock) -> None:
    account = create_staff(app, ("admin",))
    client = app.test_client()
    start = last_audit_id(app)
    first = submit_password(client, account.email, account.password)
    assert first.status_code == 302 and first.location == "/staff/login/code"
    assert client.get("/staff/account").status_code == 302  # the password alone does not sign in
    final = submit_code(client, account.code())
    assert final.status_code == 302 and final.location == "/admin/users"
    assert client.get("/admin/users").status_code == 200
    assert actions_since(app, start) == [("login", account.email, "ok")]


def test_unknown_account_and_wrong_password_look_identical(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    account = create_staff(app)
    dummy_calls: list[int] = []
    real_dummy = users.dummy_verify

    def counting_dummy() -> None:
        dummy_calls.append(1)
        real_dummy()

    monkeypatch.setattr(users, "dummy_verify", counting_dummy)
    unknown_email = "nobody-here@example.org"
    unknown = submit_password(app.test_client(), unknown_email, "some wrong password")
    assert dummy_calls == [1]
    wrong = submit_password(app.test_client(), account.email, "some wrong password")
    assert dummy_calls == [1]  # a real verification ran instead
    assert unknown.status_code == wrong.status_code == 200
    assert normalised(unknown.data, unknown_email) == normalised(wrong.data, account.email)
    assert b"Sign-in failed" in wrong.data


def test_disabled_and_locked_accounts_look_the_same_too(app: Flask, staff_clock: StaffClock) -> None:
    disabled, locked = create_staff(app), create_staff(app)
    with app.extensions["triage_db"].session() as session:
        session.get(User, disabled.id).active = False  # type: ignore[union-attr]
        session.get(User, locked.id).locked_until = users.now() + dt.timedelta(minutes=10)  # type: ignore[union-attr]
    reference = submit_password(app.test_client(), "nobody@example.org", "some wrong password")
    for account in (disabled, locked):
        response = submit_password(app.test_client(), account.email, account.password)
        assert response.status_code == 200
        assert normalised(response.data, account.email) == normalised(reference.data, "nobody@example.org")


def test_lockout_after_five_failures_refuses_even_the_right_password(app: Flask, staff_clock: StaffClock) -> None:
    account, bystander = create_staff(app), create_staff(app)
    client = app.test_client()
    start = last_audit_id(app)
    for _ in range(5):
        assert submit_password(client, account.email, "not the password at all").status_code == 200
    rows = actions_since(app, start)
    assert [a for a, _, _ in rows].count("login.failed") == 5
    assert [a for a, _, _ in rows].count("lockout") == 1
    refused = submit_password(client, account.email, account.password)
    assert refused.status_code == 200 and b"Sign-in failed" in refused.data
    assert client.get("/staff/login/code").status_code == 302  # no pending second step
    sign_in(app.test_client(), bystander)  # other accounts are unaffected
    staff_clock.advance(minutes=15, seconds=1)
    sign_in(app.test_client(), account)  # the lockout is temporary


def test_wrong_codes_count_towards_the_lockout(app: Flask, staff_clock: StaffClock) -> None:
    account = create_staff(app)
    client = app.test_client()
    submit_password(client, account.email, account.password)
    for _ in range(4):
        assert submit_code(client, "000000" if account.code() != "000000" else "111111").status_code == 200
    last = submit_code(client, "000000" if account.code() != "000000" else "111111")
    assert last.status_code == 302 and last.location == "/staff/login"
    assert submit_password(client, account.email, account.password).status_code == 200  # locked now


def test_per_address_limit_returns_429_and_spares_other_addresses(make_app: Callable[..., Flask]) -> None:
    app = make_app(LOGIN_IP_MAX_FAILURES=3)
    client = app.test_client()
    for n in range(3):
        assert submit_password(client, f"guess{n}@example.org", "wrong password here").status_code == 200
    blocked = submit_password(client, "guess9@example.org", "wrong password here")
    assert blocked.status_code == 429
    assert blocked.headers["X-Frame-Options"] == "DENY"
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert submit_password(other, "guess1@example.org", "wrong password here").status_code == 200


def second_sign_in(app: Flask, account: StaffLogin, code: str) -> int:
    """Status of the code step of a fresh sign-in with a given code."""
    client = app.test_client()
    assert submit_password(client, account.email, account.password).status_code == 302
    return submit_code(client, code).status_code


def test_a_totp_code_is_accepted_only_once(app: Flask, staff_clock: StaffClock) -> None:
    account = create_staff(app)
    code = account.code()
    assert second_sign_in(app, account, code) == 302
    assert second_sign_in(app, account, code) == 200  # replayed within its window


@pytest.mark.parametrize(("offset", "accepted"), [(-60, False), (-30, True), (0, True), (30, True), (60, False)])
def test_totp_window_is_one_step(app: Flask, staff_clock: StaffClock, offset: int, accepted: bool) -> None:
    # A random secret can, rarely, give an outside step the same code as an accepted one: take another account then.
    for _ in range(10):
        account = create_staff(app)
        code = pyotp.TOTP(account.totp_secret).at(staff_clock() + dt.timedelta(seconds=offset))
        inside = {pyotp.TOTP(account.totp_secret).at(staff_clock() + dt.timedelta(seconds=s)) for s in (-30, 0, 30)}
        if accepted or code not in inside:
            break
    assert second_sign_in(app, account, code) == (302 if accepted else 200)


def test_an_older_step_is_refused_after_a_newer_one(app: Flask, staff_clock: StaffClock) -> None:
    account = create_staff(app)
    totp = pyotp.TOTP(account.totp_secret)
    assert second_sign_in(app, account, totp.at(staff_clock())) == 302
    assert second_sign_in(app, account, totp.at(staff_clock() - dt.timedelta(seconds=30))) == 200


def test_recovery_code_signs_in_once_and_is_stored_hashed(app: Flask, staff_clock: StaffClock) -> None:
    account = create_staff(app)
    with app.extensions["triage_db"].session() as session:
        codes = totp.new_recovery_codes(session, session.get(User, account.id))  # type: ignore[arg-type]
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.extensions["triage_db"].session() as session:
        dump = " ".join(str(v) for t in Base.metadata.sorted_tables for row in session.execute(select(t)) for v in row)
    assert not any(code in dump or code.replace("-", "") in dump for code in codes)
    assert second_sign_in(app, account, codes[3].lower()) == 302
    assert second_sign_in(app, account, codes[3]) == 200
    with app.extensions["triage_db"].session() as session:
        assert totp.unused_recovery_codes(session, account.id) == 9
        assert session.scalar(select(RecoveryCode.used_at).where(RecoveryCode.used_at.is_not(None))) is not None


def admin_created(app: Flask, email: str = "new.member@example.org") -> str:
    """An account as the admin UI makes it: TOTP not yet enrolled."""
    with app.extensions["triage_db"].session() as session:
        users.create_user(session, email, "first password for you", ("clinician",), totp_enrolled=False)
    return email


def test_first_sign_in_enrols_totp_by_qr_code_and_shows_recovery_codes(app: Flask, staff_clock: StaffClock) -> None:
    email = admin_created(app)
    client = app.test_client()
    assert client.get("/staff/enrol/qr.svg").status_code == 404  # nothing to show without the password step
    first = submit_password(client, email, "first password for you")
    assert first.status_code == 302 and first.location == "/staff/enrol"
    page = client.get("/staff/enrol")
    assert b'src="/staff/enrol/qr.svg"' in page.data
    qr = client.get("/staff/enrol/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.data.startswith(b"<svg") and b"<script" not in qr.data
    assert qr.headers["Cache-Control"] == "no-store"
    with app.extensions["triage_db"].session() as session:
        secret = str(session.scalar(select(User.totp_secret).where(User.email == email)))
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert spaced.encode() in page.data
    wrong = client.post("/staff/enrol", data={"csrf_token": csrf_token(page.data), "code": "12345x"})
    assert wrong.status_code == 200 and b"not accepted" in wrong.data
    done = client.post("/staff/enrol", data={"csrf_token": csrf_token(page.data), "code": pyotp.TOTP(secret).at(staff_clock())})
    assert done.status_code == 200
    shown = re.findall(rb"<code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code>", done.data)
    assert len(shown) == 10
    assert client.get("/staff/account").status_code == 200
    with app.extensions["triage_db"].session() as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None and user.totp_enrolled
        assert totp.unused_recovery_codes(session, user.id) == 10


def test_totp_can_be_switched_off_on_a_development_install(app: Flask, staff_clock: StaffClock) -> None:
    admin = app.test_client()
    sign_in(admin, create_staff(app, ("admin",)))
    page = admin.get("/admin/settings")
    assert b"checked" in page.data
    assert admin.post("/admin/settings", data={"csrf_token": csrf_token(page.data)}).status_code == 302
    member = create_staff(app)
    response = submit_password(app.test_client(), member.email, member.password)
    assert response.status_code == 302 and response.location == landing(app, member)


def test_totp_cannot_be_switched_off_in_production(production_app: Flask, staff_clock: StaffClock) -> None:
    from tests.helpers.apps import HTTPS

    app = production_app
    admin = create_staff(app, ("admin",))
    client = app.test_client()
    page = client.get("/staff/login", **HTTPS)
    client.post(
        "/staff/login", data={"csrf_token": csrf_token(page.data), "email": admin.email, "password": admin.password}, **HTTPS
    )
    page = client.get("/staff/login/code", **HTTPS)
    assert (
        client.post("/staff/login/code", data={"csrf_token": csrf_token(page.data), "code": admin.code()}, **HTTPS).status_code
        == 302
    )
    page = client.get("/admin/settings", **HTTPS)
    refused = client.post("/admin/settings", data={"csrf_token": csrf_token(page.data)}, **HTTPS)
    assert refused.status_code == 200 and b"cannot be switched off" in refused.data
    with app.extensions["triage_db"].session() as session:
        assert users.totp_required(session)


def test_signed_in_members_skip_the_form(app: Flask, staff_login: Callable[..., StaffLogin]) -> None:
    client: FlaskClient = app.test_client()
    account = staff_login(client, roles=("clinician",))
    response = client.get("/staff/login")
    assert response.status_code == 302 and response.location == landing(app, account)


def test_a_stored_totp_off_switch_is_ignored_in_production(production_app: Flask, staff_clock: StaffClock) -> None:
    from tests.helpers.apps import HTTPS

    app = production_app
    with app.extensions["triage_db"].session() as session:
        users.set_totp_required(session, False)  # e.g. a database first seeded by `triage demo`
    member = create_staff(app)
    client = app.test_client()
    page = client.get("/staff/login", **HTTPS)
    form = {"csrf_token": csrf_token(page.data), "email": member.email, "password": member.password}
    response = client.post("/staff/login", data=form, **HTTPS)
    assert response.status_code == 302 and response.location.endswith("/staff/login/code")
