"""Pure rules for the staff age check of age-restricted items (no I/O): who needs a check, what staff may do.

A basket that holds an item with a minimum age (German law: 16 for beer and wine, 18 for spirits and
tobacco) must not be paid until a staff member has seen the shopper. The check is a small state machine:
``open`` → ``confirmed`` (age checked: OK) or ``refused`` (too young or no ID) or ``cancelled`` (the trip was
abandoned: the bound-trip time-out voided the hold). Actions carry the version the staff member saw, so a
stale click is rejected, not applied (the flags queue's pattern).

Refusal rule: the restricted lines are taken out of the charge and the rest of the basket is paid as usual;
the shopper leaves the restricted items with staff. When nothing is left to charge, the hold is voided.
Sending the whole trip to staff would block a shopper over one bottle of beer, and charging for an item the
shopper may not take is wrong.

The table, the capture gate, the staff endpoints and the unit's state are in :mod:`backend.age_checks`, which
applies these rules (issue 19).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

MAX_AGE_MIN = 21  # no store sells anything with a higher legal minimum; higher is a catalog typo


class AgeCheckRefused(ValueError):
    """An action the check's state does not allow; ``code`` is the problem type's last segment."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def parse_age_min(value: str | int | None) -> int | None:
    """A catalog's ``age_min`` cell as the minimum age, None for no limit (empty, 0). Bad values raise ValueError."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not text.isdigit():
            raise ValueError(f"age_min must be a whole number of years, got {value!r}")
        value = int(text)
    if value < 0 or value > MAX_AGE_MIN:
        raise ValueError(f"age_min must be between 0 and {MAX_AGE_MIN}, got {value}")
    return value or None


@dataclass(frozen=True)
class BasketLine:
    """A basket line as the check needs it: product, how many, what it costs, its minimum age (None: none)."""

    gtin14: str
    name: str
    quantity: int
    total_minor: int
    age_min: int | None


def restricted_lines(lines: Iterable[BasketLine]) -> tuple[BasketLine, ...]:
    """The lines that need an age check (a positive minimum age and a positive quantity)."""
    return tuple(line for line in lines if line.age_min and line.quantity > 0)


def required_age(lines: Iterable[BasketLine]) -> int | None:
    """The age the shopper must have for the whole basket, None when nothing is restricted."""
    ages = [line.age_min for line in restricted_lines(lines) if line.age_min]
    return max(ages) if ages else None


def needs_age_check(lines: Iterable[BasketLine]) -> bool:
    return required_age(lines) is not None


OPEN = "open"
CONFIRMED = "confirmed"
REFUSED = "refused"
CANCELLED = "cancelled"
STATES = (OPEN, CONFIRMED, REFUSED, CANCELLED)
ACTIONS = {"confirm": CONFIRMED, "refuse": REFUSED, "cancel": CANCELLED}


@dataclass(frozen=True)
class AgeCheck:
    """One age check of one trip's basket, as the staff queue shows it."""

    trip_id: str
    unit_id: str
    required_age: int
    state: str = OPEN
    version: int = 1
    staff_id: str | None = None

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"state must be one of {STATES}, got {self.state!r}")


def decide(check: AgeCheck, action: str, staff_id: str | None, seen_version: int) -> AgeCheck:
    """The check after ``action`` ("confirm", "refuse" by staff; "cancel" by the bound-trip time-out)."""
    if action not in ACTIONS:
        raise AgeCheckRefused("age-check-unknown-action", f"unknown action {action!r}")
    if seen_version != check.version:
        raise AgeCheckRefused(
            "age-check-stale", f"the age check changed (version {check.version}, you saw {seen_version}): reload"
        )
    if check.state != OPEN:
        raise AgeCheckRefused("age-check-closed", f"the age check is already {check.state}")
    if action != "cancel" and not staff_id:
        raise AgeCheckRefused("age-check-needs-staff", "only a signed-in staff member can check an age")
    return replace(check, state=ACTIONS[action], version=check.version + 1, staff_id=staff_id)


def capture_allowed(checks: Iterable[AgeCheck]) -> bool:
    """Whether a trip may be charged: none of its age checks is still open, and none was cancelled."""
    return all(check.state in (CONFIRMED, REFUSED) for check in checks)


def lines_to_charge(lines: Iterable[BasketLine], check: AgeCheck | None) -> tuple[BasketLine, ...]:
    """The lines to capture: all after a confirmed check (or when none was needed), the unrestricted after a refusal."""
    lines = tuple(lines)
    if check is None:
        if needs_age_check(lines):
            raise AgeCheckRefused("age-check-missing", "the basket holds age-restricted items and was not checked")
        return lines
    if check.state == OPEN:
        raise AgeCheckRefused("age-check-open", "payment waits for the staff age check")
    if check.state == CANCELLED:
        raise AgeCheckRefused("age-check-cancelled", "the trip was abandoned during the age check: nothing is charged")
    if check.state == REFUSED:
        restricted = set(restricted_lines(lines))
        return tuple(line for line in lines if line not in restricted)
    return lines


def amount_to_charge(lines: Iterable[BasketLine], check: AgeCheck | None) -> int:
    """The capture amount in minor units (0 means: void the hold)."""
    return sum(line.total_minor for line in lines_to_charge(lines, check))
