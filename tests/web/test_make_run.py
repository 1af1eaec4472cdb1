"""`make run` follows HOST and PORT: the links use them, and its output ends with the staff sign-in URL and the patient link."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.helpers.ops import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STAFF_PREFIX = "staff sign-in: "
PATIENT_PREFIX = "patient link (open it in a phone-sized window; date of birth 31 1 1980): "


def clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """This environment without the test's database and instance settings, plus the given values."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TRIAGE_INSTANCE", "PUBLIC_BASE_URL")}
    env.update(TRIAGE_INSTANCE=str(tmp_path / "instance"), PDF_PREWARM="0", **values)
    return env


def check_links(lines: list[str], base: str) -> str:
    """The last two lines are the staff sign-in URL and the patient link, both on `base`; returns the patient link."""
    assert lines[-2] == f"{STAFF_PREFIX}{base}/staff/login", lines[-4:]
    assert lines[-1].startswith(PATIENT_PREFIX), lines[-4:]
    link = lines[-1].removeprefix(PATIENT_PREFIX)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == base and parts.path.startswith("/i/") and len(parts.path) > 20
    return link


def test_the_demo_prints_links_on_the_given_port_and_the_patient_link_last(db_url: str, tmp_path: Path) -> None:
    # As the Makefile runs it: PUBLIC_BASE_URL=http://$(HOST):$(PORT) triage demo
    env = clean_env(tmp_path, DATABASE_URL=db_url, TRIAGE_ENV="development", PUBLIC_BASE_URL="http://127.0.0.1:5731")
    result = subprocess.run(
        [str(BIN / "triage"), "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.rstrip("\n").splitlines()
    check_links(lines, "http://127.0.0.1:5731")
    assert "clinician@demo.test" in result.stdout and ":5000" not in result.stdout


@pytest.mark.slow
def test_make_run_on_another_port_ends_with_both_links_and_stops_with_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # -o: the shared .venv counts as installed (no pip run from a test); a new SQLite database in a new instance folder.
    process = subprocess.Popen(
        ["make", "-o", f"{BIN.parent}/.installed", "run", f"PORT={port}", f"VENV={BIN.parent}"],
        cwd=ROOT,
        env=clean_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.rstrip("\n") for line in process.stdout or ()))
    reader.start()
    try:
        deadline = time.monotonic() + 240  # install check, migrations, demo seeding and two start-ups on a busy machine
        while sum(line.startswith(PATIENT_PREFIX) for line in list(lines)) < 2 and time.monotonic() < deadline:
            assert process.poll() is None, "\n".join(lines)
            time.sleep(0.2)
        time.sleep(1.0)  # nothing the app or the worker prints at start comes after the links
        output = list(lines)
        link = check_links(output, base)
        assert output.count(f"{STAFF_PREFIX}{base}/staff/login") == 2
        assert "worker started" in "\n".join(output)
        home = requests.get(f"{base}/", timeout=10)
        assert home.status_code == 200 and 'href="/staff/login"' in home.text
        assert requests.get(f"{base}/staff/login", timeout=10).status_code == 200
        opened = requests.get(link, timeout=10, allow_redirects=False)
        assert opened.status_code in (302, 303) and "/intake" in opened.headers["Location"]
        assert requests.get(f"{base}/readyz", timeout=10).json()["checks"]["worker"] == "ok"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl+C in the terminal reaches the whole process group
        try:
            process.wait(timeout=30)
        finally:
            reader.join(timeout=5)
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):  # the app and the worker beside it are gone
        os.killpg(process.pid, 0)
