"""`triage users`: create, list and disable staff accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from triage.cli.context import database
from triage.db import audit, users


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
    """List accounts: email, roles, state."""
    with database().session() as session:
        for user in users.list_users(session):
            state = "disabled" if not user.active else "locked" if users.is_locked(user) else "active"
            click.echo(f"{user.email:<40} {user.roles:<30} {state}")


@users_group.command("disable")
@click.argument("email")
@with_appcontext
def disable(email: str) -> None:
    """Disable an account and revoke all its sessions."""
    with database().session() as session:
        user = users.user_by_email(session, email)
        if user is None:
            raise click.ClickException("no such account")
        users.set_active(session, user, False)
        audit.record(session, actor="cli", role="cli", action="user.disable", detail=f"user {user.id}")
    click.echo(f"disabled {users.normalise_email(email)}; its sessions are revoked")
