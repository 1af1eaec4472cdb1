"""An RQ queue of a test's own on the real Redis at 127.0.0.1:6379, purged after; a failure (not a skip) on CI without Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from redis import Redis
from redis.exceptions import RedisError

from triage.jobs.queue import MAX_ATTEMPTS
from triage.jobs.rq_queue import RqJobQueue

REDIS_URL = "redis://127.0.0.1:6379/0"


@contextmanager
def own_queue() -> Iterator[RqJobQueue]:
    """A queue named for one test (retries after 1 s), removed with every key it made afterwards."""
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("no Redis at 127.0.0.1:6379; .ci/run starts it, and on CI these tests must run, not be skipped")
        pytest.skip("no Redis at 127.0.0.1:6379")
    found = RqJobQueue(connection, f"triage-test-{uuid.uuid4().hex[:12]}", timeout_seconds=30, intervals=[1] * (MAX_ATTEMPTS - 1))
    try:
        yield found
    finally:
        found.purge()
        leftovers = list(connection.scan_iter(f"*{found.name}*"))
        connection.close()
    assert not leftovers
