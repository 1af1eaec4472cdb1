"""A signed-in worklist request: a pinned number of SQL statements and database sessions, its checks and audit row kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event, func, select

from triage.db import published_ref
from triage.db.models import AuditEvent, User

# Per request: the staff session with its member (1), the clinic profile (1), the clinicians (1), the status counts (1),
# the page (1), the published ruleset's reference (1, read at most every few seconds), the alert counts (1), the
# languages switched off (1) and the audit row (3: the chain's lock, the previous hash, the INSERT).
STATEMENTS = 11
# The staff session check, the clinic profile, and one transaction for everything the worklist reads and writes.
SESSIONS = 3


@contextmanager
def counted(app: Flask) -> Iterator[dict[str, list[str]]]:
    """The statements executed and the connections checked out while the block runs."""
    engine = app.extensions["triage_db"].engine
    seen: dict[str, list[str]] = {"statements": [], "checkouts": []}

    def statement(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        seen["statements"].append(sql)

    def checkout(*_args: Any) -> None:
        seen["checkouts"].append("checkout")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine.pool, "checkout", checkout)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine.pool, "checkout", checkout)


def audit_rows(app: Flask, action: str) -> int:
    """How many audit rows of this action are stored."""
    with app.extensions["triage_db"].session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)) or 0)


def test_a_worklist_request_runs_a_pinned_number_of_statements(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    assert client.get("/clinic/").status_code == 200  # the first request of a process compiles and caches
    before = audit_rows(app, "intake.list")
    published_ref.forget()  # the published ruleset's reference is read again, as it is every few seconds
    with counted(app) as seen:
        reply = client.get("/clinic/?sort=urgency")
    assert reply.status_code == 200
    assert len(seen["statements"]) == STATEMENTS, "\n".join(" ".join(sql.split())[:120] for sql in seen["statements"])
    assert len(seen["checkouts"]) == SESSIONS
    # The staff row is read once, with the session, not again for the header's name.
    assert sum(1 for sql in seen["statements"] if "users.password_hash" in sql) == 1
    assert audit_rows(app, "intake.list") == before + 1  # reading health data is still audited, once per request
    assert "Sign out" in reply.get_data(as_text=True)


def test_the_header_names_the_member_from_the_checked_session(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    account = staff_login(client)
    page = client.get("/clinic/").get_data(as_text=True)
    assert f'<span class="who">{account.email}</span>' in page  # no display name yet: the email address
    with app.extensions["triage_db"].session() as session:
        user = session.get(User, account.id)
        assert user is not None
        user.display_name = "Dr Ada Byron"
    page = client.get("/clinic/").get_data(as_text=True)
    assert '<span class="who">Dr Ada Byron</span>' in page  # read with the session check, in the same request


def test_signed_out_and_wrong_role_requests_are_still_refused(app: Flask, staff_login: Callable[..., Any]) -> None:
    assert app.test_client().get("/clinic/").status_code == 302  # no staff session: to sign-in
    other = app.test_client()
    staff_login(other, roles=("rules_editor",))
    assert other.get("/clinic/").status_code == 403
