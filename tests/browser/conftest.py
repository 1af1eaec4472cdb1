"""Browser fixtures: the real app served on 127.0.0.1 and Debian's headless Chromium through Playwright.

Pages are checked with `tests.helpers.axe.check_page` (screenshot + axe-core); the session ends with a summary
of every page checked and its violations (pytest_terminal_summary in tests/conftest.py, so that it works under xdist).
On CI (CI=true) a missing Chromium fails the browser tests instead of skipping them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.apps import LiveServer, build_app
from tests.helpers.axe import BROWSER_OF, NO_JS_CONTEXTS
from tests.helpers.browser import PHONE

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
        missing = f"browser tests need {CHROMIUM} and pdftoppm (run scripts/ensure-browser-deps as root)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{missing}; on CI they must run, not be skipped")  # a green CI must not hide skipped browser tests
        pytest.skip(missing)
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

    from triage.pdf import pool as pdf_worker

    for pool in list(pdf_worker._POOLS.values()):  # noqa: SLF001 - test teardown of the process-wide pools
        pool.close()
    for child in multiprocessing.active_children():  # workers of pools made elsewhere in the suite, if any
        if child.name.startswith(("pebble_pool_worker", "triage-pdf-worker")):
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
        context.console_errors = []

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
