"""Parallel wrong passwords are all counted: the lockout cannot be outrun by guessing in parallel."""

from __future__ import annotations

import threading

from flask import Flask

from tests.helpers.staff import create_staff
from triage.db import users
from triage.db.models import User


def test_five_parallel_failures_lock_the_account(app: Flask) -> None:
    staff = create_staff(app)
    db = app.extensions["triage_db"]
    started = threading.Barrier(users.MAX_FAILURES)
    lockouts: list[bool] = []

    def fail_once() -> None:
        started.wait()
        with db.session() as session:
            user = session.get(User, staff.id)
            if user is not None:
                lockouts.append(users.register_failure(session, user))

    threads = [threading.Thread(target=fail_once) for _ in range(users.MAX_FAILURES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(lockouts) == users.MAX_FAILURES
    assert lockouts.count(True) == 1
    with db.session() as session:
        user = session.get(User, staff.id)
        assert user is not None and user.locked_until is not None and user.failed_logins == 0
