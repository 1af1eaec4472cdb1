"""Operations endpoints: the staff start page `/`, `/healthz`, `/readyz` and the token-guarded Prometheus `/metrics`."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.helpers.alerts import make_alert, make_intake
from tests.helpers.apps import build_app
from tests.helpers.databases import PG_ADMIN_URL, create_pg_database, drop_pg_database, require_pg
from tests.helpers.ops import TOKEN, sample
from tests.helpers.outbox import RECIPIENT, enqueue, worker_for
from tests.helpers.patient import PLAN, new_invitation, open_link, walk_to_review
from triage.db import alert_queue, migrate, ops
from triage.db.clock import utcnow

PATIENT_WORDS = ("patient", "questionnaire", "intake", "answer", "symptom", "/i/")


def test_home_page_names_the_clinic_and_leads_to_staff_sign_in(make_app: Callable[..., Flask]) -> None:
    client = make_app(CLINIC_NAME="Riverside Gut Clinic").test_client()
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Riverside Gut Clinic" in page
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>Staff sign-in</a>', page)
    assert link and link.group(1) == "/staff/login"
    assert not [word for word in PATIENT_WORDS if word in page.lower()]
    sign_in = client.get(link.group(1))
    assert sign_in.status_code == 200 and "Staff sign-in" in sign_in.get_data(as_text=True)


def versions() -> list[str]:
    """Version strings that must not leak: the tool's, Flask's, Werkzeug's, SQLAlchemy's and the migration ids."""
    found = [version(name) for name in ("gut-triage", "flask", "werkzeug", "sqlalchemy", "alembic")]
    return found + sorted(ops.migration_heads())


def test_healthz_answers_without_sign_in_or_versions(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok\n"
    exposed = response.get_data(as_text=True) + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    assert not [v for v in versions() if v in exposed]
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_on_a_migrated_database(app: Flask) -> None:
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "worker": "not expected"}}
    assert not [v for v in versions() if v in response.get_data(as_text=True)]


@dataclass
class Outage:
    """A migrated database of its own that the test can take away and bring back."""

    url: str
    down: Callable[[], object]
    back: Callable[[], object]


def _pg_outage() -> Iterator[Outage]:
    require_pg()
    url = create_pg_database("triage_readyz")
    migrate.upgrade(url)
    name = make_url(url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def rename(old: str | None, new: str) -> None:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": old})
            conn.execute(text(f'ALTER DATABASE "{old}" RENAME TO "{new}"'))

    try:
        yield Outage(url, lambda: rename(name, f"{name}_down"), lambda: rename(f"{name}_down", str(name)))
    finally:
        admin.dispose()
        drop_pg_database(make_url(url).set(database=f"{name}_down").render_as_string(hide_password=False))
        drop_pg_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def outage(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Outage]:
    """SQLite: the database file moves away and back. PostgreSQL: its connections end and it is renamed, then back."""
    if request.param == "postgresql":
        yield from _pg_outage()
        return
    path = tmp_path / "data" / "triage.db"
    path.parent.mkdir()
    shutil.copyfile(sqlite_template, path)
    away = tmp_path / "away"
    yield Outage(f"sqlite:///{path}", lambda: shutil.move(path.parent, away), lambda: shutil.move(away, path.parent))


def test_readyz_fails_while_the_database_is_down_and_recovers(outage: Outage, tmp_path: Path) -> None:
    app = build_app(outage.url, tmp_path)
    client = app.test_client()
    try:
        assert client.get("/readyz").status_code == 200
        outage.down()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"]["database"] == "unreachable"
        assert client.get("/healthz").status_code == 200  # the process itself is still up
        outage.back()
        assert client.get("/readyz").status_code == 200
    finally:
        app.extensions["triage_db"].dispose()


def previous_revision() -> str:
    """The revision before the head (a database one release behind)."""
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    head = scripts.get_current_head()
    assert head is not None
    down = scripts.get_revision(head).down_revision
    assert isinstance(down, str)
    return down


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of the test's own (never migrated)."""
    if request.param == "sqlite":
        path = tmp_path / "old.db"
        path.touch()
        yield f"sqlite:///{path}"
        return
    require_pg()
    url = create_pg_database("triage_readyz")
    yield url
    drop_pg_database(url)


def test_readyz_fails_until_the_migrations_reach_head(empty_url: str, tmp_path: Path) -> None:
    app = build_app(empty_url, tmp_path)
    client = app.test_client()
    try:
        assert client.get("/readyz").get_json()["checks"]["migrations"] == "not at head"  # never migrated
        migrate.upgrade(empty_url, previous_revision())
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"] == {"database": "ok", "migrations": "not at head", "worker": "not expected"}
        assert not [v for v in versions() if v in response.get_data(as_text=True)]
        migrate.upgrade(empty_url)
        assert client.get("/readyz").status_code == 200
    finally:
        app.extensions["triage_db"].dispose()


def test_readyz_needs_a_recent_worker_heartbeat_when_a_worker_is_expected(make_app: Callable[..., Flask]) -> None:
    app = make_app(WORKER_EXPECTED=True)
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["worker"] == "no recent heartbeat"
    with app.extensions["triage_db"].session() as session:
        ops.record_heartbeat(session, utcnow() - ops.HEARTBEAT_MAX_AGE - dt.timedelta(seconds=5))
    assert client.get("/readyz").status_code == 503  # a worker that stopped beating minutes ago
    worker_for(app).run_round()  # a real worker round writes the beat
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["checks"]["worker"] == "ok"
    worker_for(app).run_round()  # and the next round updates the same row
    with app.extensions["triage_db"].session() as session:
        beat = ops.last_heartbeat(session)
    assert beat is not None and utcnow() - beat < dt.timedelta(seconds=30)


def test_metrics_is_off_without_a_token_setting(app: Flask) -> None:
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_metrics_refuses_a_missing_or_wrong_token(make_app: Callable[..., Flask]) -> None:
    client = make_app(METRICS_TOKEN=TOKEN).test_client()
    missing = client.get("/metrics")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    for wrong in (TOKEN[:-1], TOKEN + "x", "x" * len(TOKEN)):
        response = client.get("/metrics", headers={"Authorization": f"Bearer {wrong}"})
        assert response.status_code == 403 and "triage_" not in response.get_data(as_text=True)


def test_metrics_counts_requests_queue_and_alerts_without_patient_data(make_app: Callable[..., Flask]) -> None:
    app = make_app(METRICS_TOKEN=TOKEN)
    patient = app.test_client()
    token, _intake_id = new_invitation(app, ref="METRICS-REF-4417")
    open_link(patient, token)
    walk_to_review(patient)
    flagged = make_intake(app, "METRICS-REF-5521")
    make_alert(app, flagged, "emergency")
    make_alert(app, flagged, "urgent", acknowledged_after=dt.timedelta(minutes=3))
    with app.extensions["triage_db"].session() as session:
        open_alerts = alert_queue.unacknowledged_counts(session)  # the walk's own answers may have raised some too
    assert open_alerts["emergency"] >= 1
    enqueue(app, "alert:metrics:1")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    client.get("/no-such-page")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert sample(body, "triage_http_requests_total", endpoint="ops.healthz", method="GET", status="200") == 3.0
    assert sample(body, "triage_http_requests_total", endpoint="unmatched", method="GET", status="404") == 1.0
    assert sample(body, "triage_http_request_duration_seconds_count", endpoint="ops.healthz", method="GET") == 3.0
    assert (sample(body, "triage_http_requests_total", endpoint="patient.save", method="POST", status="303") or 0) > 5
    assert sample(body, "triage_outbox_messages", status="queued") == 1.0
    for tier, count in open_alerts.items():
        assert sample(body, "triage_alerts_unacknowledged", urgency=tier) == float(count)
    assert sample(body, "triage_database_up") == 1.0
    # Labels are endpoint names, never paths: nothing of the link, the reference, the answers or the recipient.
    assert set(re.findall(r'endpoint="([^"]*)"', body)) <= set(app.view_functions) | {"unmatched"}
    secrets = [
        token,
        "METRICS-REF-4417",
        "METRICS-REF-5521",
        RECIPIENT,
        "/i/",
        "/intake",
        PLAN["full_name"][0],
        "omeprazole",
        "Bauchschmerzen",
    ]
    assert not [s for s in secrets if s in body]
    assert not [v for v in versions() if f'"{v}"' in body]
