"""Plain data for the impact pages: a run's progress, its counts, tally and list, and one intake side by side."""

from __future__ import annotations

from typing import Any

from triage.db.impact_runs import RunInfo
from triage.domain.engine import impact_compare as kinds
from triage.domain.engine.impact import Names, PatientImpact, line, read, sentence
from triage.domain.engine.impact_batch import changes_of, tally_of
from triage.domain.engine.result import Result

LIST_LIMIT = 200
# The list's columns: what a clinician reads, in the order the summary shows it.
COLUMNS = (
    ("flags", "Red flags", kinds.FLAG_KINDS),
    ("differentials", "Differentials", kinds.DIFFERENTIAL_KINDS),
    ("tests", "Suggested tests", kinds.TEST_KINDS),
    ("caveats", "Caveats", kinds.CAVEAT_KINDS),
    ("asks", "Ask at the visit", kinds.ASK_KINDS),
)
STATE_WORDS = {
    "queued": "waiting for a worker",
    "running": "counting",
    "done": "done",
    "cancelled": "cancelled",
    "outdated": "stopped: the draft or the published version changed",
    "failed": "failed",
}


def progress(run: RunInfo, job_state: str | None) -> dict[str, Any]:
    """A run's state as the page shows it: done of total, percent, and the state in words."""
    status = "failed" if job_state == "failed" and run.status in ("queued", "running") else run.status
    return {
        "id": run.id,
        "status": status,
        "words": STATE_WORDS.get(status, status),
        "done": run.done,
        "total": max(run.total, run.done),
        "percent": run.percent,
        "active": status in ("queued", "running"),
        "sample": run.sample,
        "seconds": f"{run.seconds:.1f}",
        "draft_version": run.draft_version,
        "published_version": run.published_version,
    }


def counts(run: RunInfo) -> dict[str, Any]:
    """The stored counts of a finished run, by the element id each is shown under."""
    stored = (run.summary or {}).get("counts", {})
    return {**{key: int(value) for key, value in stored.items()}, "seconds": f"{run.seconds:.2f}"}


def tally(run: RunInfo, names: Names) -> tuple[list[str], int]:
    """The distinct changes in plain words, most intakes first within each kind, and how many more the run found."""
    found = tally_of(run.summary or {})
    return [sentence(change, reach, names) for change, reach in found], int((run.summary or {}).get("tally_more", 0))


def rows(changed: list[tuple[int, list[Any]]], refs: dict[int, str], names: Names) -> list[dict[str, Any]]:
    """The listed intakes: their reference and, column by column, what would change."""
    found = []
    for intake_id, stored in changed:
        patient = PatientImpact(intake_id, changes_of(stored))
        cells = {key: [line(change, names) for change in patient.of(group)] for key, _title, group in COLUMNS}
        found.append({"intake_id": intake_id, "ref": refs.get(intake_id, ""), **cells})
    return found


def side(result: Result, other: Result, names: Names) -> dict[str, Any]:
    """One column of the side-by-side view; `new` marks what the other column does not have."""
    mine, theirs = read(result), read(other)
    return {
        "version": result.ruleset_version,
        "flags": [
            {"title": names.rule(key), "urgency": urgency, "new": theirs.flags.get(key) != urgency}
            for key, urgency in mine.flags.items()
        ],
        "differentials": [
            {
                "name": names.differential(d.id),
                "rank": mine.ranks[d.id],
                "level": mine.levels[d.id],
                "held_back": d.held_back,
                "new": (theirs.ranks.get(d.id), theirs.levels.get(d.id)) != (mine.ranks[d.id], mine.levels[d.id]),
            }
            for d in result.differentials
        ],
        "first": names.first(mine.top),
        "tests": [
            {"test": test, "deferred": deferred, "new": theirs.tests.get(test) != deferred}
            for test, deferred in mine.tests.items()
        ],
        "caveats": [{"title": names.rule(key), "new": key not in theirs.caveats} for key in mine.caveats],
        "asks": [{"label": names.question(key), "new": key not in theirs.asks} for key in mine.asks],
        "too_few": mine.too_few,
    }
