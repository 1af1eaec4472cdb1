"""Warm PDF workers where the PDFs are rendered: `triage worker` forks one at start, a web app (which renders none) does not."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask

from triage.cli import worker as worker_cli
from triage.pdf.pool import pool

# A pool of its own (the pool is per process and per size and memory limit): no other test's workers are counted.
OWN_POOL = {"PDF_WORKERS": 1, "PDF_MEMORY_MB": 701}


def test_a_web_app_forks_no_pdf_worker_unless_asked(make_app: Callable[..., Flask]) -> None:
    app = make_app(TESTING=False, **OWN_POOL)
    assert app.config["PDF_PREWARM"] is False
    assert pool(1, 701).pids() == []


def test_the_worker_forks_its_warm_pdf_worker_at_start_unless_told_not_to(make_app: Callable[..., Flask]) -> None:
    idle = make_app(TESTING=False, PDF_PREWARM=False, **OWN_POOL)
    with idle.app_context():
        worker_cli.prewarm_pdf(idle.extensions["triage_settings"])
    assert pool(1, 701).pids() == []
    app = make_app(TESTING=False, **OWN_POOL)
    try:
        with app.app_context():
            worker_cli.prewarm_pdf(app.extensions["triage_settings"])
        deadline = time.monotonic() + 30
        while not pool(1, 701).pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(pool(1, 701).pids()) == 1
    finally:
        pool(1, 701).close()
