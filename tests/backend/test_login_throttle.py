"""Staff sign-in throttling: the pure rule with plain data, then the login endpoint on a real database."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend import login_throttle
from backend.login_throttle import Counter, ThrottleRule, after_failure, assess
from tests.backend.conftest import PASSWORD

T0 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
RULE = ThrottleRule(3, dt.timedelta(minutes=10), dt.timedelta(minutes=15))


def fail(times: list[int], rule: ThrottleRule = RULE) -> Counter | None:
    counter = None
    for minute in times:
        counter = after_failure(counter, rule, T0 + dt.timedelta(minutes=minute))
    return counter


@pytest.mark.parametrize(
    ("failures_at_minute", "asked_at_minute", "wait_s"),
    [
        ([], 0, 0.0),
        ([0, 1], 2, 0.0),  # below the limit
        ([0, 1, 2], 2, 15 * 60.0),  # the third wrong password locks for 15 minutes
        ([0, 1, 2], 10, 7 * 60.0),
        ([0, 1, 2], 17, 0.0),  # the lockout is over
        ([0, 1, 11], 11, 0.0),  # the first failure fell out of the 10-minute window: a new window
        ([0, 1, 2, 18, 19], 19, 0.0),  # after a lockout the count starts again
        ([0, 1, 2, 18, 19, 20], 20, 15 * 60.0),
    ],
)
def test_the_rule(failures_at_minute: list[int], asked_at_minute: int, wait_s: float) -> None:
    assert assess(fail(failures_at_minute), T0 + dt.timedelta(minutes=asked_at_minute)) == wait_s


def test_keys_count_the_account_case_blind_and_the_address() -> None:
    assert [k for k, _ in login_throttle.keys(" Alice ", "10.0.0.7")] == ["user:alice", "ip:10.0.0.7"]
    assert [k for k, _ in login_throttle.keys("alice", None)] == ["user:alice"]


def login(client: TestClient, password: str, username: str = "alice"):  # type: ignore[no-untyped-def]
    return client.post("/v1/staff/login", json={"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client: TestClient, migrated_engine) -> None:
    for _ in range(login_throttle.ACCOUNT_RULE.max_failures - 1):
        assert login(client, "wrong password").status_code == 401
    locked = login(client, "wrong password")
    assert locked.status_code == 429
    assert locked.json()["type"].endswith("/too-many-sign-ins")
    assert "locked for 15 more minute(s)" in locked.json()["detail"] and "unlock-staff" in locked.json()["detail"]
    assert locked.headers["Retry-After"] == "900"
    refused = login(client, PASSWORD)  # the right password, during the lockout
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 900
    assert login(client, PASSWORD, "bob").status_code == 200  # another account is not locked

    with Session(migrated_engine) as session, session.begin():
        assert login_throttle.unlock(session, "alice")
    assert login(client, PASSWORD).status_code == 200


def test_a_successful_sign_in_clears_the_count(client: TestClient) -> None:
    for _ in range(login_throttle.ACCOUNT_RULE.max_failures - 1):
        assert login(client, "wrong password").status_code == 401
    assert login(client, PASSWORD).status_code == 200
    for _ in range(login_throttle.ACCOUNT_RULE.max_failures - 1):
        assert login(client, "wrong password").status_code == 401


def test_one_address_guessing_many_accounts_is_locked(client: TestClient) -> None:
    rule = login_throttle.ADDRESS_RULE
    answers = [login(client, "wrong password", f"user{i}").status_code for i in range(rule.max_failures)]
    assert answers[:-1] == [401] * (rule.max_failures - 1) and answers[-1] == 429
    assert login(client, PASSWORD).status_code == 429  # alice, from the same address
