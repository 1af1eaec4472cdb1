"""Driving the patient pages with the keyboard alone (Tab, Shift+Tab, Space, Enter, arrow keys), checking the focus.

No mouse, no Playwright fill/check: every answer is typed or chosen with keys. On every control the focus
reaches, the walk checks a visible focus indicator: the element matches :focus-visible, its outline or
box-shadow differs from its unfocused style, it is on screen, and an outline contrasts at least 3:1 with the
white page (WCAG 2.2 1.4.11 and 2.4.7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.helpers.axe import ARTIFACTS, check_page
from tests.helpers.browser import step_id


def keyboard_plan(plan: dict[str, list[str]], **changes: list[str]) -> dict[str, list[str]]:
    """A plan keyed by the names of the boxes the keys reach: a date's day, month and year, a table's cells."""
    keyed = dict(plan) | changes
    day, month, year = keyed.pop("date_of_birth")
    keyed |= {"date_of_birth-day": [day], "date_of_birth-month": [month], "date_of_birth-year": [year]}
    cells = keyed.pop("current_medicines", [])
    for n, value in enumerate(cells):
        column = ("name", "dose", "how_often")[n % 3]
        keyed[f"current_medicines-{n // 3}-{column}"] = [value]
    return keyed


MAX_TABS_PER_PAGE = 400

# Snapshot of every focusable element's unfocused outline and box-shadow, taken before the first key press.
_BASELINE = """() => {
  window.__unfocused = new Map();
  for (const el of document.querySelectorAll('a[href], button, input, textarea, select, [tabindex]')) {
    const cs = getComputedStyle(el);
    window.__unfocused.set(el, [cs.outlineStyle, cs.outlineWidth, cs.outlineColor, cs.boxShadow].join('|'));
  }
}"""

_ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const summary = el.closest('.error-summary');
  return {
    tag: el.tagName.toLowerCase(), type: (el.getAttribute('type') || '').toLowerCase(), name: el.name || '',
    id: el.id || '', value: el.value || '', checked: !!el.checked, href: el.getAttribute('href') || '',
    text: (el.innerText || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60),
    inSummary: !!summary,
    focusVisible: el.matches(':focus-visible'),
    outlineStyle: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth) || 0, outlineColor: cs.outlineColor,
    boxShadow: cs.boxShadow,
    changed: !window.__unfocused || !window.__unfocused.has(el) ||
      window.__unfocused.get(el) !== [cs.outlineStyle, cs.outlineWidth, cs.outlineColor, cs.boxShadow].join('|'),
    onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
  };
}"""


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_with_white(css_colour: str) -> float:
    """Contrast ratio of an rgb()/rgba() colour with white."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css_colour)]
    assert len(numbers) >= 3, css_colour
    alpha = numbers[3] if len(numbers) > 3 else 1.0
    rgb = tuple(alpha * c + (1 - alpha) * 255 for c in numbers[:3])
    return 1.05 / (_luminance(rgb) + 0.05)  # type: ignore[arg-type]


@dataclass
class KeyboardWalk:
    """Drives a page with keys only and checks the focus on every control reached."""

    page: Any
    plan: dict[str, list[str]]
    fixes: dict[str, str] = field(default_factory=dict)
    name: str = "keyboard"
    reached: set[str] = field(default_factory=set)
    focus_checks: int = 0
    problems: list[str] = field(default_factory=list)
    shots: int = 0
    focus_shots: set[str] = field(default_factory=set)
    follow: str = ""  # a link to follow with Enter when the focus reaches it (a part of its href)

    def key(self, name: str) -> dict[str, Any] | None:
        """Press a key; what has the focus then (checked)."""
        self.page.keyboard.press(name)
        return self.active()

    def active(self) -> dict[str, Any] | None:
        """What has the focus (checked), or None for the page itself."""
        info: dict[str, Any] | None = self.page.evaluate(_ACTIVE)
        if info is not None:
            self.check_focus(info)
        return info

    def check_focus(self, info: dict[str, Any]) -> None:
        """Note every way the focus indicator falls short on this control."""
        kind = info["type"] or info["name"] or info["href"]
        label = f"{step_id(self.page)}: {info['tag']}[{kind}] {info['name'] or info['text']!r}"
        self.focus_checks += 1
        value = info["value"] if info["type"] == "radio" or info["type"] == "checkbox" else ""
        self.reached.add(f"{step_id(self.page)}:{info['tag']}:{info['name'] or info['href'] or info['text']}:{value}")
        if not info["focusVisible"]:
            self.problems.append(f"{label}: not :focus-visible")
        outline = info["outlineStyle"] != "none" and info["outlineWidth"] >= 2
        if not (outline or info["boxShadow"] != "none"):
            self.problems.append(f"{label}: no outline or box-shadow when focused")
        elif not info["changed"]:
            self.problems.append(f"{label}: looks the same focused and unfocused")
        if outline and contrast_with_white(info["outlineColor"]) < 3:
            ratio = contrast_with_white(info["outlineColor"])
            self.problems.append(f"{label}: focus outline {info['outlineColor']} contrasts {ratio:.2f}:1 with white")
        if not info["onScreen"]:
            self.problems.append(f"{label}: focused but not on screen")
        kind = f"{info['tag']}-{info['type'] or 'plain'}"
        if kind not in self.focus_shots:  # one picture of the focus indicator per kind of control, to look at
            self.focus_shots.add(kind)
            ARTIFACTS.mkdir(exist_ok=True)
            self.page.screenshot(path=str(ARTIFACTS / f"keyboard-focus-{kind}.png"))

    def loaded(self, what: str) -> None:
        """A new page: screenshot + axe, then the unfocused-style snapshot."""
        self.shots += 1
        check_page(self.page, f"{self.name}-{self.shots:02d}-{what}")
        self.page.evaluate(_BASELINE)

    def enter_and_wait(self) -> None:
        """Enter on a link or button, and wait for the next page."""
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.page.wait_for_load_state()

    def choose_radio(self, first: dict[str, Any]) -> dict[str, Any] | None:
        """In a radio group: Space on the first option, or arrow down to the wanted one (arrows also select)."""
        wanted = self.plan[first["name"]][0]
        info: dict[str, Any] | None = first
        for _ in range(16):
            if info is None or info["type"] != "radio":
                raise AssertionError(f"left the radio group {info}")
            if info["value"] == wanted:
                if not info["checked"]:
                    info = self.key("Space")
                assert info and info["checked"], f"{wanted} not selected"
                return info
            info = self.key("ArrowDown")
        raise AssertionError(f"{wanted!r} not found in the radio group")

    def type_text(self, info: dict[str, Any]) -> None:
        """Type the plan's value into the focused box."""
        self.page.keyboard.type(self.plan[info["name"]][0])

    def fix_from_summary(self, info: dict[str, Any]) -> None:
        """Enter on the summary's link moves the focus to the field; select what is there and type the fix."""
        qid = info["href"].removeprefix("#f-")
        self.page.keyboard.press("Enter")
        focused = self.active()
        assert focused and focused["id"] == f"f-{qid}", f"the summary link for {qid} did not move the focus: {focused}"
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.type(self.fixes.pop(qid))

    def drive_page(self) -> None:
        """Tab through the page answering from the plan; Enter on Start, Continue or Send. Ends after a navigation."""
        handled: set[str] = set()
        shift_tab_checked = False
        for _ in range(MAX_TABS_PER_PAGE):
            info = self.key("Tab")
            if info is None:
                continue
            kind, name = info["type"], info["name"]
            if info["inSummary"] and info["href"].removeprefix("#f-") in self.fixes:
                self.fix_from_summary(info)
                continue
            if info["tag"] == "a" and info["text"] in ("Start", "Continue where you left off"):
                self.enter_and_wait()
                return
            if info["tag"] == "button" and info["text"] in ("Continue", "Send my answers to the clinic"):
                self.enter_and_wait()
                return
            if info["tag"] == "a" and self.follow and self.follow in info["href"]:
                self.follow = ""
                self.enter_and_wait()
                return
            if name not in self.plan:
                continue
            if kind == "radio" and name not in handled:
                handled.add(name)
                self.choose_radio(info)
            elif kind == "checkbox" and info["value"] in self.plan[name] and not info["checked"]:
                after = self.key("Space")
                assert after and after["checked"], f"Space did not tick {name}={info['value']}"
            elif info["tag"] in ("input", "textarea") and kind not in ("radio", "checkbox") and name not in handled:
                handled.add(name)
                if not info["value"]:
                    self.type_text(info)
                if not shift_tab_checked:  # Shift+Tab goes back, Tab returns to the same field
                    shift_tab_checked = True
                    back = self.key("Shift+Tab")
                    assert back and back["id"] != info["id"]
                    again = self.key("Tab")
                    assert again and again["id"] == info["id"], (info["id"], again)
        raise AssertionError(f"{step_id(self.page)}: no Continue reached after {MAX_TABS_PER_PAGE} Tab presses")

    def until_done(self) -> list[str]:
        """Drive page after page until the done page; the step ids of the pages passed through."""
        visited: list[str] = []
        while not self.page.url.endswith("/intake/done"):
            here = step_id(self.page)
            visited.append(here)
            assert len(visited) < 30, visited
            self.loaded(here + ("-error" if self.page.locator(".error-summary").count() else ""))
            self.drive_page()
        self.loaded("done")
        return visited
