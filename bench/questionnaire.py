"""Benchmark of the questionnaire's burden: questions, pages, words and minutes for typical patients, v1 beside v2.

Each persona (bench/questionnaire_personas.py) is walked through each version in-process, page by page, with the
domain's visibility rules (Question.is_shown over the answers so far; for_each copies are shown for ticked values).
Model: reading at 200 words a minute, plus 5 s per closed answer given (a choice, tick list, number, date, scale or
box), 30 s per free-text answer given (each table row counts as one), plus 2 s per page load. Words read: step titles
and intros, and the label, help, unit, choice labels (only the ticked ones for choices_from) and table column headings
of every question shown. A step's grid (its compact questions, drawn as one question under the step's intro: the
months of each gut symptom, the four mood questions) counts as one question; each row answered is a closed answer;
its legend and its column headings are read once, and each row's label and unit. Same-page follow-ups open in place,
so a page is a step with a question shown (the start, done and urgent pages are not counted, nor re-reading one's
answers on the review page).
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

from bench.questionnaire_personas import FOURTEEN_SYMPTOMS, PERSONAS, Persona, answers_v1, answers_v2  # noqa: E402
from triage.domain.questionnaire.questions import (  # noqa: E402
    Answer,
    Question,
    Questionnaire,
    Step,
    bundled_versions,
    questionnaire_for,
)

V1, V2 = "2026.11-1", "2026.12-2"
BUILDERS: dict[str, Callable[[Persona, dt.date], dict[str, Answer]]] = {V1: answers_v1, V2: answers_v2}
CURRENT = V2  # the version the targets apply to; the other is printed beside it
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


def walk(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> Walk:
    """Take one persona's answers through the questionnaire page by page, as the patient pages show them."""
    result = Walk()
    for step in questionnaire.steps:
        shown: list[Question] = []
        for question in step.questions:  # a follow-up names an earlier question, so one pass in order settles it
            if question.is_shown(result.answers):
                shown.append(question)
                if question.id in answers:
                    result.answers[question.id] = answers[question.id]
        if not shown and not step.is_review:
            continue
        result.pages += 1
        grid = [q for q in shown if q in step.grid]
        result.questions += len(shown) - len(grid) + (1 if grid else 0)
        words = count_words(step.title) + page_words(step, shown, grid, result.answers)
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


def walk_all(today: dt.date) -> dict[str, dict[str, Walk]]:
    """Every persona walked through every version: version → persona key → walk."""
    return {
        version: {p.key: walk(questionnaire_for(version), build(p, today)) for p in PERSONAS}
        for version, build in BUILDERS.items()
    }


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
    summaries = {p.key: p.summary for p in PERSONAS}
    return {"model": model, "current": CURRENT, "personas": summaries, "versions": versions}


def _row(key: str, data: Mapping[str, Any]) -> str:
    cells = [f"{key:<18}"]
    for version in BUILDERS:
        f = data["versions"][version]["personas"][key]
        cells.append(
            f"{f['questions']:>4} {f['pages']:>3} {f['words']:>5} {f['closed']:>4} {f['free_text']:>3} {f['minutes']:>5.1f}"
        )
    return " | ".join(cells)


def print_table(data: Mapping[str, Any]) -> None:
    """The figures as a side-by-side table, then the medians and the targets."""
    model = data["model"]
    print(
        f"Model: reading {model['words_per_minute']} words/min + {model['closed_answer_s']} s per closed answer"
        f" + {model['free_text_answer_s']} s per free-text answer (a table row counts as one)"
        f" + {model['page_load_s']} s per page; {model['grid']}"
    )
    head = " | ".join([f"{'':<18}", *(f"{v:^30}" for v in BUILDERS)])
    sub = " | ".join(
        [f"{'persona':<18}", *([f"{'qs':>4} {'pg':>3} {'words':>5} {'clsd':>4} {'txt':>3} {'min':>5}"] * len(BUILDERS))]
    )
    print(head, sub, "-" * len(sub), sep="\n")
    for key in data["personas"]:
        print(_row(key, data))
    print()
    for version, figures in data["versions"].items():
        median, claim = figures["median_persona"], figures["estimated_minutes"]
        print(f"{version}: median persona {median} ({data['personas'][median]}); median of all: "
              f"{figures['median_minutes']} min, {figures['median_questions']} questions; claim {claim or 'none'}")  # fmt: skip
        print(f"  median persona:     {_row(median, data)}")
        print(f"  14-symptom persona: {_row(FOURTEEN_SYMPTOMS, data)}")
        for key in (median, FOURTEEN_SYMPTOMS):
            by_step = sorted(figures["personas"][key]["words_by_step"].items(), key=lambda item: -item[1])
            f = figures["personas"][key]
            split = (f["words"] / WORDS_PER_MINUTE, f["closed"] * CLOSED_SECONDS / 60, f["free_text"] * FREE_TEXT_SECONDS / 60)
            print(f"  {key}: reading {split[0]:.1f} min, closed answers {split[1]:.1f}, free text {split[2]:.1f},"
                  f" page loads {f['pages'] * PAGE_SECONDS / 60:.1f}")  # fmt: skip
            print("    words by page: " + ", ".join(f"{step} {words}" for step, words in by_step))
    print()
    for entry in data["versions"][data["current"]]["targets"]:
        mark = "met" if entry["met"] else "MISSED"
        print(f"{data['current']} target {entry['target']}: {entry['value']} (needs {entry['limit']}): {mark}")


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
