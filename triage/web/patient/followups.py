"""Follow-ups that appear in place on their own page: their conditions as static/js/followups.js reads them (no Flask)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from triage.domain.questionnaire.questions import Answer, Question, Questionnaire, ShownWhen, Step
from triage.domain.questionnaire.questions import Condition as ShownCondition


@dataclass(frozen=True)
class PageTest:
    """One test on an answer on the same page, as static/js/followups.js reads it (list values joined by spaces)."""

    question: str
    operator: str
    value: str


@dataclass(frozen=True)
class Condition:
    """A same-page follow-up's condition, as data attributes for static/js/followups.js.

    One test is drawn as data-q, data-op and data-v; several as data-when ("all" or "any") and data-tests (JSON).
    """

    behaviour: str
    tests: tuple[PageTest, ...]

    @property
    def questions(self) -> tuple[str, ...]:
        """The same-page questions the condition reads."""
        return tuple(t.question for t in self.tests)

    @property
    def single(self) -> PageTest | None:
        """The one test, when there is only one."""
        return self.tests[0] if len(self.tests) == 1 else None

    @property
    def tests_json(self) -> str:
        """The tests as a JSON list of [question, operator, value] for data-tests."""
        return json.dumps([[t.question, t.operator, t.value] for t in self.tests], separators=(",", ":"))


_FOLLOWUPS: dict[tuple[str, str], dict[str, ShownCondition]] = {}


def same_page_followups(questionnaire: Questionnaire, step: Step) -> dict[str, ShownCondition]:
    """The follow-ups of a step whose condition reads at least one answer on the same page, with their conditions."""
    key = (questionnaire.version, step.id)
    if key not in _FOLLOWUPS:
        own = {q.id for q in step.questions}
        _FOLLOWUPS[key] = {
            q.id: q.shown_when for q in step.questions if q.shown_when is not None and own & set(q.shown_when.questions)
        }
    return _FOLLOWUPS[key]


def _test(when: ShownWhen) -> PageTest:
    value = when.value
    shown = " ".join(str(v) for v in value) if isinstance(value, list) else "" if value is None else str(value)
    return PageTest(when.question, when.operator, shown)


def same_page_conditions(questionnaire: Questionnaire, step: Step, answers: Mapping[str, Answer]) -> dict[str, Condition]:
    """The follow-ups of a step that JavaScript may show in place, each with the tests left to it on this page.

    A test on an earlier page is settled by the patient's answers (`answers`, the effective ones): under "all", one
    that fails means the follow-up cannot appear on this page, and under "any", one that holds means it is shown
    anyway; either way the page needs no condition for it. Otherwise JavaScript tests the same-page answers.
    """
    own = {q.id for q in step.questions}
    found: dict[str, Condition] = {}
    for qid, when in same_page_followups(questionnaire, step).items():
        earlier = [t for t in when.tests if t.question not in own]
        decisive = when.behaviour != "all"
        if any(t.holds(answers) == decisive for t in earlier):
            continue
        found[qid] = Condition(when.behaviour, tuple(_test(t) for t in when.tests if t.question in own))
    return found


def page_questions(
    questionnaire: Questionnaire, step: Step, visible: list[Question], answers: Mapping[str, Answer]
) -> tuple[list[Question], set[str]]:
    """The questions to render: the visible ones plus hidden same-page follow-ups, and which are hidden."""
    conditions = same_page_conditions(questionnaire, step, answers)
    shown_ids = {q.id for q in visible}
    rendered: list[Question] = []
    rendered_ids: set[str] = set()
    for question in step.questions:
        condition = conditions.get(question.id)
        if question.id in shown_ids or (condition is not None and rendered_ids & set(condition.questions)):
            rendered.append(question)
            rendered_ids.add(question.id)
    return rendered, rendered_ids - shown_ids
