"""What an impact count compares: a result's summary (red flags, top differential, levels), recomputed from fired rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.ruleset import Ruleset
from triage.domain.scales import Level

NOT_LISTED = "not listed"


@dataclass(frozen=True)
class Summary:
    """What an impact count looks at: the red flags raised, the top differential and each listed differential's level."""

    red_flags: frozenset[str]
    top: str | None
    levels: Mapping[str, str]


class Scorer:
    """Recomputes a ruleset's summary from a set of fired rule ids, exactly as the result builder ranks them."""

    def __init__(self, ruleset: Ruleset):
        # rule id -> (differential, weight); a red flag has no differential.
        self.table: dict[str, tuple[str | None, int]] = {r.id: (None, 0) for r in ruleset.rules if r.kind == "red_flag"}
        self.table.update({r.id: (r.differential, r.weight) for r in ruleset.rules if r.kind == "differential"})
        self.position = {d.id: i for i, d in enumerate(ruleset.differentials)}
        self.held_back = {d.id: d.held_back_by_red_flags for d in ruleset.differentials}
        self.thresholds = {d.id: (d.thresholds.low, d.thresholds.moderate, d.thresholds.high) for d in ruleset.differentials}

    def _level(self, differential: str, score: int) -> Level:
        low, moderate, high = self.thresholds[differential]
        return Level.reached(score, low, moderate, high)

    def summary(self, fired: Iterable[str]) -> Summary:
        """The summary of the result these fired rules give."""
        table = self.table
        score: dict[str, int] = {}
        pros: dict[str, int] = {}
        flags = []
        for rule_id in fired:
            entry = table.get(rule_id)
            if entry is None:
                continue
            differential, weight = entry
            if differential is None:
                flags.append(rule_id)
                continue
            score[differential] = score.get(differential, 0) + weight
            if weight > 0:
                pros[differential] = pros.get(differential, 0) + 1
        stand = bool(flags)
        held, position = self.held_back, self.position
        ranked = sorted((stand and held[d], -score[d], -count, position[d], d) for d, count in pros.items())
        top = ranked[0][4] if ranked and not ranked[0][0] else None
        return Summary(frozenset(flags), top, {key[4]: self._level(key[4], score[key[4]]) for key in ranked})


def summary_of_result(data: Mapping[str, Any]) -> Summary:
    """The summary of a stored result (Result.to_dict() shape)."""
    differentials = [d for d in data.get("differentials", []) if isinstance(d, Mapping)]
    first = differentials[0] if differentials else None
    top = str(first["id"]) if first is not None and not first.get("held_back") else None
    return Summary(
        frozenset(str(f["id"]) for f in data.get("red_flags", [])), top, {str(d["id"]): str(d["level"]) for d in differentials}
    )


@dataclass(frozen=True)
class IntakeImpact:
    """How one intake's result would change under the draft."""

    intake_id: int
    evaluation_id: int
    flags_gained: tuple[str, ...]
    flags_lost: tuple[str, ...]
    old_top: str | None
    new_top: str | None
    level_changes: tuple[tuple[str, str, str], ...]  # (differential, old level, new level)

    @property
    def top_changed(self) -> bool:
        """Whether the first-ranked differential differs."""
        return self.old_top != self.new_top


def compare_summaries(intake_id: int, evaluation_id: int, before: Summary, after: Summary) -> IntakeImpact | None:
    """The change between two summaries of one intake, or None when they agree."""
    if before == after:
        return None
    names = list(dict.fromkeys([*before.levels, *after.levels]))
    levels = tuple(
        (d, before.levels.get(d, NOT_LISTED), after.levels.get(d, NOT_LISTED))
        for d in names
        if before.levels.get(d) != after.levels.get(d)
    )
    return IntakeImpact(
        intake_id,
        evaluation_id,
        tuple(sorted(after.red_flags - before.red_flags)),
        tuple(sorted(before.red_flags - after.red_flags)),
        before.top,
        after.top,
        levels,
    )


@dataclass(frozen=True)
class ImpactReport:
    """The counts an editor sees before publishing, and the intakes behind them (newest first)."""

    considered: int
    changed: tuple[IntakeImpact, ...]
    seconds: float = 0.0

    @property
    def flags_gained(self) -> int:
        """Intakes that would gain at least one red flag."""
        return sum(1 for i in self.changed if i.flags_gained)

    @property
    def flags_lost(self) -> int:
        """Intakes that would lose at least one red flag."""
        return sum(1 for i in self.changed if i.flags_lost)

    @property
    def top_changed(self) -> int:
        """Intakes whose top differential would change."""
        return sum(1 for i in self.changed if i.top_changed)

    @property
    def level_changed(self) -> int:
        """Intakes where some differential's suspicion level would change."""
        return sum(1 for i in self.changed if i.level_changes)
