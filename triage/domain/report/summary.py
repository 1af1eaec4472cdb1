"""The intake page's one-screen summary: urgency, the top differentials and what carries them, the tests that matter
most with the caveat that changes how to do each, and the questions to ask first."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from triage.domain.engine.result_view import FlagView, Item
from triage.domain.report.ask_first import AskFirst
from triage.domain.report.model import Report
from triage.domain.scales import Level, Urgency

TOP_DIFFERENTIALS = 3
CARRYING_FINDINGS = 2
MOST_TESTS = 5
FIRST_QUESTIONS = 3
MOST_FLAGS = 3
# Which caveats change how a test is done or read: a test whose title matches the first pattern is changed by a
# caveat whose title matches the second (general knowledge [GK], after the caveats' own explanations).
CAVEAT_TESTS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(test, re.IGNORECASE), re.compile(caveat, re.IGNORECASE))
    for test, caveat in (
        (r"tTG|EMA|DGP|coeliac|celiac|duodenal biops", r"coeliac tests|gluten challenge|off gluten|IgA deficiency|about diet"),
        (r"H\. ?pylori", r"H\. ?pylori|H2 blocker|antacids|antibiotics or bismuth"),
        (r"calprotectin", r"calprotectin|hide inflammation"),
        (r"gastrin|pepsinogen|chromogranin|parietal", r"gastrin|chromogranin|mask autoimmune gastritis"),
        (r"\bB12\b|methylmalonic|holotranscobalamin", r"\bB12\b"),
        (r"breath test", r"breath test"),
        (r"C\. difficile|stool microscopy", r"C\. difficile"),
        (r"\bTSH\b|thyroid|antibod", r"biotin"),
        (r"\bFIT\b", r"stools black"),
    )
)


@dataclass(frozen=True)
class TopDifferential:
    """One of the top differentials: rank, name and level, and the strongest findings for it."""

    id: str
    rank_label: str
    name: str
    level: Level
    findings: tuple[str, ...]
    held_back: bool = False


@dataclass(frozen=True)
class KeyTest:
    """A test that matters most, with the caveat that changes how to do it ("" when none applies)."""

    title: str
    caveat: str = ""
    caveat_text: str = ""


@dataclass(frozen=True)
class Summary:
    """What the clinician takes in at one glance; everything else is one click away on the same page."""

    urgency: Urgency
    flags: tuple[FlagView, ...]
    more_flags: int
    differentials: tuple[TopDifferential, ...]
    more_differentials: int
    tests: tuple[KeyTest, ...]
    more_tests: int
    questions: tuple[AskFirst, ...]
    more_questions: int


def intake_summary(report: Report, questions: Sequence[AskFirst]) -> Summary:
    """The summary of one intake's report, with its open questions already ordered by ask_first."""
    suggested = [d for d in report.differentials if d.suggested] or list(report.differentials)
    top = [
        TopDifferential(
            d.id, d.rank_label, d.name, d.level, tuple(f.title for f in d.findings_for[:CARRYING_FINDINGS]), d.held_back
        )
        for d in suggested[:TOP_DIFFERENTIALS]
    ]
    tests = [i for i in report.investigations if not i.deferred]
    first = [q for q in questions if q.weight > 0][:FIRST_QUESTIONS]  # a question no answer would change waits
    return Summary(
        urgency=report.top_urgency or Urgency.NONE,
        flags=report.red_flags[:MOST_FLAGS],
        more_flags=max(0, len(report.red_flags) - MOST_FLAGS),
        differentials=tuple(top),
        more_differentials=len(report.differentials) - len(top),
        tests=tuple(key_test(t, report.caveats) for t in tests[:MOST_TESTS]),
        more_tests=max(0, len(report.investigations) - MOST_TESTS),
        questions=tuple(first),
        more_questions=len(questions) - len(first),
    )


def key_test(test: Item, caveats: Sequence[Item]) -> KeyTest:
    """A test with the first of the intake's caveats that changes how it is done."""
    for test_pattern, caveat_pattern in CAVEAT_TESTS:
        if not test_pattern.search(test.title):
            continue
        for caveat in caveats:
            if caveat_pattern.search(caveat.title):
                return KeyTest(test.title, caveat.title, caveat.text)
    return KeyTest(test.title)
