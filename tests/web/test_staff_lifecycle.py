"""Staff account lifecycle: name, title and registration; the admin's reset; last sign-in and failures; disable/enable."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.helpers.apps import csrf_token
from tests.helpers.staff import StaffClock, StaffLogin, create_staff, sign_in, submit_password
from triage.cli.main import cli
from triage.db import totp, users
from triage.db.models import AuditEvent, RecoveryCode, User

TEMPORARY = "temporary passphrase from admin"  # noqa: S105 - a test password
OWN = "my own passphrase chosen now"  # noqa: S105 - a test password


def post(client: FlaskClient, path: str, page: str, **data: Any) -> tuple[int, str]:
    """POST a form with the CSRF token of a page; the followed page's status and text."""
    response = client.post(path, data={"csrf_token": csrf_token(client.get(page).data), **data})
    if response.status_code == 302:
        followed = client.get(response.location)
        return followed.status_code, followed.get_data(as_text=True)
    return response.status_code, response.get_data(as_text=True)


def stored(app: Flask, user_id: int) -> User:
    """The account row as stored now."""
    with app.extensions["triage_db"].session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def actions(app: Flask) -> list[tuple[str, str, str]]:
    """(action, actor, detail) of every audit row, in order."""
    with app.extensions["triage_db"].session() as session:
        return [(r.action, r.actor, r.detail) for r in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


@pytest.fixture
def admin(app: Flask, staff_clock: StaffClock) -> FlaskClient:
    """A signed-in admin."""
    client = app.test_client()
    sign_in(client, create_staff(app, ("admin",)))
    staff_clock.advance(seconds=30)
    return client


@pytest.fixture
def member(app: Flask) -> StaffLogin:
    """A clinician."""
    return create_staff(app, ("clinician",), email="asha.patel@example.org")


def profile(admin: FlaskClient, member: StaffLogin, **fields: str) -> tuple[int, str]:
    """The admin posts the member's name, title and registration."""
    data = {"display_name": "", "title": "", "registration_type": "", "registration_number": "", **fields}
    return post(admin, f"/admin/users/{member.id}/profile", f"/admin/users/{member.id}", **data)


def test_staff_display_is_the_name_or_else_the_email() -> None:
    assert users.staff_display(User(email="a@example.org", display_name="Dr Asha Patel")) == "Dr Asha Patel"
    assert users.staff_display(User(email="a@example.org", display_name="  ")) == "a@example.org"


def test_an_admin_records_name_title_and_registration_and_staff_pages_name_the_member(
    app: Flask, admin: FlaskClient, member: StaffLogin, staff_clock: StaffClock
) -> None:
    status, page = profile(
        admin, member, display_name=" Dr  Asha Patel ", title="Consultant gastroenterologist", registration_type="GMC",
        registration_number="1234567",
    )  # fmt: skip
    assert status == 200 and "Name, title and registration saved" in page
    assert "<h1>Dr Asha Patel</h1>" in page and "GMC 1234567" in page
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert f'href="/admin/users/{member.id}">Dr Asha Patel</a>' in listing and "Consultant gastroenterologist" in listing
    own = app.test_client()
    sign_in(own, member)
    header = own.get("/staff/account").get_data(as_text=True)
    assert '<span class="who">Dr Asha Patel</span>' in header and "GMC 1234567" in header
    assert [a for a in actions(app) if a[0] == "user.profile"][0][2] == f"user {member.id} display name, title, registration"


@pytest.mark.parametrize(
    ("kind", "number", "accepted", "stored_as"),
    [
        ("GMC", "1234567", True, "1234567"),
        ("GMC", "123456", False, ""),
        ("NMC", " 12a3456e ", True, "12A3456E"),
        ("NMC", "1234567", False, ""),
        ("NPI", "1234567893", True, "1234567893"),  # CMS's example of a valid NPI
        ("NPI", "1234567890", False, ""),  # a wrong check digit
        ("other", "HCPC PA12345", True, "HCPC PA12345"),
        ("GMC", "", False, ""),
        ("", "1234567", False, ""),
        ("surgeon-general", "1", False, ""),
    ],
)
def test_registration_numbers_are_checked_against_their_register(
    app: Flask, admin: FlaskClient, member: StaffLogin, kind: str, number: str, accepted: bool, stored_as: str
) -> None:
    status, page = profile(admin, member, registration_type=kind, registration_number=number)
    assert (status == 200) is accepted, page[:2000]
    if not accepted:
        assert status == 400 and 'aria-invalid="true"' in page
    assert stored(app, member.id).registration_number == stored_as


def test_members_edit_their_own_name_and_title_but_not_their_registration(
    app: Flask, member: StaffLogin, staff_clock: StaffClock
) -> None:
    client = app.test_client()
    sign_in(client, member)
    status, page = post(
        client, "/staff/account/profile", "/staff/account", display_name="Asha Patel", title="Clinical nurse specialist",
        registration_type="GMC", registration_number="1234567",
    )  # fmt: skip
    assert status == 200 and "Your name and title were saved" in page
    assert '<span class="who">Asha Patel</span>' in page
    user = stored(app, member.id)
    assert (user.display_name, user.professional_title, user.registration_number) == (
        "Asha Patel",
        "Clinical nurse specialist",
        "",
    )
    assert ("user.profile", member.email, f"user {member.id} own display name, title") in actions(app)
    status, page = post(client, "/staff/account/profile", "/staff/account", display_name="x" * 121, title="")
    assert status == 400 and "120" in page


def test_an_admin_reset_forces_a_new_password_and_a_new_authenticator(
    app: Flask, admin: FlaskClient, member: StaffLogin, staff_clock: StaffClock
) -> None:
    elsewhere = app.test_client()
    sign_in(elsewhere, member)
    with app.extensions["triage_db"].session() as session:
        totp.new_recovery_codes(session, session.get(User, member.id))  # type: ignore[arg-type]
    status, page = post(admin, f"/admin/users/{member.id}/reset-password", f"/admin/users/{member.id}", password=TEMPORARY)
    assert status == 200 and "Account reset and signed out everywhere" in page
    assert elsewhere.get("/staff/account").status_code == 302
    assert submit_password(app.test_client(), member.email, member.password).status_code == 200  # the old one is gone
    client = app.test_client()
    first = submit_password(client, member.email, TEMPORARY)
    assert first.location == "/staff/login/new-password"
    assert client.get("/staff/login/code").location == "/staff/login"  # no skipping the new password
    first = submit_password(client, member.email, TEMPORARY)
    _status, text_ = post(client, "/staff/login/new-password", "/staff/login/new-password", new=TEMPORARY, confirm=TEMPORARY)
    assert "different from the temporary one" in text_
    response = client.post(
        "/staff/login/new-password",
        data={"csrf_token": csrf_token(client.get("/staff/login/new-password").data), "new": OWN, "confirm": OWN},
    )
    assert response.location == "/staff/enrol"
    user = stored(app, member.id)
    assert not user.must_change_password and not user.totp_enrolled and user.totp_secret != member.totp_secret
    code = pyotp.TOTP(user.totp_secret or "").at(users.now())
    enrol = client.post("/staff/enrol", data={"csrf_token": csrf_token(client.get("/staff/enrol").data), "code": code})
    assert enrol.status_code == 200 and "recovery codes" in enrol.get_data(as_text=True)
    assert client.get("/staff/account").status_code == 200
    trail = [(a, d) for a, _actor, d in actions(app)]
    assert ("user.password_reset", f"user {member.id}: new password and authenticator at next sign-in") in trail
    assert ("password.change", "required after an admin reset") in trail
    with app.extensions["triage_db"].session() as session:
        codes = session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_(None)))
        assert codes == 10  # the new enrolment's codes only


def test_an_admin_reset_needs_a_policy_password_and_not_ones_own_account(
    app: Flask, admin: FlaskClient, member: StaffLogin
) -> None:
    status, page = post(admin, f"/admin/users/{member.id}/reset-password", f"/admin/users/{member.id}", password="password1234")
    assert status == 400 and "too common" in page and not stored(app, member.id).must_change_password
    with app.extensions["triage_db"].session() as session:
        own_id = session.scalar(select(User.id).where(User.roles == "admin"))
    _status, page = post(admin, f"/admin/users/{own_id}/reset-password", f"/admin/users/{own_id}", password=TEMPORARY)
    assert "cannot reset your own account" in page


@pytest.mark.parametrize("action", ["profile", "reset-password"])
def test_only_admins_reach_the_lifecycle_forms(app: Flask, member: StaffLogin, staff_clock: StaffClock, action: str) -> None:
    client = app.test_client()
    sign_in(client, member)
    token = csrf_token(client.get("/staff/account").data)
    assert client.post(f"/admin/users/{member.id}/{action}", data={"csrf_token": token, "password": TEMPORARY}).status_code == 403
    assert not stored(app, member.id).must_change_password


def test_the_users_page_shows_last_sign_in_and_failed_attempts_since(
    app: Flask, admin: FlaskClient, member: StaffLogin, staff_clock: StaffClock
) -> None:
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "Last sign-in" in listing and "<td>Never</td>" in listing
    for _ in range(2):
        submit_password(app.test_client(), member.email, "wrong password sentinel")
    detail = admin.get(f"/admin/users/{member.id}").get_data(as_text=True)
    assert "<dd>2 (the last at " in detail
    sign_in(app.test_client(), member)
    when = staff_clock.moment.strftime("%Y-%m-%d %H:%M UTC")
    detail = admin.get(f"/admin/users/{member.id}").get_data(as_text=True)
    assert f"<dt>Last sign-in</dt><dd>{when}</dd>" in detail and "<dd>0</dd>" in detail


def test_disable_and_enable_are_audited_and_a_disabled_member_cannot_sign_in(
    app: Flask, admin: FlaskClient, member: StaffLogin, staff_clock: StaffClock
) -> None:
    elsewhere = app.test_client()
    sign_in(elsewhere, member)
    post(admin, f"/admin/users/{member.id}/disable", f"/admin/users/{member.id}")
    assert elsewhere.get("/staff/account").status_code == 302
    assert submit_password(app.test_client(), member.email, member.password).status_code == 200
    post(admin, f"/admin/users/{member.id}/enable", f"/admin/users/{member.id}")
    staff_clock.advance(seconds=30)
    sign_in(app.test_client(), member)
    trail = [(a, d) for a, _actor, d in actions(app)]
    assert ("user.disable", f"user {member.id}") in trail and ("user.enable", f"user {member.id}") in trail


def run(app: Flask, *args: str, **kwargs: Any) -> Result:
    """Invoke the CLI against this app."""
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), **kwargs)


def test_the_cli_enables_and_resets_accounts_and_lists_the_last_sign_in(
    app: Flask, member: StaffLogin, staff_clock: StaffClock
) -> None:
    assert "never signed in" in run(app, "users", "list").output
    run(app, "users", "disable", member.email)
    assert run(app, "users", "enable", member.email).exit_code == 0 and stored(app, member.id).active
    assert run(app, "users", "reset", member.email, input="short\n").exit_code == 1
    result = run(app, "users", "reset", member.email, input=f"{TEMPORARY}\n")
    assert result.exit_code == 0, result.output
    user = stored(app, member.id)
    assert user.must_change_password and not user.totp_enrolled
    assert submit_password(app.test_client(), member.email, TEMPORARY).location == "/staff/login/new-password"
    assert [a for a, actor, _d in actions(app) if actor == "cli"] == ["user.disable", "user.enable", "user.password_reset"]
