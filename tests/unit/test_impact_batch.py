"""Counting a draft's impact batch by batch (as the background job does) gives what one count over every intake gives."""

from __future__ import annotations

import random

import pytest

from tests.unit.test_impact import BASE, Stored, _intakes, change_parameter, drafted, past, retire_rules, reweigh
from triage.domain.engine.impact import DraftReport, PatientImpact, draft_impact
from triage.domain.engine.impact_batch import BatchCounter, change_rows, changes_of, counts, summary, tally_of

INTAKES = _intakes(120, 7)


def batched(counter: BatchCounter, size: int) -> tuple[int, list[PatientImpact]]:
    """Every intake counted `size` at a time, newest first, with the changes stored and read back as the job does."""
    intakes, source = past(INTAKES), Stored(INTAKES)
    evaluated, changed = 0, []
    for start in range(0, len(intakes), size):
        found = counter.count(intakes[start : start + size], source)
        evaluated += found.evaluated
        changed += [PatientImpact(p.intake_id, changes_of(change_rows(p.changes))) for p in found.changed]
    return evaluated, changed


@pytest.mark.parametrize("change", [reweigh, change_parameter, lambda d, _rng: retire_rules(d, ["cd_iron_deficiency"])])
@pytest.mark.parametrize("size", [1, 17, 500])
def test_batches_of_any_size_find_the_same_patients_changes_and_counts(change, size: int) -> None:  # type: ignore[no-untyped-def]
    draft = drafted(lambda d: change(d, random.Random(size)))
    whole = draft_impact(BASE, draft, past(INTAKES), Stored(INTAKES))
    evaluated, changed = batched(BatchCounter(BASE, draft), size)
    assert evaluated == whole.evaluated and changed == list(whole.changed)
    report = DraftReport(BASE.version, draft.version, len(INTAKES), evaluated, tuple(changed))
    assert counts(report) == counts(whole)
    stored = summary(report)
    assert tally_of(stored) == whole.tally()[: len(stored["tally"])]
    assert stored["tally_more"] == max(0, len(whole.tally()) - len(stored["tally"]))


def test_stored_changes_of_an_unknown_shape_are_skipped_not_fatal() -> None:
    assert changes_of([["flag_gained", "rf_x", "", "emergency", ""], "junk", []]) == changes_of(
        [["flag_gained", "rf_x", "", "emergency", ""]]
    )
