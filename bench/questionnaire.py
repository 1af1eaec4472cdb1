"""Benchmark of the questionnaire's burden: questions, pages, words and minutes for typical patients, v1 to v6.

Each persona (bench/questionnaire_personas.py) is walked through each version in-process, page by page, with the
domain's visibility rules (Question.is_shown over the answers so far; for_each copies are shown for ticked values).
Model: reading at 200 words a minute, plus 5 s per closed answer given (a choice, tick list, number, date, scale or
box), 30 s per free-text answer given (each table row counts as one), plus 2 s per page load. Words read: step titles
and intros, and the label, help, unit, choice labels (only the ticked ones for choices_from) and table column headings
of every question shown. A step's grid (its compact questions, drawn as one question under the step's intro: the
months of each gut symptom, the four mood questions) counts as one question; each row answered is a closed answer;
its legend and its column headings are read once, and each row's label and unit. Same-page follow-ups open in place,
so a page is a step with a question shown (the start, done and urgent pages are not counted, nor re-reading one's
answers on the review page, nor the date-of-birth check before the questionnaire opens).
An answer the invitation gives (from_invitation: the name, the date of birth; version 3 on) is read, not answered:
its label, the answer as the page shows it and the page's one note about it are words read, and it is not counted as
a question or an answer. Each persona says which details its invitation holds (Persona.invitation): most come by an
email or text invitation made from the appointment list (name and date of birth); some by a link made without them.
Targets on the current version: the median persona under 10 minutes and at most 50 questions, the 14-symptom persona
under 18 minutes, and the start page's estimate (estimated_minutes) covering the personas' median. Exits 1 when one
is missed, after printing every figure.
Run: .venv/bin/python bench/questionnaire.py [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.questionnaire_personas import (  # noqa: E402
    FOURTEEN_SYMPTOMS,
    PERSONAS,
    Persona,
    answers_v1,
    answers_v2,
    answers_v3,
    answers_v4,
    answers_v5,
    answers_v6,
    invitation_of,
)
from bench.questionnaire_print import print_table  # noqa: E402
from triage.domain.questionnaire.known import known_answers  # noqa: E402
from triage.domain.questionnaire.questions import (  # noqa: E402
    Answer,
    Question,
    Questionnaire,
    Step,
    bundled_versions,
    questionnaire_for,
)
from triage.web.patient.pages import GIVEN_NOTE  # noqa: E402

V1, V2, V3, V4, V5, V6 = "2026.11-1", "2026.12-2", "2026.12-3", "2026.12-4", "2026.12-5", "2026.12-6"
BUILDERS: dict[str, Callable[[Persona, dt.date], dict[str, Answer]]] = {
    V1: answers_v1,
    V2: answers_v2,
    V3: answers_v3,
    V4: answers_v4,
    V5: answers_v5,
    V6: answers_v6,
}
CURRENT = V6  # the version the targets apply to; the others are printed beside it
WORDS_PER_MINUTE = 200
CLOSED_SECONDS, FREE_TEXT_SECONDS, PAGE_SECONDS = 5, 30, 2
FREE_TEXT_TYPES = ("text", "longtext")
MEDIAN_MINUTES, MEDIAN_QUESTIONS, FOURTEEN_MINUTES = 10.0, 50, 18.0
GRID_RULE = "a grid is one question, each row a closed answer, its legend and column headings read once"
WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")


@dataclass
class Walk:
    """What one persona meets in one version: the counts the time model uses, and the answers given."""

    questions: int = 0
    pages: int = 0
    words: int = 0
    closed: int = 0
    free_text: int = 0
    blank: int = 0  # shown but left unanswered (optional questions this persona skips)
    words_by_step: dict[str, int] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """The estimated completion time from the stated model."""
        reading = self.words * 60.0 / WORDS_PER_MINUTE
        return reading + self.closed * CLOSED_SECONDS + self.free_text * FREE_TEXT_SECONDS + self.pages * PAGE_SECONDS

    @property
    def minutes(self) -> float:
        """The estimated completion time in minutes."""
        return self.seconds / 60.0

    def figures(self) -> dict[str, Any]:
        """The counts and the time as plain data."""
        data = asdict(self)
        del data["answers"]
        return data | {"minutes": round(self.minutes, 1)}


def count_words(*texts: str) -> int:
    """How many words the patient reads in these texts."""
    return sum(len(WORD.findall(text)) for text in texts)


def question_words(question: Question, given: Mapping[str, Answer]) -> int:
    """The words of one shown question: label, help, unit, the choices offered and the table's column headings."""
    choices = question.choices
    if question.choices_from:
        ticked = given.get(question.choices_from)
        choices = tuple(c for c in choices if isinstance(ticked, list) and c.value in ticked)
    columns = tuple(column.label for column in question.columns)
    return count_words(question.label, question.help, question.unit, *(c.label for c in choices), *columns)


def page_words(step: Step, shown: list[Question], grid: list[Question], given: Mapping[str, Answer]) -> int:
    """The words of a page's intro and shown questions; a grid's intro (its legend) and headings are read once."""
    if not step.grid:
        return count_words(step.intro) + sum(question_words(q, given) for q in shown)
    rows = sum(count_words(q.label, q.help, q.unit) for q in grid)
    legend = count_words(step.intro, *(c.label for c in step.grid_choices)) if grid else 0
    return legend + rows + sum(question_words(q, given) for q in shown if q not in grid)


def shown_answer(question: Question, value: Answer) -> str:
    """An answer the invitation gives, as the page shows it (a date in words: "1 January 1997")."""
    if question.type == "date" and isinstance(value, str):
        day = dt.date.fromisoformat(value)
        return f"{day.day} {day:%B} {day.year}"
    return str(value)


def given_words(given: list[Question], known: Mapping[str, Answer]) -> int:
    """The words of a page's answers from the invitation: each label and answer, and the one note under them."""
    if not given:
        return 0
    return count_words(GIVEN_NOTE, *(f"{q.label} {shown_answer(q, known[q.id])}" for q in given))


def walk(questionnaire: Questionnaire, answers: Mapping[str, Answer], known: Mapping[str, Answer] | None = None) -> Walk:
    """Take one persona's answers through the questionnaire page by page, as the patient pages show them.

    `known` are the answers the invitation gives (shown on the page, not asked); they replace the persona's own.
    """
    known = known or {}
    result = Walk()
    for step in questionnaire.steps:
        shown: list[Question] = []
        given: list[Question] = []
        for question in step.questions:  # a follow-up names an earlier question, so one pass in order settles it
            if question.is_shown(result.answers):
                (given if question.id in known else shown).append(question)
                if question.id in known or question.id in answers:
                    result.answers[question.id] = known.get(question.id, answers.get(question.id))
        if not shown and not given and not step.is_review:
            continue
        result.pages += 1
        grid = [q for q in shown if q in step.grid]
        result.questions += len(shown) - len(grid) + (1 if grid else 0)
        words = count_words(step.title) + page_words(step, shown, grid, result.answers) + given_words(given, known)
        result.words += words
        result.words_by_step[step.id] = words
        for question in shown:
            value = result.answers.get(question.id)
            if value is None:
                result.blank += 1
            elif question.type == "table" and isinstance(value, list):
                result.free_text += len(value)
            elif question.type in FREE_TEXT_TYPES:
                result.free_text += 1
            else:
                result.closed += 1
    return result


def walk_persona(version: str, persona: Persona, today: dt.date, invited: bool = True) -> Walk:
    """One persona through one version; `invited`: with the details its invitation holds (else with none)."""
    questionnaire = questionnaire_for(version)
    details = invitation_of(persona, today) if invited else {}
    return walk(questionnaire, BUILDERS[version](persona, today), known_answers(questionnaire.questions, details, today))


def walk_all(today: dt.date, invited: bool = True) -> dict[str, dict[str, Walk]]:
    """Every persona walked through every version: version → persona key → walk."""
    return {version: {p.key: walk_persona(version, p, today, invited) for p in PERSONAS} for version in BUILDERS}


def median_persona(walks: Mapping[str, Walk]) -> str:
    """The persona whose time is the median (the lower middle one for an even count)."""
    middle = statistics.median_low(w.seconds for w in walks.values())
    return next(key for key, w in walks.items() if w.seconds == middle)


def _target(name: str, value: Any, limit: str, met: bool) -> dict[str, Any]:
    return {"target": name, "value": value, "limit": limit, "met": met}


def targets(version: str, walks: Mapping[str, Walk]) -> list[dict[str, Any]]:
    """The targets checked on one version, each with its figure, its limit and whether it is met."""
    median = walks[median_persona(walks)]
    fourteen = walks[FOURTEEN_SYMPTOMS]
    claim = questionnaire_for(version).estimated_minutes
    covers = claim is not None and claim[0] <= median.minutes <= claim[1]
    return [
        _target("median persona minutes", round(median.minutes, 1), f"< {MEDIAN_MINUTES:g}", median.minutes < MEDIAN_MINUTES),
        _target("median persona questions", median.questions, f"<= {MEDIAN_QUESTIONS}", median.questions <= MEDIAN_QUESTIONS),
        _target(
            "14-symptom persona minutes",
            round(fourteen.minutes, 1),
            f"< {FOURTEEN_MINUTES:g}",
            fourteen.minutes < FOURTEEN_MINUTES,
        ),
        _target("estimated_minutes covers the median", list(claim) if claim else None, f"contains {median.minutes:.1f}", covers),
    ]


def report(today: dt.date) -> dict[str, Any]:
    """Every figure as plain data: the model, each version's personas, medians and targets."""
    everything = walk_all(today)
    versions: dict[str, Any] = {}
    for version, walks in everything.items():
        claim = questionnaire_for(version).estimated_minutes
        versions[version] = {
            "estimated_minutes": list(claim) if claim else None,
            "personas": {key: w.figures() for key, w in walks.items()},
            "median_persona": median_persona(walks),
            "median_minutes": round(statistics.median(w.minutes for w in walks.values()), 1),
            "median_questions": statistics.median(w.questions for w in walks.values()),
            "targets": targets(version, walks),
        }
    model: dict[str, Any] = {
        "words_per_minute": WORDS_PER_MINUTE,
        "closed_answer_s": CLOSED_SECONDS,
        "free_text_answer_s": FREE_TEXT_SECONDS,
    }
    model |= {"page_load_s": PAGE_SECONDS, "table_row": "one free-text answer", "grid": GRID_RULE}
    model |= {"from_invitation": "read (label, answer, note), not answered"}
    bare = walk_all(today, invited=False)[CURRENT]
    versions[CURRENT]["without_invitation_details"] = {
        "median_persona": median_persona(bare),
        "median_persona_minutes": round(bare[median_persona(bare)].minutes, 1),
        "fourteen_symptom_minutes": round(bare[FOURTEEN_SYMPTOMS].minutes, 1),
    }
    summaries = {p.key: p.summary for p in PERSONAS}
    invitations = {p.key: list(p.invitation) for p in PERSONAS}
    data = {"model": model, "current": CURRENT, "personas": summaries, "invitations": invitations}
    return data | {"fourteen_symptom_persona": FOURTEEN_SYMPTOMS, "versions": versions}


def main(argv: list[str] | None = None) -> int:
    """Print the figures (a table, or JSON with --json); 1 when a target of the current version is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    missing = [v for v in BUILDERS if v not in bundled_versions()]
    if missing:
        print(
            f"FAILED: questionnaire version(s) {', '.join(missing)} not bundled (forms/questionnaire.yaml, forms/versions/)",
            file=sys.stderr,
        )
        return 2
    data = report(dt.date.today())
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print_table(data)
    missed = [entry["target"] for entry in data["versions"][data["current"]]["targets"] if not entry["met"]]
    if missed:
        print(f"FAILED: {data['current']} misses {len(missed)} target(s): {'; '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
