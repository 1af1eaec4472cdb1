"""How long gunicorn with the app takes to stop after SIGTERM, with warm PDF workers, beside the same app without them.

Target (issue 9): under 2 s with the PDF pool running. The floor is the same gunicorn and app with PDF_PREWARM=0
(no PDF worker processes), started and stopped in the same run, interleaved; medians over the repetitions.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from triage.db import migrate  # noqa: E402 - after the path set-up above

TARGET_SECONDS = 2.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/staff/login", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def stop_seconds(folder: Path, prewarm: bool) -> float:
    """Start gunicorn (1 worker), wait until it answers and its PDF workers are warm, SIGTERM it, time the exit."""
    url = f"sqlite:///{folder / 'bench.db'}"
    env = {**os.environ, "TRIAGE_ENV": "development", "DATABASE_URL": url, "TRIAGE_INSTANCE": str(folder)}
    env["PDF_PREWARM"] = "1" if prewarm else "0"
    port = _free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "1", "triage:create_app()"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not _answers(port):
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("gunicorn did not start")
        time.sleep(0.2)
    time.sleep(2.0)  # let the PDF workers finish warming up
    started = time.monotonic()
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        return float("inf")
    return time.monotonic() - started


def _runs(seconds: list[float]) -> str:
    return ", ".join(f"{s:.2f}" for s in seconds)


def main() -> None:
    """Print the median stop time with and without warm PDF workers, and the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each kind (interleaved)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        migrate.upgrade(f"sqlite:///{folder / 'bench.db'}")
        with_pool: list[float] = []
        floor: list[float] = []
        for _ in range(args.repeat):
            with_pool.append(stop_seconds(folder, prewarm=True))
            floor.append(stop_seconds(folder, prewarm=False))
    pool_median, floor_median = statistics.median(with_pool), statistics.median(floor)
    print(f"gunicorn stop after SIGTERM, warm PDF pool:  median {pool_median:.2f} s  (runs {_runs(with_pool)})")
    print(f"floor, same app without PDF workers:        median {floor_median:.2f} s  (runs {_runs(floor)})")
    verdict = "met" if pool_median < TARGET_SECONDS else "NOT met"
    print(f"ratio {pool_median / floor_median:.2f}x; target under {TARGET_SECONDS:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
