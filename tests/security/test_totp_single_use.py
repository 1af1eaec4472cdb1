"""One TOTP code opens one session: 8 sign-ins racing with the same code, 10 times over, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.helpers.apps import csrf_token
from tests.helpers.staff import StaffClock, create_staff, submit_password
from triage.db.models import StaffSession

RACERS = 8
TRIALS = 10


def sessions_of(app: Flask, user_id: int) -> int:
    """How many staff sessions the account has."""
    with app.extensions["triage_db"].session() as session:
        return int(session.scalar(select(func.count()).select_from(StaffSession).where(StaffSession.user_id == user_id)) or 0)


def test_parallel_sign_ins_with_one_code_open_exactly_one_session(app: Flask, staff_clock: StaffClock) -> None:
    outcomes = []
    for trial in range(TRIALS):
        staff_clock.advance(seconds=30)  # a fresh time step, so each trial's code has never been used
        account = create_staff(app, ("clinician",))
        clients: list[FlaskClient] = []
        forms = []
        for racer in range(RACERS):
            # Each racer is its own browser from its own address (the per-address limit is not what is tested).
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"198.51.{trial}.{racer + 1}"
            assert submit_password(client, account.email, account.password).location == "/staff/login/code"
            forms.append({"csrf_token": csrf_token(client.get("/staff/login/code").data), "code": account.code()})
            clients.append(client)
        start = threading.Barrier(RACERS)

        def race(index: int, clients: list[FlaskClient] = clients, forms: list[dict[str, str]] = forms) -> bool:
            """Post the code at the same moment as the others; True when this post signed in."""
            start.wait()
            response = clients[index].post("/staff/login/code", data=forms[index])
            return response.status_code == 302 and not response.location.endswith("/staff/login")

        with ThreadPoolExecutor(RACERS) as pool:
            signed_in = list(pool.map(race, range(RACERS)))
        outcomes.append((sum(signed_in), sessions_of(app, account.id)))
        # The session a winner holds works; every loser is still asked for a code.
        winners = [c for c, won in zip(clients, signed_in, strict=True) if won]
        assert all(c.get("/staff/account").status_code == 200 for c in winners)
        assert all(c.get("/staff/account").status_code == 302 for c, won in zip(clients, signed_in, strict=True) if not won)
    assert outcomes == [(1, 1)] * TRIALS


def test_a_used_code_is_refused_on_its_next_use(app: Flask, staff_clock: StaffClock) -> None:
    account = create_staff(app, ("clinician",))
    code = account.code()
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        submit_password(client, account.email, account.password)
    token = csrf_token(first.get("/staff/login/code").data)
    assert first.post("/staff/login/code", data={"csrf_token": token, "code": code}).status_code == 302
    token = csrf_token(second.get("/staff/login/code").data)
    refused = second.post("/staff/login/code", data={"csrf_token": token, "code": code})
    assert refused.status_code == 200 and b"Codes can be used only once" in refused.data
    assert sessions_of(app, account.id) == 1
