"""The impact of a draft on past patients: the names the rules pages, the tests and the benchmark import.

The impact view evaluates past intakes with the version now published and with the draft and compares
everything a clinician reads (impact_run, impact_compare, impact_screen, impact_report, impact_words).
The older summary-level what-if against stored results (impact_stored, impact_summary) stays importable
for what_if.py.
"""

from __future__ import annotations

from triage.domain.engine.impact_changes import ChangeSet, change_set, changed_comparisons
from triage.domain.engine.impact_compare import Change, Reading, changes_between, read
from triage.domain.engine.impact_report import DraftReport, PatientImpact
from triage.domain.engine.impact_run import AnswerSource, Compared, PastIntake, compare_answers, draft_impact
from triage.domain.engine.impact_screen import Screen
from triage.domain.engine.impact_stored import DraftImpact
from triage.domain.engine.impact_summary import (
    NOT_LISTED,
    ImpactReport,
    IntakeImpact,
    Scorer,
    Summary,
    compare_summaries,
    summary_of_result,
)
from triage.domain.engine.impact_words import Names, line, phrase, sentence

__all__ = [
    "NOT_LISTED",
    "AnswerSource",
    "Change",
    "ChangeSet",
    "Compared",
    "DraftImpact",
    "DraftReport",
    "ImpactReport",
    "IntakeImpact",
    "Names",
    "PastIntake",
    "PatientImpact",
    "Reading",
    "Scorer",
    "Screen",
    "Summary",
    "change_set",
    "changed_comparisons",
    "changes_between",
    "compare_answers",
    "compare_summaries",
    "draft_impact",
    "line",
    "phrase",
    "read",
    "sentence",
    "summary_of_result",
]
