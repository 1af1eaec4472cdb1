"""`triage audit verify` walks the keyed audit chain; `triage audit seal` ends the rows from before the chain was keyed."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from triage.cli.context import database
from triage.db import audit


@click.group("audit")
def audit_group() -> None:
    """Check the audit log's hash chain."""


@audit_group.command("verify")
@with_appcontext
def verify() -> None:
    """Walk the whole chain with AUDIT_KEY: print OK and the row count, or the first broken row and exit 1."""
    with database().session() as session:
        report = audit.verify_chain(session)
    if report.ok:
        sealed = f" ({report.unkeyed} rows from before the audit key, sealed)" if report.unkeyed else ""
        click.echo(f"OK: {report.rows} audit rows verified{sealed}")
        return
    where = f"row {report.broken_id}" if report.broken_id is not None else "the chain"
    click.echo(f"BROKEN: {where}: {report.reason} ({report.rows} rows read)", err=True)
    raise SystemExit(1)


@audit_group.command("seal")
@with_appcontext
def seal() -> None:
    """Once after upgrading an install whose audit rows predate AUDIT_KEY: seal them with one keyed row."""
    with database().session() as session:
        row = audit.seal_unkeyed(session, actor="cli")
        sealed_id = row.id if row is not None else None
    if sealed_id is None:
        click.echo("nothing to seal: the chain is empty, already keyed, or broken (see `triage audit verify`)")
        return
    click.echo(f"sealed the unkeyed audit rows with row {sealed_id}; keep this row id: a later seal means tampering")
