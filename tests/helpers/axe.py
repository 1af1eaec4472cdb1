"""The axe-core page check of the browser tests: a screenshot, then WCAG 2.x A/AA rules; a summary at the end.

Every page a browser test visits goes through `check_page(page, name)`: a full-page screenshot into the
git-ignored test-artifacts/ folder, then axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page; the test fails
on any serious or critical violation. Each check is logged in AXE_LOG and summarised at the end of the session.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import weakref
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Where chosen screenshots are also kept for a person to look at (BROWSER_SHOTS_DIR=/some/folder); unset: nowhere.
SHOTS_ENV = "BROWSER_SHOTS_DIR"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = ("serious", "critical")

# Contexts made with JavaScript off: axe-core cannot run in them (its timers never fire), so check_page
# re-renders their exact DOM at the same URL in a JavaScript-enabled twin with every page script blocked.
NO_JS_CONTEXTS: weakref.WeakSet[Any] = weakref.WeakSet()
BROWSER_OF: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


@dataclass
class AxeRecord:
    """One page checked: its name, viewport, the violations by impact and rule id, and the time axe took."""

    name: str
    viewport: str
    blocking: list[str] = field(default_factory=list)  # "rule-id (impact) xN"
    other: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)  # axe's "incomplete": a person has to judge (e.g. contrast on an image)
    seconds: float = 0.0


AXE_LOG: list[AxeRecord] = []


def _axe_run(page: Any) -> dict[str, Any]:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations", "incomplete"]}
    response: dict[str, Any] = Axe().run(page, options=options).response
    return response


class _Twin:
    """A JavaScript-enabled copy of a JavaScript-off context, for axe-core: serves the page's DOM at its URL."""

    def __init__(self, context: Any):
        self.html = ""
        self.context = BROWSER_OF[context].new_context(viewport=context.pages[0].viewport_size, locale="en-US")
        self.page = self.context.new_page()
        self.page.route("**/*", self._serve)
        context.on("close", lambda _context: self.context.close())

    def _serve(self, route: Any) -> None:
        request = route.request
        if request.resource_type == "document":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.html)
        elif request.resource_type == "script":
            route.abort()  # the patient's browser runs no script: neither does its twin's page
        else:
            route.continue_()

    def results(self, page: Any) -> dict[str, Any]:
        """axe-core's results for the page's current DOM, rendered in the twin with scripts blocked."""
        self.html = page.content()
        self.page.set_viewport_size(page.viewport_size)
        self.page.goto(page.url, wait_until="load")
        return _axe_run(self.page)


_TWINS: weakref.WeakKeyDictionary[Any, _Twin] = weakref.WeakKeyDictionary()


def _axe_in_twin(page: Any) -> dict[str, Any]:
    """axe on a JavaScript-off page: the same DOM served at the same URL to a JS-enabled twin, scripts blocked."""
    twin = _TWINS.get(page.context)
    if twin is None:
        twin = _TWINS[page.context] = _Twin(page.context)
    return twin.results(page)


def axe_results(page: Any) -> dict[str, Any]:
    """axe-core's WCAG 2.x A/AA results for the page: "violations" and "incomplete" (needs a person's review)."""
    if page.context in NO_JS_CONTEXTS:
        return _axe_in_twin(page)
    return _axe_run(page)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Every WCAG 2.x A/AA violation axe-core finds on the page (all impacts)."""
    return list(axe_results(page)["violations"])


def _summarise(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']} ({v.get('impact')}) x{len(v.get('nodes', []))}" for v in violations]


# Content wider than the viewport (the page scrolls sideways): the widest offenders, for the message.
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return Array.from(document.body.querySelectorAll('*'))
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .slice(-5)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className ? '.' + String(el.className).split(' ').join('.') : ''));
}"""


def kept_shots() -> Path | None:
    """The folder named by BROWSER_SHOTS_DIR (made if need be), or None when the variable is not set."""
    folder = os.environ.get(SHOTS_ENV, "").strip()
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_page(page: Any, name: str, keep: bool = False) -> AxeRecord:
    """Screenshot the page into test-artifacts/, then fail on sideways scrolling or serious/critical axe violations.

    With `keep`, the full-page screenshot is also copied into the BROWSER_SHOTS_DIR folder when that is set.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
    shot = ARTIFACTS / f"{safe}.png"
    page.screenshot(path=str(shot), full_page=True)
    kept = kept_shots() if keep else None
    if kept is not None:
        shutil.copyfile(shot, kept / shot.name)
    overflow = page.evaluate(_OVERFLOW)
    assert not overflow, f"{name}: content wider than the {page.viewport_size} viewport: {overflow}"
    started = time.perf_counter()
    results = axe_results(page)
    violations = results["violations"]
    size = page.viewport_size or {}
    record = AxeRecord(
        name=name,
        viewport=f"{size.get('width')}x{size.get('height')}",
        blocking=_summarise([v for v in violations if v.get("impact") in BLOCKING_IMPACTS]),
        other=_summarise([v for v in violations if v.get("impact") not in BLOCKING_IMPACTS]),
        review=_summarise(results.get("incomplete", [])),
        seconds=time.perf_counter() - started,
    )
    AXE_LOG.append(record)
    details = "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n.get('target') for n in v.get('nodes', [])][:5]}"
        for v in violations
        if v.get("impact") in BLOCKING_IMPACTS
    )
    assert not record.blocking, f"{name}: {details}"
    return record


def write_axe_summary(terminalreporter: Any) -> None:
    """Print the pages checked with axe-core, with violation counts by impact and rule id; save it in test-artifacts/."""
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
