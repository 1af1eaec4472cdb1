"""`triage users`: create, list, disable, enable and reset staff accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from triage.cli.context import database
from triage.db import audit, staff_accounts, users
from triage.db.models import User


def interactive() -> bool:
    """Whether standard input is a terminal (a person typing) rather than a pipe or file."""
    return sys.stdin.isatty()


def read_password() -> str:
    """The new password: one line from standard input when it is not a terminal, else prompted twice (hidden)."""
    if not interactive():
        line = sys.stdin.readline()
        # Only the line ending goes: spaces are part of the password (no trimming).
        return line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith("\n") else line
    return str(click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password"))


@click.group("users")
def users_group() -> None:
    """Staff accounts (clinician, rules_editor, admin)."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(users.ROLES), help="A role; repeat for several.")
@with_appcontext
def create(email: str, roles: tuple[str, ...]) -> None:
    """Create an account; prints its TOTP provisioning URI (otpauth://...) once, on the last line."""
    password = read_password()
    problem = users.password_problem(password, users.normalise_email(email))
    if problem:
        raise click.ClickException(f"password refused: {problem}")
    with database().session() as session:
        try:
            user, uri = users.create_user(session, email, password, roles)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        audit.record(
            session, actor="cli", role="cli", action="user.create", detail=f"user {user.id} {user.email} roles {user.roles}"
        )
        email = user.email
    click.echo(f"created {email} ({', '.join(roles)}); add this to an authenticator app now, it is shown only once:", err=True)
    click.echo(uri)


@users_group.command("list")
@with_appcontext
def list_accounts() -> None:
    """List accounts: email, roles, state, last sign-in, name."""
    with database().session() as session:
        for account in staff_accounts.account_views(session):
            state = "disabled" if not account.active else "locked" if account.locked else "active"
            last = account.last_login or "never signed in"
            click.echo(f"{account.email:<40} {account.roles_text:<30} {state:<9} {last:<21} {account.display_name}".rstrip())


def _account(session: Session, email: str) -> User:
    user = users.user_by_email(session, email)
    if user is None:
        raise click.ClickException("no such account")
    return user


@users_group.command("disable")
@click.argument("email")
@with_appcontext
def disable(email: str) -> None:
    """Disable an account and revoke all its sessions."""
    with database().session() as session:
        user = _account(session, email)
        users.set_active(session, user, False)
        audit.record(session, actor="cli", role="cli", action="user.disable", detail=f"user {user.id}")
    click.echo(f"disabled {users.normalise_email(email)}; its sessions are revoked")


@users_group.command("enable")
@click.argument("email")
@with_appcontext
def enable(email: str) -> None:
    """Enable a disabled account again."""
    with database().session() as session:
        user = _account(session, email)
        users.set_active(session, user, True)
        audit.record(session, actor="cli", role="cli", action="user.enable", detail=f"user {user.id}")
    click.echo(f"enabled {users.normalise_email(email)}")


@users_group.command("reset")
@click.argument("email")
@with_appcontext
def reset(email: str) -> None:
    """Reset an account: a temporary password (as for create) to replace at next sign-in, and a new authenticator."""
    password = read_password()
    with database().session() as session:
        user = _account(session, email)
        try:
            staff_accounts.admin_reset(session, user, password)
        except ValueError as error:
            raise click.ClickException(f"password refused: {error}") from None
        audit.record(
            session,
            actor="cli",
            role="cli",
            action="user.password_reset",
            detail=f"user {user.id}: new password and authenticator at next sign-in",
        )
    click.echo(f"reset {users.normalise_email(email)}: signed out; at next sign-in a new password and a new authenticator")
