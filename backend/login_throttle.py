"""Staff sign-in throttling: too many wrong passwords lock the account (and the client address) for a while.

The rule is pure (:func:`assess`, :func:`after_failure`); the counters live in the database
(``staff_login_failures``) so every backend process of a store sees the same ones. Two keys are counted: the
account (``user:<name>``) and the client address (``ip:<address>``), the address with a looser limit, so one
guesser cannot lock every account out and one account cannot be guessed from many tabs. While a key is locked
even the right password is refused: otherwise a lockout would not slow a guesser down at all. A successful
sign-in clears the account's counter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import StaffLoginFailures


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    """``max_failures`` wrong passwords within ``window`` lock the key for ``lockout``."""

    max_failures: int
    window: dt.timedelta
    lockout: dt.timedelta


ACCOUNT_RULE = ThrottleRule(5, dt.timedelta(minutes=15), dt.timedelta(minutes=15))
ADDRESS_RULE = ThrottleRule(20, dt.timedelta(minutes=15), dt.timedelta(minutes=15))


@dataclass(frozen=True, slots=True)
class Counter:
    """What the database holds for one key."""

    failures: int
    first_failed_at: dt.datetime
    locked_until: dt.datetime | None


def assess(counter: Counter | None, now: dt.datetime) -> float:
    """Seconds until this key may try again; 0 when it may try now."""
    if counter is None or counter.locked_until is None or counter.locked_until <= now:
        return 0.0
    return (counter.locked_until - now).total_seconds()


def after_failure(counter: Counter | None, rule: ThrottleRule, now: dt.datetime) -> Counter:
    """The counter after one more wrong password: a new window when the old one is over, locked at the limit."""
    if (
        counter is None
        or now - counter.first_failed_at > rule.window
        or (counter.locked_until is not None and counter.locked_until <= now)
    ):
        counter = Counter(0, now, None)
    failures = counter.failures + 1
    locked = now + rule.lockout if failures >= rule.max_failures else None
    return Counter(failures, counter.first_failed_at, locked)


def keys(username: str, address: str | None) -> list[tuple[str, ThrottleRule]]:
    found = [(f"user:{username.strip().lower()[:80]}", ACCOUNT_RULE)]
    if address:
        found.append((f"ip:{address[:80]}", ADDRESS_RULE))
    return found


def _account_key(username: str) -> str:
    return keys(username, None)[0][0]


def _counter(row: StaffLoginFailures | None) -> Counter | None:
    return None if row is None else Counter(row.failures, row.first_failed_at, row.locked_until)


def wait_seconds(session: Session, username: str, address: str | None, now: dt.datetime) -> float:
    """How long this sign-in must wait (0: go ahead). Locks the counters' rows for this transaction."""
    rows = (session.get(StaffLoginFailures, key, with_for_update=True) for key, _ in keys(username, address))
    return max(assess(_counter(row), now) for row in rows)


def record_failure(session: Session, username: str, address: str | None, now: dt.datetime) -> float:
    """Count a wrong password (committed by the caller); returns how long the account is now locked (0: not)."""
    locked = 0.0
    for key, rule in keys(username, address):
        row = session.get(StaffLoginFailures, key, with_for_update=True)  # already loaded by wait_seconds
        counter = after_failure(_counter(row), rule, now)
        if row is None:
            row = StaffLoginFailures(key=key)
            session.add(row)
        row.failures, row.first_failed_at, row.locked_until = (
            counter.failures,
            counter.first_failed_at,
            counter.locked_until,
        )
        try:
            session.flush()
        except IntegrityError:  # another process counted the first failure of this key at the same moment
            session.rollback()
            return record_failure(session, username, address, now)
        locked = max(locked, assess(counter, now))
    return locked


def record_success(session: Session, username: str) -> None:
    unlock(session, username)


def unlock(session: Session, username: str) -> bool:
    """Clear an account's lockout (a manager's command); True when there was something to clear."""
    row = session.get(StaffLoginFailures, _account_key(username))
    if row is None:
        return False
    session.delete(row)
    return True
