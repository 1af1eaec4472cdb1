"""Retry delays: exponential growth, a cap, jitter within half and all of the nominal wait, never at once."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from triage.jobs.backoff import BASE_SECONDS, CAP_SECONDS, retry_delay


class FixedRandom(random.Random):
    """A random source that always answers the same share."""

    def __init__(self, share: float) -> None:
        super().__init__()
        self.share = share

    def random(self) -> float:
        return self.share


@pytest.mark.parametrize("failures", range(1, 12))
def test_the_delay_lies_between_half_and_all_of_the_doubling_wait(failures: int) -> None:
    nominal = min(CAP_SECONDS, BASE_SECONDS * 2 ** (failures - 1))
    low = retry_delay(failures, rng=FixedRandom(0.0)).total_seconds()
    high = retry_delay(failures, rng=FixedRandom(0.999999)).total_seconds()
    assert low == pytest.approx(nominal / 2)
    assert high == pytest.approx(nominal, rel=1e-5)


def test_each_failure_doubles_the_wait_until_the_cap() -> None:
    waits = [retry_delay(n, rng=FixedRandom(0.5)).total_seconds() for n in range(1, 15)]
    assert waits[:4] == [22.5, 45.0, 90.0, 180.0]
    assert waits[-1] == pytest.approx(0.75 * CAP_SECONDS)
    assert all(later >= earlier for earlier, later in zip(waits, waits[1:], strict=False))


def test_many_failures_stay_capped_without_overflow() -> None:
    assert retry_delay(10_000, rng=FixedRandom(0.999999)) <= dt.timedelta(seconds=CAP_SECONDS)


def test_jitter_spreads_workers_that_failed_together() -> None:
    rng = random.Random(7)
    waits = {retry_delay(3, rng=rng).total_seconds() for _ in range(50)}
    assert len(waits) == 50
    assert min(waits) >= BASE_SECONDS * 2
    assert max(waits) <= BASE_SECONDS * 4


def test_a_delay_needs_at_least_one_failure() -> None:
    with pytest.raises(ValueError, match="failures"):
        retry_delay(0)


def test_custom_base_and_cap() -> None:
    assert retry_delay(1, base=10, cap=15, rng=FixedRandom(0.0)) == dt.timedelta(seconds=5)
    assert retry_delay(5, base=10, cap=15, rng=FixedRandom(0.0)) == dt.timedelta(seconds=7.5)
