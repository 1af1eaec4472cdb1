"""The answers the current rules read: an intake answered on an earlier questionnaire version is upgraded first."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from triage.domain.questionnaire.upgrade import upgrade_answers
from triage.domain.questionnaire.values import Answer

# The rules are written against the current questionnaire's ids; an intake opened before an upgrade and submitted after
# it (or re-evaluated later) keeps its own stored answers, and the rules read the same facts in today's words.
UPGRADES: dict[str, Callable[[Mapping[str, Answer]], dict[str, Answer]]] = {"2026.11-1": upgrade_answers}


def answers_for_rules(answers: Mapping[str, Answer], questionnaire_version: str) -> dict[str, Answer]:
    """The answers as the current rules read them (a copy; the stored answers are never changed)."""
    upgrade = UPGRADES.get(questionnaire_version)
    return upgrade(answers) if upgrade is not None else dict(answers)
