"""A patient's walk through the questionnaire in the browser: each step answered, checked with axe-core, continued.

Also the checks of a refused Continue: the message next to its field, the error summary, its links and its focus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.helpers.axe import check_page
from tests.helpers.browser import NEW_FOLLOWUPS, PATIENT, fill_visible, press, progress_numbers, step_id, visible_questions
from triage.domain.questionnaire.questions import default_questionnaire

QUESTIONNAIRE = default_questionnaire()
STEPS = [s.id for s in QUESTIONNAIRE.steps]
SECTION_OF = {s.id: QUESTIONNAIRE.section_of(s)[0] for s in QUESTIONNAIRE.steps}
SECTIONS = len(QUESTIONNAIRE.sections)


@dataclass
class Walk:
    """One patient's walk: the page, a name for its screenshots, and whether they are also kept for a person."""

    page: Any
    name: str
    js: bool = True
    keep: bool = False
    plan: dict[str, list[str]] = field(default_factory=lambda: dict(PATIENT))
    shots: int = 0
    progress: list[int] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def check(self, what: str) -> None:
        """Screenshot + axe for the page as it is now."""
        self.shots += 1
        self.checked.append(what)
        check_page(self.page, f"{self.name}-{self.shots:02d}-{what}", keep=self.keep)

    def finish_step(self, skip: tuple[str, ...] = ()) -> str:
        """Answer what the step shows, press Continue until it moves on (follow-ups may come first); the new step id."""
        page, here = self.page, step_id(self.page)
        answered: set[str] = set()
        for round_ in range(4):
            answered |= fill_visible(page, self.plan, answered, skip)
            number, total = progress_numbers(page)
            assert (number, total) == (SECTION_OF[here], SECTIONS), (here, number, total)
            assert not self.progress or number >= self.progress[-1], "the progress went backwards"
            self.progress.append(number)
            self.check(here if round_ == 0 else f"{here}-more")
            press(page, "Continue")
            if step_id(page) != here:
                return step_id(page)
            # Same page again: without JavaScript, the follow-ups the answers opened are now asked.
            assert not self.js, f"{here}: Continue stayed on the page with JavaScript on: {error_texts(page)}"
            assert NEW_FOLLOWUPS in page.locator(".notice").inner_text(), error_texts(page)
            new = set(visible_questions(page)) - answered
            assert new, f"{here}: shown again without new questions"
        raise AssertionError(f"{here}: Continue never moved on")

    def finish_until(self, target: str) -> list[str]:
        """Finish steps until the target step is on screen; the step ids passed through."""
        passed = []
        while step_id(self.page) != target:
            passed.append(step_id(self.page))
            assert len(passed) <= len(STEPS), passed
            self.finish_step()
        return passed


def error_texts(page: Any) -> list[str]:
    """The messages shown next to fields on the page (for assertion messages)."""
    return [str(t) for t in page.locator(".q .error").all_inner_texts()]


def focus_is_on_error_summary(page: Any) -> bool:
    """Whether the keyboard focus is on the error summary (so a screen reader announces it first)."""
    return bool(page.evaluate("!!document.activeElement && document.activeElement.classList.contains('error-summary')"))


def assert_error_next_to_field(page: Any, qid: str, message: str) -> None:
    """The message sits in the question's block, just above its first box, tied to it, and is listed in the summary."""
    block = page.locator(f"#q-{qid}")
    error = block.locator(".error")
    assert error.is_visible()
    assert message in error.inner_text(), error.inner_text()
    assert block.evaluate("b => b.classList.contains('q-error')")
    control = page.locator(f"#f-{qid}")
    described = control.get_attribute("aria-describedby") or block.locator("fieldset").first.get_attribute("aria-describedby")
    assert f"{qid}-e" in (described or "").split(), described
    error_box, control_box = error.bounding_box(), control.bounding_box()
    assert error_box and control_box
    gap = control_box["y"] - (error_box["y"] + error_box["height"])
    assert 0 <= gap < 80, f"{qid}: the message is {gap:.0f}px from its field"
    width = (page.viewport_size or {})["width"]
    assert error_box["x"] + error_box["width"] <= width, "the message overflows the screen's width"
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "Please check these answers" in summary.inner_text()
    link = summary.locator(f'a[href="#f-{qid}"]')
    assert message in link.inner_text(), link.inner_text()
    assert page.title().startswith("Error: ")


def follow_summary_link(page: Any, qid: str) -> None:
    """The summary's link takes the patient (and the keyboard focus) to the field's first box."""
    page.locator(f'.error-summary a[href="#f-{qid}"]').click()
    assert page.evaluate("document.activeElement && document.activeElement.id") == f"f-{qid}"
