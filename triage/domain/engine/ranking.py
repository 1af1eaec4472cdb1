"""How differentials are ordered and numbered: level before score, ties share a rank, red flags hold some back.

The order is: differentials held back by a standing red flag last; then level of suspicion (high, moderate,
low, below low); then score; then the number of findings for, and the order of declaration in ruleset.yaml,
which only fix a deterministic order within a tie. The rank shown is shared by differentials with the same
level and score (and the same held-back state): "=1" means tied for first. Rank and level never contradict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence

from triage.domain.engine.result_items import DifferentialResult
from triage.domain.engine.schema import Differential
from triage.domain.scales import Level

OrderKey = tuple[bool, int, int, int, int]


def order_key(held: bool, level: Level, score: int, findings_for: int, position: int) -> OrderKey:
    """The sort key of one differential (smaller first); `position` is its place in ruleset.yaml."""
    return (held, level.rank, -score, -findings_for, position)


def held_back(differential: Differential, standing_flags: Collection[str]) -> bool:
    """Whether a differential is held back: by any standing red flag, or by one of the flags it names."""
    if not standing_flags:
        return False
    return differential.held_back_by_red_flags or any(flag in standing_flags for flag in differential.held_back_by)


def tie_key(held: bool, level: Level, score: int) -> tuple[bool, str, int]:
    """What two neighbouring differentials must share to tie."""
    return (held, level.value, score)


def _tie_key(d: DifferentialResult) -> tuple[bool, str, int]:
    return tie_key(d.held_back, d.level, d.score)


def shared_ranks(tie_keys: Sequence[object]) -> list[tuple[int, bool]]:
    """(rank, tied) for each place of an ordered list, given each place's tie key (see with_ranks)."""
    ranks: list[int] = []
    for i, key in enumerate(tie_keys):
        ranks.append(ranks[-1] if i and tie_keys[i - 1] == key else i + 1)
    counts: dict[int, int] = {}
    for rank in ranks:
        counts[rank] = counts.get(rank, 0) + 1
    return [(rank, counts[rank] > 1) for rank in ranks]


def with_ranks(ordered: Sequence[DifferentialResult]) -> tuple[DifferentialResult, ...]:
    """The differentials, in the order given, with their shared ("competition") ranks and tie marks set.

    A differential ties with its neighbour when both have the same level, score and held-back state; tied
    differentials share the rank of the first of them, and the next one down skips the shared places (1, =2, =2, 4).
    """
    places = shared_ranks([_tie_key(d) for d in ordered])
    return tuple(dataclasses.replace(d, rank=rank, tied=tied) for d, (rank, tied) in zip(ordered, places, strict=True))


def needs_ranks(differentials: Sequence[DifferentialResult]) -> bool:
    """Whether any differential lacks a rank (a row stored before ranks were written)."""
    return any(d.rank < 1 for d in differentials)


def first_ranked(differentials: Sequence[DifferentialResult]) -> tuple[str, ...]:
    """The ids ranked first (one, or several when tied), unless the first is held back behind a red flag."""
    if not differentials or differentials[0].held_back:
        return ()
    top = differentials[0].rank
    return tuple(d.id for d in differentials if d.rank == top and not d.held_back)
