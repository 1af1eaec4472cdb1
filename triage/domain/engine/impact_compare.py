"""What a clinician reads in one result, reduced to ids, ranks and levels, and the changes between two results of an intake."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.result import Result

# The kinds of change, in the order a clinician reads a summary: red flags, differentials, tests, caveats, questions.
FLAG_GAINED, FLAG_LOST, FLAG_URGENCY = "flag_gained", "flag_lost", "flag_urgency"
TOP, LISTED, UNLISTED, RANK, LEVEL = "top", "listed", "unlisted", "rank", "level"
TEST_ADDED, TEST_REMOVED, TEST_DEFERRED = "test_added", "test_removed", "test_deferred"
CAVEAT_ADDED, CAVEAT_REMOVED = "caveat_added", "caveat_removed"
ASK_ADDED, ASK_REMOVED = "ask_added", "ask_removed"
TOO_FEW = "too_few"
KINDS = (
    FLAG_GAINED,
    FLAG_LOST,
    FLAG_URGENCY,
    TOP,
    LISTED,
    UNLISTED,
    RANK,
    LEVEL,
    TEST_ADDED,
    TEST_REMOVED,
    TEST_DEFERRED,
    CAVEAT_ADDED,
    CAVEAT_REMOVED,
    ASK_ADDED,
    ASK_REMOVED,
    TOO_FEW,
)
FLAG_KINDS = (FLAG_GAINED, FLAG_LOST, FLAG_URGENCY)
DIFFERENTIAL_KINDS = (TOP, LISTED, UNLISTED, RANK, LEVEL)
TEST_KINDS = (TEST_ADDED, TEST_REMOVED, TEST_DEFERRED)
CAVEAT_KINDS = (CAVEAT_ADDED, CAVEAT_REMOVED)
ASK_KINDS = (ASK_ADDED, ASK_REMOVED, TOO_FEW)


@dataclass(frozen=True, order=True)
class Change:
    """One difference a clinician would read: its kind, what it is about (an id or a test), and the values before and after.

    `detail` carries the level of a differential newly listed or no longer listed (its rank is in before/after).
    """

    kind: str
    subject: str
    before: str = ""
    after: str = ""
    detail: str = ""


def _text(value: Any) -> str:
    # Urgency and Level are StrEnums: their value is the stored word.
    return "" if value is None else str(getattr(value, "value", value))


@dataclass(frozen=True)
class Reading:
    """What a clinician reads in one result, as comparable keys (ids, test names, rank positions, level words)."""

    flags: Mapping[str, str]  # red flag id -> urgency
    ranks: Mapping[str, str]  # differential id -> rank as shown ("2", or "1 (tied)")
    levels: Mapping[str, str]  # differential id -> level
    top: str  # the first-ranked differentials' ids, joined by TIE ('' when none is, e.g. held back by a red flag)
    tests: Mapping[str, bool]  # suggested test -> whether it is deferred
    caveats: tuple[str, ...]
    asks: tuple[str, ...]  # ids of the questions to ask at the visit
    too_few: bool  # the answers are too few for a reliable suggestion


def _flags(result: Result) -> dict[str, str]:
    found: dict[str, str] = {}
    for flag in result.red_flags:
        urgency = _text(flag.urgency)
        found.setdefault(flag.id, urgency)
        # Related flags grouped under this one (when the result groups them) are still raised for this patient.
        for other in getattr(flag, "also", ()) or ():
            other_id = other if isinstance(other, str) else getattr(other, "id", None)
            if isinstance(other_id, str):
                found.setdefault(other_id, _text(getattr(other, "urgency", None)) or urgency)
    return found


TIE = ","  # joins the ids of differentials tied for first
TIED = " (tied)"  # marks a rank shared with another differential


def _rank(position: int, differential: Any) -> str:
    rank = getattr(differential, "rank", None)
    # A rank below 1 means "not ranked yet" (a row stored before ranks): its place in the list is its rank.
    shown = rank if isinstance(rank, int) and not isinstance(rank, bool) and rank > 0 else position
    return f"{shown}{TIED}" if getattr(differential, "tied", False) else str(shown)


def _top(result: Result) -> str:
    tied = getattr(result, "ranked_first", None)
    if isinstance(tied, tuple) and all(isinstance(t, str) for t in tied):
        return TIE.join(tied)
    return result.top_differential or ""


def read(result: Result) -> Reading:
    """The parts of a result a clinician reads."""
    differentials = list(result.differentials)
    return Reading(
        flags=_flags(result),
        ranks={d.id: _rank(i, d) for i, d in enumerate(differentials, start=1)},
        levels={d.id: _text(d.level) for d in differentials},
        top=_top(result),
        tests={i.test: bool(getattr(i, "deferred", False)) for i in result.investigations},
        caveats=tuple(dict.fromkeys(c.id for c in result.caveats)),
        asks=tuple(dict.fromkeys(m.question for m in result.missing)),
        too_few=bool(getattr(result, "answers_too_few", False)),
    )


def _added_removed(before: Iterable[str], after: Iterable[str], added: str, removed: str) -> list[Change]:
    old, new = list(before), list(after)
    return [Change(added, key) for key in new if key not in old] + [Change(removed, key) for key in old if key not in new]


def _flag_changes(before: Reading, after: Reading) -> list[Change]:
    found = [Change(FLAG_GAINED, key, after=u) for key, u in after.flags.items() if key not in before.flags]
    found += [Change(FLAG_LOST, key, before=u) for key, u in before.flags.items() if key not in after.flags]
    found += [Change(FLAG_URGENCY, key, u, after.flags[key]) for key, u in before.flags.items() if after.flags.get(key, u) != u]
    return found


def _differential_changes(before: Reading, after: Reading) -> list[Change]:
    found = [Change(TOP, "first", before.top, after.top)] if before.top != after.top else []
    for key in [*after.ranks, *(k for k in before.ranks if k not in after.ranks)]:
        if key not in before.ranks:
            found.append(Change(LISTED, key, after=after.ranks[key], detail=after.levels[key]))
        elif key not in after.ranks:
            found.append(Change(UNLISTED, key, before=before.ranks[key], detail=before.levels[key]))
        else:
            if before.ranks[key] != after.ranks[key]:
                found.append(Change(RANK, key, before.ranks[key], after.ranks[key]))
            if before.levels[key] != after.levels[key]:
                found.append(Change(LEVEL, key, before.levels[key], after.levels[key]))
    return found


def _test_changes(before: Reading, after: Reading) -> list[Change]:
    found = _added_removed(before.tests, after.tests, TEST_ADDED, TEST_REMOVED)
    for test, deferred in after.tests.items():
        if test in before.tests and before.tests[test] != deferred:
            found.append(Change(TEST_DEFERRED, test, _yes(before.tests[test]), _yes(deferred)))
    return found


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def changes_between(before: Result, after: Result) -> tuple[Change, ...]:
    """Everything a clinician reads that differs from `before` (the published version's result) to `after` (the draft's)."""
    old, new = read(before), read(after)
    return tuple(
        [
            *_flag_changes(old, new),
            *_differential_changes(old, new),
            *_test_changes(old, new),
            *_added_removed(old.caveats, new.caveats, CAVEAT_ADDED, CAVEAT_REMOVED),
            *_added_removed(old.asks, new.asks, ASK_ADDED, ASK_REMOVED),
            *([Change(TOO_FEW, "answers", _yes(old.too_few), _yes(new.too_few))] if old.too_few != new.too_few else []),
        ]
    )
