"""A rules editor counts the draft's impact in Chromium: a progress bar that refreshes itself without script, then the result.

The count runs as a background job: the page shows a native progress bar (role progressbar, its value in words beside
it) and a status line, refreshes itself by the HTTP Refresh header until the worker has counted, then shows the
counts. Checked with axe-core at phone (320, 390) and laptop (1366) widths, with JavaScript off.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_rules_editor_browser import seed_past_intakes
from tests.helpers.axe import ARTIFACTS, check_page
from tests.helpers.browser import LAPTOP, sign_in
from tests.helpers.pdf_jobs import run_jobs
from tests.helpers.staff import create_staff
from triage.web.rules import impact as impact_views

WIDTHS = (320, 390, 1366)
SHOTS = Path("/tmp/x/shots/h6")


def keep(name: str) -> None:
    """Copy the screenshot check_page took into the helper's shots folder, for a person to look at."""
    if SHOTS.is_dir():
        shutil.copyfile(ARTIFACTS / f"{name}.png", SHOTS / f"{name}.png")


def test_the_impact_count_shows_its_progress_then_its_result_without_javascript(
    new_context: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A slow refresh while axe-core reads the progress page (a reload mid-check would end its run), then the real one.
    monkeypatch.setattr(impact_views, "REFRESH_SECONDS", 60)
    cases = seed_past_intakes(live_server)
    author = create_staff(live_server.app, ("rules_editor",), email="ana.impact@example.org")
    page = new_context(viewport=LAPTOP, java_script_enabled=False).new_page()
    sign_in(page, author, "impact-author", start="/rules/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start a draft to change the rules").click()
    page.goto("/rules/draft/impact")
    assert page.locator("#impact-not-counted").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Count the impact").click()
    assert "/rules/draft/impact/runs/" in page.url
    bar = page.get_by_role("progressbar", name="Intakes compared")
    assert bar.get_attribute("value") == "0" and bar.get_attribute("max") == str(len(cases))
    status = page.get_by_role("status").filter(has_text="intakes compared")
    assert f"0 of {len(cases)} intakes compared (0%), waiting for a worker" in status.inner_text()
    assert page.get_by_role("button", name="Cancel the count").is_visible()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        check_page(page, f"impact-progress-{width}")
        keep(f"impact-progress-{width}")
    monkeypatch.setattr(impact_views, "REFRESH_SECONDS", 2)
    page.reload()
    assert "checks again every 2 seconds" in status.inner_text()
    run_jobs(live_server.app)  # one round of the worker; the page's own refresh (2 s) then shows the result
    page.locator("#count-considered").wait_for(timeout=20_000)
    assert page.locator("#count-considered").inner_text() == str(len(cases))
    assert page.get_by_role("progressbar").count() == 0
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        check_page(page, f"impact-result-{width}")
        keep(f"impact-result-{width}")
