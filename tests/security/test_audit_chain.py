"""The keyed audit chain: one chain under concurrent writers, `triage audit verify`, tampering found at the right row."""

from __future__ import annotations

import csv
import hashlib
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import Connection, create_engine, func, select, text

from tests.helpers.staff import create_staff, sign_in
from triage.cli.main import cli
from triage.db import audit
from triage.db.models import AuditEvent, User

WRITERS = 8
SECONDS = 5.0


def verify(app: Flask) -> Result:
    """`triage audit verify` on the app's database."""
    return CliRunner().invoke(cli, ["audit", "verify"], obj=ScriptInfo(create_app=lambda: app))


def seed(app: Flask, count: int) -> None:
    """Append audit rows through the app's code."""
    with app.extensions["triage_db"].session() as session:
        for n in range(count):
            audit.record(session, actor=f"user{n % 5}@example.org", role="clinician", action="intake.view", intake_id=n)


@contextmanager
def as_owner(app: Flask) -> Iterator[Connection]:
    """A raw connection that can change audit rows, as the database's owner (or whoever has the SQLite file) can."""
    engine = create_engine(app.config["DATABASE_URL"])
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET session_replication_role = replica"))  # as the superuser: triggers off
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        yield conn
    engine.dispose()


def rechain_unkeyed(app: Flask, first_id: int) -> None:
    """Recompute every hash from a row on, the way someone without the key would (plain SHA-256)."""
    with app.extensions["triage_db"].session() as session:
        rows = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    with as_owner(app) as conn:
        prev = audit.GENESIS
        for row in rows:
            if row.id >= first_id:
                digest = hashlib.sha256(audit._canonical(prev, audit._fields(row))).hexdigest()  # noqa: SLF001
                conn.execute(
                    text("UPDATE audit_events SET prev_sha256 = :p, row_sha256 = :r WHERE id = :id"),
                    {"p": prev, "r": digest, "id": row.id},
                )
                prev = digest
            else:
                prev = row.row_sha256


def test_eight_writers_for_five_seconds_keep_one_chain(app: Flask) -> None:
    db = app.extensions["triage_db"]
    create_staff(app, ("clinician",))
    stop = time.monotonic() + SECONDS
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            while time.monotonic() < stop:
                with db.session() as session:
                    # A read first, as a view does: the previous hash must still be read under the chain's lock.
                    session.scalar(select(func.count()).select_from(User))
                    audit.record(session, actor=f"clinician{n}@example.org", role="clinician", action="intake.view")
        except BaseException as error:  # noqa: BLE001 - handed to the test thread, which fails on it
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        forks = session.scalar(
            select(func.count()).select_from(
                select(AuditEvent.prev_sha256).group_by(AuditEvent.prev_sha256).having(func.count() > 1).subquery()
            )
        )
    print(f"{WRITERS} writers, {SECONDS:.0f} s: {total} audit rows, {forks} forks")
    assert total > WRITERS * 10 and forks == 0
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert f"OK: {total} audit rows verified" in result.output


def test_an_empty_and_a_fresh_chain_verify(app: Flask) -> None:
    assert verify(app).output.startswith("OK: 0 audit rows")
    seed(app, 5)
    assert "OK: 5 audit rows verified" in verify(app).output


def test_a_changed_detail_is_found_at_its_row(app: Flask) -> None:
    seed(app, 30)
    with as_owner(app) as conn:
        conn.execute(text("UPDATE audit_events SET detail = 'edited' WHERE id = 17"))
    result = verify(app)
    assert result.exit_code == 1 and "BROKEN: row 17: its hash does not match its content" in result.output


def test_a_deleted_row_is_found_at_the_row_after_it(app: Flask) -> None:
    seed(app, 30)
    with as_owner(app) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = 12"))
    result = verify(app)
    assert result.exit_code == 1 and "BROKEN: row 13: its previous hash is not the hash of the row before it" in result.output


def test_a_rechain_without_the_key_is_found(app: Flask) -> None:
    seed(app, 30)
    with as_owner(app) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id BETWEEN 10 AND 19"))
    rechain_unkeyed(app, 20)
    result = verify(app)
    assert result.exit_code == 1 and "BROKEN: row 20: its hash does not match its content" in result.output
    rechain_unkeyed(app, 1)  # the whole table, as if it had always been unkeyed
    result = verify(app)
    assert result.exit_code == 1 and "only unkeyed rows" in result.output
    seed(app, 1)  # the app's next row is keyed: it does not bless the rows before it
    result = verify(app)
    assert result.exit_code == 1 and "never sealed" in result.output


def test_another_key_does_not_verify(make_app: pytest.FixtureRequest) -> None:
    writer = make_app(AUDIT_KEY="one-audit-key-long-enough-0123456789-abcdefgh")  # type: ignore[operator]
    seed(writer, 3)
    reader = make_app(AUDIT_KEY="another-audit-key-long-enough-9876543210-zyxw")  # type: ignore[operator]
    result = verify(reader)
    assert result.exit_code == 1 and "BROKEN: row 1:" in result.output


def test_rows_from_before_the_key_are_sealed_once(app: Flask) -> None:
    seed(app, 6)
    rechain_unkeyed(app, 1)  # an install upgraded from the unkeyed chain
    assert verify(app).exit_code == 1
    sealed = CliRunner().invoke(cli, ["audit", "seal"], obj=ScriptInfo(create_app=lambda: app))
    assert sealed.exit_code == 0 and "sealed the unkeyed audit rows with row 7" in sealed.output
    seed(app, 2)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "OK: 9 audit rows verified (6 rows from before the audit key, sealed)" in result.output
    again = CliRunner().invoke(cli, ["audit", "seal"], obj=ScriptInfo(create_app=lambda: app))
    assert "nothing to seal" in again.output
    with as_owner(app) as conn:
        conn.execute(text("UPDATE audit_events SET detail = 'edited' WHERE id = 3"))
    assert "BROKEN: row 3:" in verify(app).output


def test_the_csv_export_carries_both_hashes(app: Flask) -> None:
    seed(app, 4)
    admin = app.test_client()
    sign_in(admin, create_staff(app, ("admin",)))
    rows = list(csv.DictReader(io.StringIO(admin.get("/admin/audit.csv").get_data(as_text=True))))
    with app.extensions["triage_db"].session() as session:
        stored = {e.id: (e.prev_sha256, e.row_sha256) for e in session.scalars(select(AuditEvent))}
    assert rows and all((r["prev_sha256"], r["row_sha256"]) == stored[int(r["id"])] for r in rows)
    assert all(len(r["row_sha256"]) == 64 for r in rows)
    assert verify(app).exit_code == 0
