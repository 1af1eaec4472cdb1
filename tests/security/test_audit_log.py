"""The audit log: one row per security event, append-only on both databases, a verifiable chain, and clean application logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, exc, select, text

from tests.helpers.apps import csrf_token
from tests.helpers.staff import StaffClock, StaffLogin, create_staff, sign_in, submit_code, submit_password
from triage.db import audit, totp
from triage.db.audit import AuditLogImmutable
from triage.db.models import AuditEvent, User
from triage.web.access import log_safe


@dataclass
class World:
    """An app with a signed-in admin, a member and a clock."""

    app: Flask
    admin: FlaskClient
    admin_account: StaffLogin
    member: StaffLogin
    clock: StaffClock

    def post(self, client: FlaskClient, path: str, page: str, **data: str) -> int:
        """POST a form with the CSRF token taken from a page."""
        token = csrf_token(client.get(page).data)
        return client.post(path, data={"csrf_token": token, **data}).status_code


@pytest.fixture
def world(app: Flask, staff_clock: StaffClock) -> World:
    admin = app.test_client()
    admin_account = create_staff(app, ("admin",))
    sign_in(admin, admin_account)
    return World(app, admin, admin_account, create_staff(app, ("clinician",)), staff_clock)


def member_client(w: World) -> FlaskClient:
    """The member, signed in (a TOTP step after any earlier sign-in)."""
    w.clock.advance(seconds=30)
    client = w.app.test_client()
    sign_in(client, w.member)
    return client


def act_login(w: World) -> None:
    member_client(w)


def act_failed_login(w: World) -> None:
    submit_password(w.app.test_client(), w.member.email, "wrong password sentinel")


def act_lockout(w: World) -> None:
    for _ in range(5):
        submit_password(w.app.test_client(), w.member.email, "wrong password sentinel")


def act_logout(w: World) -> None:
    client = member_client(w)
    w.post(client, "/staff/logout", "/staff/account")


def act_password_change(w: World) -> None:
    client = member_client(w)
    w.post(
        client,
        "/staff/password",
        "/staff/password",
        current=w.member.password,
        new="new passphrase for audit",
        confirm="new passphrase for audit",
    )


def act_recovery_codes(w: World) -> None:
    client = member_client(w)
    w.post(client, "/staff/account/recovery-codes", "/staff/account")


def act_user_create(w: World) -> None:
    w.post(
        w.admin,
        "/admin/users/new",
        "/admin/users/new",
        email="created@example.org",
        password="initial passphrase 9",
        roles="clinician",
    )


def act_user_roles(w: World) -> None:
    w.post(w.admin, f"/admin/users/{w.member.id}/roles", f"/admin/users/{w.member.id}", roles="rules_editor")


def act_user_disable(w: World) -> None:
    w.post(w.admin, f"/admin/users/{w.member.id}/disable", f"/admin/users/{w.member.id}")


def act_totp_reset(w: World) -> None:
    w.post(w.admin, f"/admin/users/{w.member.id}/reset-totp", f"/admin/users/{w.member.id}")


def act_setting(w: World) -> None:
    w.post(w.admin, "/admin/settings", "/admin/settings")


def act_denied(w: World) -> None:
    member_client(w).get("/admin/audit")


def act_audit_view(w: World) -> None:
    w.admin.get("/admin/audit?intake=7")


def act_audit_export(w: World) -> None:
    w.admin.get("/admin/audit.csv").get_data()


# action performed, expected action, actor ('member'/'admin'/'unknown'), role, outcome, intake id, rows in all
CASES: list[tuple[Callable[[World], None], str, str, str, str, int | None, int]] = [
    (act_login, "login", "member", "clinician", "ok", None, 1),
    (act_failed_login, "login.failed", "member", "clinician", "denied", None, 1),
    (act_lockout, "lockout", "member", "clinician", "denied", None, 6),
    (act_logout, "logout", "member", "clinician", "ok", None, 2),
    (act_password_change, "password.change", "member", "clinician", "ok", None, 2),
    (act_recovery_codes, "recovery_codes.new", "member", "clinician", "ok", None, 2),
    (act_user_create, "user.create", "admin", "admin", "ok", None, 1),
    (act_user_roles, "user.roles", "admin", "admin", "ok", None, 1),
    (act_user_disable, "user.disable", "admin", "admin", "ok", None, 1),
    (act_totp_reset, "totp.reset", "admin", "admin", "ok", None, 1),
    (act_setting, "setting.totp_required", "admin", "admin", "ok", None, 1),
    (act_denied, "authz.denied", "member", "clinician", "denied", None, 2),
    (act_audit_view, "audit.view", "admin", "admin", "ok", 7, 1),
    (act_audit_export, "audit.export", "admin", "admin", "ok", None, 1),
]


@pytest.mark.parametrize(("act", "action", "who", "role", "outcome", "intake_id", "total"), CASES, ids=[c[1] for c in CASES])
def test_each_action_writes_exactly_one_row(
    world: World, act: Callable[[World], None], action: str, who: str, role: str, outcome: str, intake_id: int | None, total: int
) -> None:
    with world.app.extensions["triage_db"].session() as session:
        start = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    act(world)
    with world.app.extensions["triage_db"].session() as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.id > start).order_by(AuditEvent.id)))
        assert audit.verify_chain(session)
    matching = [r for r in rows if r.action == action]
    assert len(matching) == 1, [r.action for r in rows]
    assert len(rows) == total, [r.action for r in rows]
    row = matching[0]
    actor = {"member": world.member.email, "admin": world.admin_account.email}[who]
    assert (row.actor, row.role, row.outcome, row.intake_id, row.ip) == (actor, role, outcome, intake_id, "127.0.0.1")
    assert row.at is not None
    for secret in (
        world.member.password,
        world.member.totp_secret,
        "wrong password sentinel",
        "new passphrase for audit",
        "initial passphrase 9",
    ):
        assert all(secret not in (r.detail + r.actor) for r in rows)


def test_failed_sign_in_of_an_unknown_account_is_recorded_without_the_typed_name(app: Flask) -> None:
    submit_password(app.test_client(), "not-a-member@example.org", "some password typed")
    with app.extensions["triage_db"].session() as session:
        row = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert row is not None and (row.action, row.actor, row.role, row.outcome) == (
        "login.failed",
        "unknown",
        "anonymous",
        "denied",
    )


def test_cli_user_creation_is_audited(app: Flask) -> None:
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from triage.cli.main import cli

    result = CliRunner().invoke(
        cli,
        ["users", "create", "cli@example.org", "--role", "admin"],
        input="cli passphrase long\n",
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert result.exit_code == 0, result.output
    with app.extensions["triage_db"].session() as session:
        row = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert row is not None and (row.action, row.actor, row.role) == ("user.create", "cli", "cli")


def seed(app: Flask, count: int) -> None:
    """Append audit rows."""
    with app.extensions["triage_db"].session() as session:
        for n in range(count):
            audit.record(
                session, actor=f"user{n % 7}@example.org", role="clinician", action="intake.view", intake_id=n, ip="10.0.0.1"
            )


def test_raw_update_delete_and_orm_changes_are_refused(app: Flask) -> None:
    seed(app, 3)
    engine = create_engine(app.config["DATABASE_URL"])
    statements = ["UPDATE audit_events SET actor = 'someone else' WHERE id = 2", "DELETE FROM audit_events WHERE id = 2"]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_events")
    for statement in statements:
        with pytest.raises(exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()
    with pytest.raises(AuditLogImmutable), app.extensions["triage_db"].session() as session:
        row = session.get(AuditEvent, 2)
        assert row is not None
        row.detail = "edited"
        session.flush()
    with pytest.raises(AuditLogImmutable), app.extensions["triage_db"].session() as session:
        session.delete(session.get(AuditEvent, 3))
        session.flush()
    with app.extensions["triage_db"].session() as session:
        assert session.scalar(select(AuditEvent.actor).where(AuditEvent.id == 2)) == "user1@example.org"
        assert audit.verify_chain(session)


def test_the_chain_verifies_and_a_tamper_is_detected(app: Flask) -> None:
    seed(app, 100)
    with app.extensions["triage_db"].session() as session:
        assert audit.verify_chain(session)
    engine = create_engine(app.config["DATABASE_URL"])
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET session_replication_role = replica"))  # as the superuser: triggers off
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))  # someone with the database file
        conn.execute(text("UPDATE audit_events SET intake_id = 999 WHERE id = 50"))
    engine.dispose()
    with app.extensions["triage_db"].session() as session:
        assert not audit.verify_chain(session)


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every log record as formatted, with its raw arguments."""
    return "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)


def test_application_logs_hold_no_secrets(app: Flask, staff_clock: StaffClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    account = create_staff(app, ("clinician",))
    client = app.test_client()
    submit_password(client, account.email, "SENTINEL-wrong-password")
    assert submit_password(client, account.email, account.password).status_code == 302
    submit_code(client, "999999" if account.code() != "999999" else "888888")
    submit_code(client, account.code())
    sid = client.get_cookie("triage_session")
    assert sid is not None
    with app.extensions["triage_db"].session() as session:
        codes = totp.new_recovery_codes(session, session.get(User, account.id))  # type: ignore[arg-type]
    token = csrf_token(client.get("/staff/password").data)
    client.post(
        "/staff/password",
        data={
            "csrf_token": token,
            "current": account.password,
            "new": "SENTINEL new passphrase",
            "confirm": "SENTINEL new passphrase",
        },
    )
    client.post("/staff/logout", data={"csrf_token": csrf_token(client.get("/staff/account").data)})
    logged = log_text(caplog)
    assert "signed in" in logged and "sign-in failed" in logged
    for secret in ("SENTINEL", account.password, account.totp_secret, sid.value, *codes):
        assert secret not in logged


def test_control_characters_in_user_input_are_escaped_in_logs(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    submit_password(app.test_client(), "x\nFAKE LINE", "some password here")
    submit_password(app.test_client(), "y\r\nFAKE LINE 2\u2028", "some password here")
    messages = [r.getMessage() for r in caplog.records if "sign-in failed" in r.getMessage()]
    assert len(messages) == 2
    # What was typed for an unknown account is no longer logged at all (it may be a password); where user text is
    # logged, log_safe escapes it.
    assert log_safe("x\nFAKE LINE") == "x\\nFAKE LINE"
    assert log_safe("y\r\nFAKE LINE 2\u2028") == "y\\r\\nFAKE LINE 2\\u2028"
    assert not any(c in m for m in messages for c in "\r\n\u2028")
