"""Browser fixtures: the real app served on 127.0.0.1 and Debian's headless Chromium through Playwright.

Pages are checked with `browser_support.check_page` (screenshot + axe-core); the session ends with a summary
of every page checked and its violations (pytest_terminal_summary below).
"""
from __future__ import annotations

import os
import shutil
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

try:
    from tests.conftest import build_app
except ModuleNotFoundError:  # `pytest` run as a script does not put the project root on sys.path (`python -m pytest` does)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.conftest import build_app

from .browser_support import ARTIFACTS, AXE_LOG, BROWSER_OF, NO_JS_CONTEXTS, PHONE

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser as a browser test (deselect with -m 'not browser')."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


class LiveServer:
    """The app served by a real HTTP server in a background thread."""

    def __init__(self, app: Flask):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)

    def session(self) -> Any:
        """A database session of the served app (a context manager that commits on exit)."""
        return self.app.extensions["triage_db"].session()


@pytest.fixture
def live_server(sqlite_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The app on a fresh SQLite database, served on a free loopback port."""
    app = build_app(sqlite_url, tmp_path, TESTING=False)
    with LiveServer(app) as server:
        server.app.config["PUBLIC_BASE_URL"] = server.url
        yield server
    app.extensions["triage_db"].dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium from Debian's package; never a downloaded browser."""
    if not Path(CHROMIUM).exists() or shutil.which("pdftoppm") is None:
        pytest.skip(f"browser tests need {CHROMIUM} and pdftoppm (run scripts/ensure-browser-deps as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        _stop_pdf_workers()
        chromium.close()


def _stop_pdf_workers() -> None:
    """Stop the PDF workers this test process forked while Chromium ran.

    A forked worker inherits the pipe to Playwright's driver, and the driver only exits (and Playwright only
    stops) once every copy is closed; without this the session would hang at its very end.
    """
    import multiprocessing

    from triage import pdf_worker

    for pool in list(pdf_worker._POOLS.values()):  # noqa: SLF001 - test teardown of the process-wide pools
        pool.close()
    for child in multiprocessing.active_children():  # workers of pools made elsewhere in the suite, if any
        if child.name == "triage-pdf-worker":
            child.kill()
            child.join(2)


@pytest.fixture
def new_context(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """new_context(viewport=PHONE, java_script_enabled=True, **options): a fresh browser context on the live server.

    Each is a new browser profile (no cookies), like a new device; all are closed after the test. Console
    errors (including Content-Security-Policy refusals) are collected on `context.console_errors`.
    """
    made: list[Any] = []

    def factory(viewport: dict[str, int] | None = None, java_script_enabled: bool = True, **options: Any) -> Any:
        options.setdefault("locale", "en-US")
        options.setdefault("timezone_id", "UTC")
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or PHONE, java_script_enabled=java_script_enabled, **options
        )
        context.set_default_timeout(10_000)
        context.console_errors = []  # type: ignore[attr-defined]

        def watch(page: Any) -> None:
            page.on("console", lambda msg: msg.type == "error" and context.console_errors.append(f"{page.url}: {msg.text}"))
            page.on("pageerror", lambda exc: context.console_errors.append(f"{page.url}: {exc}"))

        context.on("page", watch)
        if not java_script_enabled:
            NO_JS_CONTEXTS.add(context)
        BROWSER_OF[context] = browser
        made.append(context)
        return context

    yield factory
    for context in made:
        try:
            context.close()
        except Exception:  # noqa: BLE001 - a context the test closed itself
            pass


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The pages checked with axe-core, with violation counts by impact and rule id."""
    if not AXE_LOG:
        return
    lines: list[str] = []

    def write(line: str) -> None:
        lines.append(line)
        terminalreporter.write_line(line)

    terminalreporter.section("axe-core (WCAG 2.2 A/AA) pages checked")
    for record in AXE_LOG:
        verdict = "FAIL " + ", ".join(record.blocking) if record.blocking else "ok"
        minor = f"  [moderate/minor: {', '.join(record.other)}]" if record.other else ""
        review = f"  [needs review: {', '.join(record.review)}]" if record.review else ""
        write(f"  {record.name:<44} {record.viewport:>9} {record.seconds:5.2f}s  {verdict}{minor}{review}")
    blocking = Counter(item.split(" ")[0] for r in AXE_LOG for item in r.blocking)
    other = Counter(item.split(" ")[0] for r in AXE_LOG for item in r.other)
    review_pages = Counter(item.split(" ")[0] for r in AXE_LOG for item in r.review)
    write(
        f"  {len(AXE_LOG)} page checks ({len({r.name for r in AXE_LOG})} distinct), "
        f"{sum(1 for r in AXE_LOG if r.blocking)} with serious/critical violations "
        f"{dict(blocking) or ''}; moderate/minor violations by rule: {dict(other) or 'none'}; "
        f"needs-review (axe 'incomplete') pages by rule: {dict(review_pages) or 'none'}; "
        f"axe time {sum(r.seconds for r in AXE_LOG):.1f}s; screenshots in test-artifacts/"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
