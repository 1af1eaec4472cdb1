"""The one Urgency and one Level scale, and the places that must spell its words out, agree."""

from __future__ import annotations

from typing import get_args

from triage.domain.engine.result import URGENCY_ORDER
from triage.domain.engine.schema import RedFlagRule
from triage.domain.scales import Level, Urgency


def test_the_rule_schema_spells_out_exactly_the_red_flag_tiers() -> None:
    assert get_args(RedFlagRule.model_fields["urgency"].annotation) == tuple(t.value for t in Urgency.flag_tiers())
    assert URGENCY_ORDER == Urgency.flag_tiers() and URGENCY_ORDER.index("urgent") == 1  # type: ignore[arg-type]


def test_levels_are_reached_at_each_threshold() -> None:
    assert [Level.reached(score, 2, 4, 6) for score in (1, 2, 4, 6)] == [Level.MINIMAL, Level.LOW, Level.MODERATE, Level.HIGH]
    assert [level.suggested for level in Level] == [True, True, True, False]
