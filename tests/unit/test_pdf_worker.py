"""PDF workers never outlive the app process that forked them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import os, sys
sys.path.insert(0, {root!r})
from triage.pdf.pool import pool
workers = pool(1, 256)
workers.warm()
print(workers.pids()[0], flush=True)
os._exit(0)  # like a server worker killed without running atexit handlers
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_worker_dies_when_its_parent_dies_abruptly() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(root=str(ROOT))], capture_output=True, text=True, check=True, timeout=60
    )
    pid = int(out.stdout.strip())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    assert os.getpid() != pid
