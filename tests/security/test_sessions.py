"""Server-side staff sessions: fixation, idle and absolute limits, revocation on sign-out, password change and disable."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from tests.helpers.apps import HTTPS, build_app, csrf_token
from tests.helpers.staff import StaffClock, StaffLogin, create_staff, sign_in, submit_password
from triage.db.models import Base, StaffSession
from triage.web.access import STAFF_COOKIE, staff_cookie_signer

COOKIE = STAFF_COOKIE  # the staff session has its own SameSite=Strict cookie; the patient's Flask session stays Lax
FLASK_COOKIE = "triage_session"


def cookie(client: FlaskClient, name: str = COOKIE) -> str:
    """The client's current session cookie value."""
    found = client.get_cookie(name)
    assert found is not None
    return found.value


def replay(app: Flask, value: str) -> FlaskClient:
    """A fresh client (another browser) carrying a copied cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    return other


def signed_in(client: FlaskClient) -> bool:
    """Whether the client opens a staff page."""
    return client.get("/staff/account").status_code == 200


def raw_session_id(app: Flask, client: FlaskClient) -> str:
    """The random id held in the signed staff cookie."""
    return str(staff_cookie_signer(app).loads(cookie(client)))


def test_session_id_changes_at_sign_in_and_the_old_cookie_is_not_signed_in(app: Flask, staff_clock: StaffClock) -> None:
    client = app.test_client()
    account = create_staff(app)
    client.get("/staff/login")
    assert client.get_cookie(COOKIE) is None  # no staff cookie before sign-in: an attacker's planted one is replaced
    before = staff_cookie_signer(app).dumps("planted-by-an-attacker")
    client.set_cookie(COOKIE, before)
    sign_in(client, account)
    after = cookie(client)
    assert before != after
    assert signed_in(client)
    assert replay(app, before).get("/staff/account").status_code == 302


def test_a_pre_login_session_is_not_carried_into_the_signed_in_one(app: Flask, staff_clock: StaffClock) -> None:
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["planted"] = "by an attacker"
    sign_in(client, create_staff(app))
    with client.session_transaction() as flask_session:
        assert "planted" not in flask_session


def test_only_the_hash_of_the_session_id_is_stored(app: Flask, staff_clock: StaffClock) -> None:
    client = app.test_client()
    sign_in(client, create_staff(app))
    raw = raw_session_id(app, client)
    with app.extensions["triage_db"].session() as session:
        stored = list(session.scalars(select(StaffSession.id_sha256)))
        dump = " ".join(
            str(value) for table in Base.metadata.sorted_tables for row in session.execute(select(table)) for value in row
        )
    assert stored == [hashlib.sha256(raw.encode()).hexdigest()]
    assert raw not in dump


def test_idle_timeout_signs_out_with_a_message(app: Flask, staff_clock: StaffClock) -> None:
    client = app.test_client()
    sign_in(client, create_staff(app))
    staff_clock.advance(minutes=14)  # the idle limit is 15 minutes (security requirements)
    assert signed_in(client)
    staff_clock.advance(minutes=15, seconds=30)
    response = client.get("/staff/account")
    assert response.status_code == 302 and response.location.startswith("/staff/login")
    assert b"signed out due to inactivity" in client.get(response.location).data
    staff_clock.advance(seconds=1)
    assert not signed_in(client)  # the server-side row was revoked, not just skipped


def test_absolute_lifetime_ends_an_active_session(app: Flask, staff_clock: StaffClock) -> None:
    client = app.test_client()
    sign_in(client, create_staff(app))
    for _ in range(43):  # active every 14 minutes for 10 hours
        staff_clock.advance(minutes=14)
        assert signed_in(client)
    staff_clock.advance(hours=2, minutes=1)  # past 12 h in all, while active
    response = client.get("/staff/account")
    assert response.status_code == 302
    assert b"time limit" in client.get(response.location).data


def test_limits_are_configurable(make_app: Callable[..., Flask], staff_clock: StaffClock) -> None:
    app = make_app(STAFF_IDLE_MINUTES=5)
    client = app.test_client()
    sign_in(client, create_staff(app))
    staff_clock.advance(minutes=6)
    assert not signed_in(client)


def test_sign_out_is_a_post_and_revokes_the_session_server_side(app: Flask, staff_clock: StaffClock) -> None:
    client = app.test_client()
    sign_in(client, create_staff(app))
    copied = cookie(client)
    assert client.get("/staff/logout").status_code == 405
    page = client.get("/staff/account")
    response = client.post("/staff/logout", data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 302 and response.location == "/staff/login"
    assert not signed_in(client)
    thief = replay(app, copied)
    assert thief.get("/staff/account").status_code == 302
    with app.extensions["triage_db"].session() as session:
        assert session.scalar(select(StaffSession.revoked_at)) is not None


def two_browsers(app: Flask, clock: StaffClock) -> tuple[StaffLogin, FlaskClient, FlaskClient]:
    """One account signed in from two clients (a TOTP step apart: codes are accepted once)."""
    account = create_staff(app)
    first, second = app.test_client(), app.test_client()
    sign_in(first, account)
    clock.advance(seconds=30)
    sign_in(second, account)
    return account, first, second


def test_password_change_revokes_every_session(app: Flask, staff_clock: StaffClock) -> None:
    account, first, second = two_browsers(app, staff_clock)
    copied = cookie(first)
    page = first.get("/staff/password")
    response = first.post(
        "/staff/password",
        data={
            "csrf_token": csrf_token(page.data),
            "current": account.password,
            "new": "a brand new passphrase 77",
            "confirm": "a brand new passphrase 77",
        },
    )
    assert response.status_code == 302
    assert signed_in(first)  # this browser got a new session
    assert cookie(first) != copied
    assert not signed_in(second)
    assert replay(app, copied).get("/staff/account").status_code == 302
    staff_clock.advance(seconds=30)
    assert submit_password(app.test_client(), account.email, account.password).status_code == 200  # old password refused


def test_disabling_an_account_revokes_its_sessions(app: Flask, staff_clock: StaffClock) -> None:
    _account, member, _second = two_browsers(app, staff_clock)
    copied = cookie(member)
    admin = app.test_client()
    staff_clock.advance(seconds=30)
    admin_account = create_staff(app, ("admin",))
    sign_in(admin, admin_account)
    page = admin.get(f"/admin/users/{_account.id}")
    assert admin.post(f"/admin/users/{_account.id}/disable", data={"csrf_token": csrf_token(page.data)}).status_code == 302
    assert not signed_in(member)
    assert replay(app, copied).get("/staff/account").status_code == 302


def test_a_session_of_a_disabled_account_is_refused_even_if_not_revoked(app: Flask, staff_clock: StaffClock) -> None:
    client = app.test_client()
    account = create_staff(app)
    sign_in(client, account)
    with app.extensions["triage_db"].session() as session:
        session.execute(text("UPDATE users SET active = :off WHERE id = :id"), {"off": False, "id": account.id})
    assert not signed_in(client)


def test_development_cookie_flags(app: Flask, staff_clock: StaffClock) -> None:
    client = app.test_client()
    account = create_staff(app)
    submit_password(client, account.email, account.password)
    page = client.get("/staff/login/code")
    response = client.post("/staff/login/code", data={"csrf_token": csrf_token(page.data), "code": account.code()})
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}=")]
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/" in header
    assert "Expires" not in header  # a browser-session cookie: the server enforces the limits
    [flask_header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{FLASK_COOKIE}=")]
    assert "SameSite=Lax" in flask_header  # the patient's link from an email must still carry the patient cookie


def test_production_cookie_is_host_prefixed_secure_httponly_strict(production_app: Flask, staff_clock: StaffClock) -> None:
    app = production_app
    account = create_staff(app)
    client = app.test_client()
    https = HTTPS
    page = client.get("/staff/login", **https)
    response = client.post(
        "/staff/login", data={"csrf_token": csrf_token(page.data), "email": account.email, "password": account.password}, **https
    )
    assert response.status_code == 302
    page = client.get("/staff/login/code", **https)
    response = client.post("/staff/login/code", data={"csrf_token": csrf_token(page.data), "code": account.code()}, **https)
    assert response.status_code == 302
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"__Host-{COOKIE}=")]
    attributes = {part.strip().split("=")[0] for part in header.split(";")}
    assert {"Secure", "HttpOnly", "Path"} <= attributes and "Domain" not in attributes
    assert "SameSite=Strict" in header and "Path=/" in header
    [flask_header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"__Host-{FLASK_COOKIE}=")]
    assert "Secure" in flask_header and "SameSite=Lax" in flask_header
    assert client.get("/staff/account", **https).status_code == 200


def test_the_cookie_is_refused_by_another_secret(app: Flask, tmp_path: Path, staff_clock: StaffClock) -> None:
    client = app.test_client()
    sign_in(client, create_staff(app))
    other = build_app(app.config["DATABASE_URL"], tmp_path, SECRET_KEY="another-secret-key-that-is-long-enough-987654")
    stranger = other.test_client()
    stranger.set_cookie(COOKIE, cookie(client))
    assert stranger.get("/staff/account").status_code == 302
    other.extensions["triage_db"].dispose()
