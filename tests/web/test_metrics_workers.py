"""`/metrics` under gunicorn with two workers and PROMETHEUS_MULTIPROC_DIR: every scrape counts the requests of both."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.helpers.apps import TEST_SECRET
from tests.helpers.ops import TOKEN, free_port, sample

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
REQUESTS = 60


def wait_ready(base: str, process: subprocess.Popen[str], seconds: float = 90) -> None:
    """Wait until the app answers /readyz (which the request count of /healthz does not include)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped"
        try:
            if requests.get(f"{base}/readyz", timeout=15).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # a worker still booting on a busy machine: ask again
            pass
        time.sleep(0.3)
    pytest.fail("gunicorn did not become ready")


@pytest.mark.slow
def test_two_gunicorn_workers_share_the_request_counts(tmp_path: Path, sqlite_template: Path) -> None:
    database = tmp_path / "triage.db"
    shutil.copyfile(sqlite_template, database)
    shared = tmp_path / "prometheus"
    shared.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TRIAGE_INSTANCE")}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        TRIAGE_ENV="test",
        SECRET_KEY=TEST_SECRET,
        TRIAGE_INSTANCE=str(tmp_path / "instance"),
        PDF_PREWARM="0",
        METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(shared),
    )
    command = [str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{port}", "triage:create_app()"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_ready(base, process)
        # Several at once, each on a new connection, until both sync workers have answered some of them
        # (on a busy machine one worker can take a whole batch of such quick requests).
        sent = 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(20):
                codes = list(pool.map(lambda _: requests.get(f"{base}/healthz", timeout=30).status_code, range(REQUESTS)))
                assert codes == [200] * REQUESTS
                sent += REQUESTS
                if len(set(shared.glob("counter_*.db"))) >= 2:
                    break
        writers = {path.name for path in shared.glob("counter_*.db")}
        assert len(writers) >= 2, writers  # both workers counted requests
        for _ in range(4):  # whichever worker answers the scrape sums the counts of both
            body = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30).text
            assert sample(body, "triage_http_requests_total", endpoint="ops.healthz", method="GET", status="200") == sent
            assert sample(body, "triage_http_request_duration_seconds_count", endpoint="ops.healthz", method="GET") == sent
            assert sample(body, "triage_outbox_messages", status="queued") == 0.0
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
