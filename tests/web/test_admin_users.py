"""Admin user management: list, create, change roles, disable/enable, reset TOTP; non-admins get 403."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.helpers.apps import csrf_token
from tests.helpers.staff import StaffClock, StaffLogin, create_staff, sign_in, submit_password
from triage.db import totp
from triage.db.models import RecoveryCode, StaffSession, User


@dataclass
class Admin:
    """A signed-in admin client."""

    app: Flask
    client: FlaskClient
    account: StaffLogin

    def post(self, path: str, page: str, **data: str | list[str]) -> tuple[int, str]:
        """POST a form with the token of a page; returns status and the followed page's text."""
        response = self.client.post(path, data={"csrf_token": csrf_token(self.client.get(page).data), **data})
        if response.status_code == 302:
            return 302, self.client.get(response.location).get_data(as_text=True)
        return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def admin(app: Flask, staff_clock: StaffClock) -> Admin:
    client = app.test_client()
    account = create_staff(app, ("admin",))
    sign_in(client, account)
    return Admin(app, client, account)


def user_row(app: Flask, email: str) -> User | None:
    """The stored account."""
    with app.extensions["triage_db"].session() as session:
        return session.scalar(select(User).where(User.email == email))


@pytest.mark.parametrize("role", ["clinician", "rules_editor"])
def test_non_admins_get_403_on_user_management(app: Flask, staff_clock: StaffClock, role: str) -> None:
    client = app.test_client()
    sign_in(client, create_staff(app, (role,)))
    token = csrf_token(client.get("/staff/account").data)
    for path in ("/admin/users", "/admin/users/new", "/admin/users/1", "/admin/settings", "/admin/audit", "/admin/audit.csv"):
        assert client.get(path).status_code == 403, path
    for path in (
        "/admin/users/new",
        "/admin/users/1/roles",
        "/admin/users/1/disable",
        "/admin/users/1/reset-totp",
        "/admin/settings",
    ):
        assert client.post(path, data={"csrf_token": token, "email": "x@example.org", "roles": "admin"}).status_code == 403, path
    assert user_row(app, "x@example.org") is None


def test_the_list_shows_every_account_escaped(admin: Admin) -> None:
    member = create_staff(admin.app, ("clinician", "rules_editor"), email="o'brien+gi@example.org")
    page = admin.client.get("/admin/users").get_data(as_text=True)
    assert admin.account.email in page
    assert "o&#39;brien+gi@example.org" in page
    assert f'href="/admin/users/{member.id}"' in page
    assert "Clinician, Rules editor" in page


def test_admin_creates_an_account_that_enrols_at_first_sign_in(admin: Admin) -> None:
    status, page = admin.post(
        "/admin/users/new",
        "/admin/users/new",
        email=" New.Member@Example.org ",
        password="a long first passphrase",
        roles=["clinician", "rules_editor"],
    )
    assert status == 302 and "Account created" in page
    user = user_row(admin.app, "new.member@example.org")
    assert user is not None and user.roles == "clinician,rules_editor" and not user.totp_enrolled
    assert user.password_hash.startswith("$argon2id$") and "a long first passphrase" not in page
    assert (user.totp_secret or "") not in page  # the admin never sees the new member's TOTP secret
    response = submit_password(admin.app.test_client(), "new.member@example.org", "a long first passphrase")
    assert response.status_code == 302 and response.location == "/staff/enrol"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not an email", "password": "a long first passphrase", "roles": "clinician"}, "email address like"),
        ({"email": "a@example.org", "password": "short", "roles": "clinician"}, "at least 12"),
        ({"email": "a@example.org", "password": "password1234", "roles": "clinician"}, "too common"),
        ({"email": "a@example.org", "password": "p" * 129, "roles": "clinician"}, "at most 128"),
        ({"email": "a@example.org", "password": "a long first passphrase"}, "at least one role"),
        ({"email": "a@example.org", "password": "a long first passphrase", "roles": "superuser"}, "Choose roles from the list"),
        ({"email": "a\x00b@example.org", "password": "a long first passphrase", "roles": "clinician"}, "control characters"),
    ],
)
def test_create_refuses_bad_input_with_a_field_error(admin: Admin, data: dict[str, str], message: str) -> None:
    status, page = admin.post("/admin/users/new", "/admin/users/new", **data)
    assert status == 200 and message in page
    assert 'aria-invalid="true"' in page
    with admin.app.extensions["triage_db"].session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_create_refuses_a_duplicate_email(admin: Admin) -> None:
    status, page = admin.post(
        "/admin/users/new",
        "/admin/users/new",
        email=admin.account.email.upper(),
        password="a long first passphrase",
        roles="clinician",
    )
    assert status == 200 and "already exists" in page


def test_roles_change_and_an_admin_keeps_their_own_admin_role(admin: Admin) -> None:
    member = create_staff(admin.app, ("clinician",))
    page = f"/admin/users/{member.id}"
    status, text_ = admin.post(f"/admin/users/{member.id}/roles", page, roles=["rules_editor", "admin"])
    assert status == 302 and "Roles changed" in text_
    assert user_row(admin.app, member.email).roles == "rules_editor,admin"  # type: ignore[union-attr]
    _status, text_ = admin.post(f"/admin/users/{member.id}/roles", page)
    assert "Choose at least one role" in text_
    own = f"/admin/users/{admin.account.id}"
    _status, text_ = admin.post(f"/admin/users/{admin.account.id}/roles", own, roles="clinician")
    assert "cannot remove your own administrator role" in text_
    assert user_row(admin.app, admin.account.email).roles == "admin"  # type: ignore[union-attr]


def test_a_role_change_takes_effect_on_the_next_request(admin: Admin, staff_clock: StaffClock) -> None:
    member = create_staff(admin.app, ("admin",))
    client = admin.app.test_client()
    staff_clock.advance(seconds=30)
    sign_in(client, member)
    assert client.get("/admin/users").status_code == 200
    admin.post(f"/admin/users/{member.id}/roles", f"/admin/users/{member.id}", roles="clinician")
    assert client.get("/admin/users").status_code == 403


def test_disable_revokes_sessions_and_blocks_sign_in_until_enabled(admin: Admin, staff_clock: StaffClock) -> None:
    member = create_staff(admin.app, ("clinician",))
    client = admin.app.test_client()
    staff_clock.advance(seconds=30)
    sign_in(client, member)
    status, page = admin.post(f"/admin/users/{member.id}/disable", f"/admin/users/{member.id}")
    assert status == 302 and "disabled" in page
    assert client.get("/staff/account").status_code == 302
    with admin.app.extensions["triage_db"].session() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(StaffSession)
                .where(StaffSession.user_id == member.id, StaffSession.revoked_at.is_(None))
            )
            == 0
        )
    assert submit_password(admin.app.test_client(), member.email, member.password).status_code == 200
    assert admin.post(f"/admin/users/{member.id}/enable", f"/admin/users/{member.id}")[0] == 302
    staff_clock.advance(seconds=30)
    sign_in(admin.app.test_client(), member)


def test_an_admin_cannot_disable_themselves(admin: Admin) -> None:
    _status, page = admin.post(f"/admin/users/{admin.account.id}/disable", f"/admin/users/{admin.account.id}")
    assert "cannot disable your own account" in page
    assert admin.client.get("/admin/users").status_code == 200


def test_reset_totp_forces_a_new_enrolment(admin: Admin, staff_clock: StaffClock) -> None:
    member = create_staff(admin.app, ("clinician",))
    with admin.app.extensions["triage_db"].session() as session:
        totp.new_recovery_codes(session, session.get(User, member.id))  # type: ignore[arg-type]
    client = admin.app.test_client()
    staff_clock.advance(seconds=30)
    sign_in(client, member)
    assert admin.post(f"/admin/users/{member.id}/reset-totp", f"/admin/users/{member.id}")[0] == 302
    assert client.get("/staff/account").status_code == 302
    user = user_row(admin.app, member.email)
    assert user is not None and not user.totp_enrolled and user.totp_secret != member.totp_secret
    with admin.app.extensions["triage_db"].session() as session:
        assert session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == member.id)) == 0
    response = submit_password(admin.app.test_client(), member.email, member.password)
    assert response.location == "/staff/enrol"


def test_unknown_user_ids_give_404(admin: Admin) -> None:
    assert admin.client.get("/admin/users/424242").status_code == 404
    token = csrf_token(admin.client.get("/admin/users").data)
    for action in ("roles", "disable", "enable", "reset-totp"):
        assert (
            admin.client.post(f"/admin/users/424242/{action}", data={"csrf_token": token, "roles": "clinician"}).status_code
            == 404
        )


def test_the_navigation_shows_links_by_role(app: Flask, staff_clock: StaffClock) -> None:
    clinician = app.test_client()
    sign_in(clinician, create_staff(app, ("clinician",)))
    page = clinician.get("/staff/account").get_data(as_text=True)
    assert 'href="/admin/users"' not in page and 'href="/staff/account"' in page and 'action="/staff/logout"' in page
    both = app.test_client()
    staff_clock.advance(seconds=30)
    sign_in(both, create_staff(app, ("clinician", "admin")))
    page = both.get("/staff/account").get_data(as_text=True)
    assert 'href="/admin/users"' in page and 'href="/admin/audit"' in page
