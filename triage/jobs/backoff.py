"""Retry delays for the outbox: exponential backoff with jitter, so that many messages do not retry in lock-step."""

from __future__ import annotations

import datetime as dt
import random

# The first retry comes after about half a minute; each failure doubles the wait, up to an hour.
BASE_SECONDS = 30.0
CAP_SECONDS = 3600.0


def retry_delay(
    failures: int, *, base: float = BASE_SECONDS, cap: float = CAP_SECONDS, rng: random.Random | None = None
) -> dt.timedelta:
    """The wait after `failures` failed tries (1 or more): between half and all of min(cap, base * 2^(failures-1))."""
    if failures < 1:
        raise ValueError("failures must be 1 or more")
    # Capping the exponent first keeps 2**n from growing without bound after many failures.
    nominal = min(cap, base * 2.0 ** min(failures - 1, 32))
    # "Equal jitter": half the wait is fixed, so a retry never comes at once; the other half spreads the workers out.
    share = (rng or random).random()
    return dt.timedelta(seconds=nominal / 2 + share * nominal / 2)
