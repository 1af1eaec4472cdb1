"""Where a patient is in the questionnaire: visible questions, active steps, completion and reachability (no Flask)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from triage.domain.questionnaire.questions import Answer, Question, Questionnaire, Step

# Steps the patient has finished are kept beside the pending raw inputs (Intake.pending_inputs),
# under a key no question id can take, so progress lives in the database and survives any client.
PROGRESS_KEY = "~steps_done"
# An interrupt page ("these answers may mean you need urgent help today") waiting for the patient, kept the same way:
# {"id": interrupt id, "rules": emergency rule ids, "next": the step to go on to}. Dropped once the patient continues.
INTERRUPT_KEY = "~interrupt"
# The emergency and urgent rule ids already alerted (and, for emergencies, shown): a save whose flags are all
# among them has nothing to write, so a flagged patient's every save skips the alert look-ups.
FLAGS_KEY = "~flags"
# The messages of the step (or review) whose last Continue was refused: {"step": step id, "errors": {question id:
# message}}. Its page shows them once the browser has followed the redirect (Post/Redirect/Get), exactly as the
# post found them (unanswered required questions too); any later save drops them.
CHECK_KEY = "~check"


# Holding the questionnaire in the value keeps it alive, so its id() cannot be reused by another object.
_ORDER: dict[int, tuple[Questionnaire, tuple[Question, ...]]] = {}


def in_order(questionnaire: Questionnaire) -> tuple[Question, ...]:
    """Every question in order (Questionnaire.questions builds a new tuple on each access; this is kept)."""
    key = id(questionnaire)
    if key not in _ORDER:
        _ORDER[key] = (questionnaire, questionnaire.questions)
    return _ORDER[key][1]


def effective_answers(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> dict[str, Answer]:
    """The answers to questions the patient is currently asked (a hidden question counts as unanswered)."""
    effective: dict[str, Answer] = {}
    # shown_when always names an earlier question, so one pass in order settles every question.
    for question in in_order(questionnaire):
        if question.id in answers and question.is_shown(effective):
            effective[question.id] = answers[question.id]
    return effective


def visible_in(step: Step, effective: Mapping[str, Answer]) -> list[Question]:
    """The questions of a step this patient is asked, given their effective answers."""
    return [q for q in step.questions if q.is_shown(effective)]


def pending_interrupt(pending_inputs: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The interrupt page waiting for the patient, if any."""
    found = (pending_inputs or {}).get(INTERRUPT_KEY)
    return found if isinstance(found, dict) else None


def known_flags(pending_inputs: Mapping[str, Any] | None) -> frozenset[str]:
    """The rule ids the red-flag pass has already alerted for this intake."""
    found = (pending_inputs or {}).get(FLAGS_KEY)
    return frozenset(v for v in found if isinstance(v, str)) if isinstance(found, list) else frozenset()


def check_mark(step_id: str, errors: Mapping[str, str]) -> dict[str, Any]:
    """The value kept under CHECK_KEY for a refused Continue on a step."""
    return {"step": step_id, "errors": dict(errors)}


def checked_errors(pending_inputs: Mapping[str, Any] | None, step_id: str) -> dict[str, str] | None:
    """The messages of the refused Continue kept for this step, if its last Continue was refused."""
    found = (pending_inputs or {}).get(CHECK_KEY)
    if not isinstance(found, dict) or found.get("step") != step_id or not isinstance(found.get("errors"), dict):
        return None
    return {k: v for k, v in found["errors"].items() if isinstance(k, str) and isinstance(v, str)}


def split_pending(pending_inputs: Mapping[str, Any] | None) -> tuple[dict[str, list[str]], frozenset[str]]:
    """Separate the stored pending inputs into raw inputs by question id and the set of finished steps."""
    raw: dict[str, list[str]] = {}
    done: frozenset[str] = frozenset()
    for key, value in (pending_inputs or {}).items():
        if key == PROGRESS_KEY:
            done = frozenset(v for v in value if isinstance(v, str)) if isinstance(value, list) else frozenset()
        elif isinstance(value, list) and not key.startswith("~"):  # "~" keys are the flow's own, never a question
            raw[key] = [v for v in value if isinstance(v, str)]
    return raw, done


@dataclass(frozen=True)
class Progress:
    """One intake's position: effective answers, pending raw inputs and the steps finished."""

    questionnaire: Questionnaire
    answers: dict[str, Answer]
    pending: dict[str, list[str]]
    done: frozenset[str]

    @classmethod
    def of(
        cls, questionnaire: Questionnaire, answers: Mapping[str, Answer], pending_inputs: Mapping[str, Any] | None
    ) -> Progress:
        """The progress for stored answers and stored pending inputs."""
        return cls.from_effective(questionnaire, effective_answers(questionnaire, answers), pending_inputs)

    @classmethod
    def from_effective(
        cls, questionnaire: Questionnaire, effective: dict[str, Answer], pending_inputs: Mapping[str, Any] | None
    ) -> Progress:
        """The progress for answers already reduced to the questions asked (as read_step returns them)."""
        raw, done = split_pending(pending_inputs)
        return cls(questionnaire, effective, raw, done)

    @cached_property
    def review(self) -> Step:
        """The review-and-consent step (the last one)."""
        return next(s for s in self.questionnaire.steps if s.is_review)

    @cached_property
    def _visible_cache(self) -> dict[str, list[Question]]:
        return {}

    def _visible_of(self, step: Step) -> list[Question]:
        cache = self._visible_cache
        if step.id not in cache:
            cache[step.id] = visible_in(step, self.answers)
        return cache[step.id]

    @cached_property
    def _active(self) -> list[Step]:
        return [s for s in self.questionnaire.steps if s.is_review or self._visible_of(s)]

    @cached_property
    def _active_ids(self) -> list[str]:
        return [s.id for s in self._active]

    def visible(self, step: Step) -> list[Question]:
        """The questions of a step this patient is asked (do not modify the list)."""
        return self._visible_of(step)

    def active_steps(self) -> list[Step]:
        """The steps this patient sees: those with at least one visible question, review last."""
        return list(self._active)

    def has_problems(self, step: Step) -> bool:
        """Whether a step holds input that did not validate, or an unanswered required question."""
        for question in self.visible(step):
            if question.id in self.pending:
                return True
            if question.required and question.id not in self.answers:
                return True
        return False

    def is_complete(self, step: Step) -> bool:
        """Whether the patient has finished this step (continued past it, and nothing is left to fix)."""
        return step.id in self.done and not self.has_problems(step)

    @cached_property
    def _first_unfinished(self) -> Step:
        for step in self._active:
            if step.is_review or not self.is_complete(step):
                return step
        return self.review

    def first_unfinished(self) -> Step:
        """The step to resume at: the first active step not finished (review once all others are)."""
        return self._first_unfinished

    def is_reachable(self, step: Step) -> bool:
        """Whether the patient may open or post this step: it is active and no earlier step is unfinished."""
        active = self._active_ids
        if step.id not in active:
            return False
        return active.index(step.id) <= active.index(self._first_unfinished.id)

    def next_after(self, step: Step) -> Step:
        """The active step after this one (review after the last)."""
        steps = self.questionnaire.steps
        for later in steps[steps.index(step) + 1 :]:
            if later.is_review or self._visible_of(later):
                return later
        return self.review

    def previous_before(self, step: Step) -> Step | None:
        """The active step before this one, if any."""
        steps = self.questionnaire.steps
        for earlier in reversed(steps[: steps.index(step)]):
            if self._visible_of(earlier):
                return earlier
        return None

    def section_position(self, step: Step) -> tuple[int, int, str]:
        """(number of the step's section, number of sections, its title), for "Section 3 of 8: Your symptoms".

        The total is the questionnaire's fixed list of sections: it never changes with the answers.
        """
        number, section = self.questionnaire.section_of(step)
        return number, len(self.questionnaire.sections), section.title

    def first_opened_after(self, before: Progress, step: Step) -> Step | None:
        """The first later step where this progress asks an unanswered question that `before` did not ask."""
        steps = self.questionnaire.steps
        for later in steps[steps.index(step) + 1 :]:
            if later.is_review:
                continue
            asked = {q.id for q in before.visible(later)}
            if any(q.id not in asked and q.id not in self.answers for q in self.visible(later)):
                return later
        return None

    def hidden_answers(self, stored: Mapping[str, Answer]) -> list[str]:
        """Stored answers to questions no longer asked (pruned at submission, so only what was reviewed is sent)."""
        return [qid for qid in stored if qid not in self.answers]


def progress_with(done: frozenset[str], step_id: str) -> list[str]:
    """The stored list of finished steps with one more step added."""
    return sorted(done | {step_id})
