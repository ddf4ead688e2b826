"""The age-check rules with plain data: which baskets need a check, the state machine, what is charged."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import pytest

from backend import age_check as ac

BEER = ac.BasketLine("04001234567895", "Pils 0,5 L", 2, 198, 16)
GIN = ac.BasketLine("04001234567901", "Gin 0,7 L", 1, 1999, 18)
BREAD = ac.BasketLine("04001234567918", "Brot", 1, 249, None)
NO_BEER = ac.BasketLine("04001234567895", "Pils 0,5 L", 0, 0, 16)


@pytest.mark.parametrize(
    ("cell", "expected", "raises"),
    [
        ("", None, nullcontext()),
        ("  ", None, nullcontext()),
        (None, None, nullcontext()),
        ("0", None, nullcontext()),
        (0, None, nullcontext()),
        ("16", 16, nullcontext()),
        (" 18 ", 18, nullcontext()),
        (18, 18, nullcontext()),
        ("21", 21, nullcontext()),
        ("22", None, pytest.raises(ValueError, match="between 0 and 21")),
        (-1, None, pytest.raises(ValueError, match="between 0 and 21")),
        ("16.5", None, pytest.raises(ValueError, match="whole number")),
        ("ab", None, pytest.raises(ValueError, match="whole number")),
    ],
)
def test_parse_age_min(cell: str | int | None, expected: int | None, raises: AbstractContextManager[object]) -> None:
    with raises:
        assert ac.parse_age_min(cell) == expected


@pytest.mark.parametrize(
    ("lines", "age"),
    [
        ((), None),
        ((BREAD,), None),
        ((BREAD, BEER), 16),
        ((BEER, GIN, BREAD), 18),
        ((NO_BEER, BREAD), None),  # a restricted line with quantity 0 (removed) needs no check
    ],
)
def test_required_age(lines: tuple[ac.BasketLine, ...], age: int | None) -> None:
    assert ac.required_age(lines) == age
    assert ac.needs_age_check(lines) is (age is not None)


def _open() -> ac.AgeCheck:
    return ac.AgeCheck(trip_id="t1", unit_id="u1", required_age=18)


@pytest.mark.parametrize(
    ("action", "staff", "state"),
    [("confirm", "anna", ac.CONFIRMED), ("refuse", "anna", ac.REFUSED), ("cancel", None, ac.CANCELLED)],
)
def test_open_check_closes_once(action: str, staff: str | None, state: str) -> None:
    closed = ac.decide(_open(), action, staff, seen_version=1)
    assert (closed.state, closed.version, closed.staff_id) == (state, 2, staff)
    for again in ("confirm", "refuse", "cancel"):
        with pytest.raises(ac.AgeCheckRefused) as err:
            ac.decide(closed, again, "bert", seen_version=2)
        assert err.value.code == "age-check-closed"


@pytest.mark.parametrize(
    ("action", "staff", "version", "code"),
    [
        ("confirm", "anna", 0, "age-check-stale"),
        ("confirm", None, 1, "age-check-needs-staff"),
        ("refuse", "", 1, "age-check-needs-staff"),
        ("approve", "anna", 1, "age-check-unknown-action"),
    ],
)
def test_bad_actions_are_refused(action: str, staff: str | None, version: int, code: str) -> None:
    with pytest.raises(ac.AgeCheckRefused) as err:
        ac.decide(_open(), action, staff, seen_version=version)
    assert err.value.code == code


def test_unknown_state_is_rejected() -> None:
    with pytest.raises(ValueError, match="state must be one of"):
        ac.AgeCheck("t1", "u1", 16, state="pending")


def test_capture_waits_for_every_check() -> None:
    opened = _open()
    confirmed = ac.decide(opened, "confirm", "anna", 1)
    refused = ac.decide(opened, "refuse", "anna", 1)
    cancelled = ac.decide(opened, "cancel", None, 1)
    assert ac.capture_allowed([])
    assert ac.capture_allowed([confirmed])
    assert ac.capture_allowed([refused])
    assert not ac.capture_allowed([opened])
    assert not ac.capture_allowed([confirmed, opened])
    assert not ac.capture_allowed([cancelled])


def test_what_is_charged() -> None:
    basket = (BEER, GIN, BREAD)
    opened = _open()
    assert ac.amount_to_charge((BREAD,), None) == 249  # nothing restricted: no check needed
    assert ac.amount_to_charge(basket, ac.decide(opened, "confirm", "anna", 1)) == 198 + 1999 + 249
    # refused: the restricted items stay with staff and are not charged; the rest is paid
    assert ac.lines_to_charge(basket, ac.decide(opened, "refuse", "anna", 1)) == (BREAD,)
    assert ac.amount_to_charge((BEER,), ac.decide(opened, "refuse", "anna", 1)) == 0  # 0: void the hold


@pytest.mark.parametrize(
    ("check", "code"),
    [
        (None, "age-check-missing"),
        (_open(), "age-check-open"),
        (ac.decide(_open(), "cancel", None, 1), "age-check-cancelled"),
    ],
)
def test_no_charge_without_a_closed_check(check: ac.AgeCheck | None, code: str) -> None:
    with pytest.raises(ac.AgeCheckRefused) as err:
        ac.amount_to_charge((BEER, BREAD), check)
    assert err.value.code == code
