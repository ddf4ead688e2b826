"""The staff age check as stored (the ``age_checks`` table): opening one instead of capturing, the capture gate,
staff decisions and cancelling when the trip is abandoned. The rules themselves are in
:mod:`backend.age_check` (pure); this module applies them to the database.

A passed trip whose basket holds an age-restricted product is not captured: an ``open`` check is written and
the trip waits in ``age_check`` (it keeps its unit, so the bound-trip time-out and staff freeing the unit
abandon it, which cancels the check). Staff confirm (the trip is passed again and captured, once) or refuse
(the restricted lines are taken out of the basket by staff remove events, then the rest is captured; nothing
left: the hold is voided).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import age_check as rules
from backend import live, trips
from backend.models import AgeCheck, Payment, Product, Trip, utcnow
from backend.problems import Problem
from backend.schemas import ScanEventIn
from backend.settings import Settings

WAITING = "age_check"  # the trip's status while its age check is open
OUTCOME_SHOWN_S = 30.0  # the unit shows the decision this long (when no other shopper is bound)
STAFF_EVENT_PREFIX = f"{trips.STAFF_EVENT_PREFIX}age"  # remove events of a refusal: staff-age<id>-r<i>
_STATUS = {
    "age-check-stale": 409,
    "age-check-closed": 409,
    "age-check-open": 409,
    "age-check-cancelled": 409,
    "age-check-missing": 409,
    "age-check-needs-staff": 401,
    "age-check-unknown-action": 400,
}


def problem(exc: rules.AgeCheckRefused, **extra: Any) -> Problem:
    """The problem document for a refused action (its type is the rule's code)."""
    return Problem(_STATUS.get(exc.code, 409), exc.code, exc.detail, **extra)


def check_lines(session: Session, trip: Trip) -> list[rules.BasketLine]:
    """The trip's basket (folded the usual way) with each product's minimum age; a line's amount is what it is
    charged (goods and deposit), so a refused bottle's Pfand is not charged either."""
    lines = trips.basket_lines(session, trip)
    gtins = {line.gtin14 for line in lines}
    ages = dict(session.execute(select(Product.gtin14, Product.age_min).where(Product.gtin14.in_(gtins))).all())
    return [
        rules.BasketLine(line.gtin14, line.name, line.quantity, line.charge_minor, ages.get(line.gtin14))
        for line in lines
    ]


def as_rules(row: AgeCheck) -> rules.AgeCheck:
    return rules.AgeCheck(
        trip_id=row.trip_id,
        unit_id=row.unit_id or "",
        required_age=row.required_age,
        state=row.status,
        version=row.version,
        staff_id=str(row.staff_id) if row.staff_id is not None else None,
    )


def of_trip(session: Session, trip_id: str) -> AgeCheck | None:
    return session.scalar(select(AgeCheck).where(AgeCheck.trip_id == trip_id))


def capture_gate(session: Session, trip_id: str) -> None:
    """Raise when the trip's age check forbids any capture now (open, or cancelled)."""
    row = of_trip(session, trip_id)
    if row is None:
        return
    check = as_rules(row)
    if not rules.capture_allowed([check]):
        try:
            rules.lines_to_charge((), check)
        except rules.AgeCheckRefused as exc:
            raise problem(exc) from None


def total_to_capture(session: Session, trip: Trip, total_minor: int) -> int | None:
    """What a passed trip's capture may take given its age check (``total_minor``: the basket's total as the
    usual total function computes it), or None when the capture must wait: a check was opened now (the trip
    then waits in ``age_check``; committed), or one is open or was cancelled."""
    lines = check_lines(session, trip)
    row = of_trip(session, trip.id)
    if row is None:
        if not rules.needs_age_check(lines):
            return total_minor
        _open(session, trip, lines)
        return None
    check = as_rules(row)
    try:
        charged = rules.amount_to_charge(lines, check)
    except rules.AgeCheckRefused:
        return None
    # A refusal's restricted lines were removed from the basket already; should one remain, it is not charged.
    return total_minor - (sum(line.total_minor for line in lines) - charged)


def _open(session: Session, trip: Trip, lines: list[rules.BasketLine]) -> None:
    restricted = rules.restricted_lines(lines)
    age = rules.required_age(lines)
    assert age is not None
    moved = session.execute(
        update(Trip)
        .where(Trip.id == trip.id, Trip.status == "passed", Trip.version == trip.version)
        .values(status=WAITING, version=Trip.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()  # another request settled or opened it meanwhile
        return
    row = AgeCheck(
        trip_id=trip.id,
        store_id=trip.store_id,
        unit_id=trip.unit_id,
        required_age=age,
        status=rules.OPEN,
        lines=[
            {
                "gtin14": r.gtin14,
                "name": r.name,
                "quantity": r.quantity,
                "total_minor": r.total_minor,
                "age_min": r.age_min,
            }
            for r in restricted
        ],
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return
    live.publish(
        session,
        {"type": "age_check", "age_check_id": row.id, "trip_id": trip.id, "store_id": trip.store_id, "event": "opened"},
    )
    live.publish(session, {"type": "trip", "trip_id": trip.id, "status": WAITING})
    session.commit()


def decide(
    session: Session,
    settings: Settings,
    row: AgeCheck,
    action: str,
    staff_id: int | None,
    seen_version: int,
    reason: str = "",
) -> str:
    """Apply ``action`` (confirm, refuse, cancel) with compare-and-set; returns the trip id. The caller commits
    and, for confirm and refuse, settles the trip (it is ``passed`` again)."""
    try:
        new = rules.decide(as_rules(row), action, str(staff_id) if staff_id is not None else None, seen_version)
    except rules.AgeCheckRefused as exc:
        raise problem(exc, version=row.version) from None
    trip = session.get(Trip, row.trip_id, with_for_update=True)
    assert trip is not None
    if action != "cancel" and trip.status != WAITING:
        raise Problem(409, "age-check-closed", f"the trip is {trip.status}: reload", version=row.version)
    payment = session.scalar(select(Payment).where(Payment.trip_id == trip.id))
    if action != "cancel" and (payment is None or payment.status in ("voiding", "voided", "declined")):
        # A manager released the hold meanwhile (staff void): nothing can be charged, so the trip is over.
        cancel_open(session, trip.id)
        trip.status, trip.version = "abandoned", trip.version + 1
        session.commit()
        raise Problem(409, "age-check-cancelled", "the card hold was released meanwhile: nothing can be charged")
    now = utcnow()
    done = session.execute(
        update(AgeCheck)
        .where(AgeCheck.id == row.id, AgeCheck.status == rules.OPEN, AgeCheck.version == seen_version)
        .values(status=new.state, version=new.version, staff_id=staff_id, reason=reason, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Problem(409, "age-check-stale", "the age check changed meanwhile: reload")
    if action == "refuse":
        restricted = set(rules.restricted_lines(check_lines(session, trip)))
        gtins = {line.gtin14 for line in restricted}
        events = [
            ScanEventIn(
                event_id=f"{STAFF_EVENT_PREFIX}{row.id}-r{i}",
                action="remove",
                line_key=line.line_key,
                quantity=line.quantity,
                client_time=now,
            )
            for i, line in enumerate(line for line in trips.basket_lines(session, trip) if line.gtin14 in gtins)
        ]
        if events:
            trips.record_events(session, settings, trip, events, staff=True)
    if action != "cancel":
        trip.status = "passed"
        trip.version += 1
    live.publish(
        session,
        {"type": "age_check", "age_check_id": row.id, "trip_id": trip.id, "store_id": row.store_id, "event": new.state},
    )
    return trip.id


def cancel_open(session: Session, trip_id: str) -> bool:
    """Cancel the trip's open age check (the trip was abandoned); True if there was one. The caller commits."""
    row = of_trip(session, trip_id)
    if row is None or row.status != rules.OPEN:
        return False
    done = session.execute(
        update(AgeCheck)
        .where(AgeCheck.id == row.id, AgeCheck.status == rules.OPEN)
        .values(status=rules.CANCELLED, version=AgeCheck.version + 1, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 1:  # type: ignore[attr-defined]
        live.publish(
            session,
            {
                "type": "age_check",
                "age_check_id": row.id,
                "trip_id": trip_id,
                "store_id": row.store_id,
                "event": "cancelled",
            },
        )
        return True
    return False


def for_unit(session: Session, unit_id: str, now: dt.datetime | None = None) -> AgeCheck | None:
    """What the unit's screen should say about an age check: the unit's open one, or one decided in the last
    :data:`OUTCOME_SHOWN_S` seconds; None otherwise."""
    now = now or utcnow()
    row = session.scalar(
        select(AgeCheck).where(AgeCheck.unit_id == unit_id).order_by(AgeCheck.created_at.desc(), AgeCheck.id.desc())
    )
    if row is None:
        return None
    if row.status == rules.OPEN:
        return row
    if row.decided_at is not None and (now - row.decided_at).total_seconds() <= OUTCOME_SHOWN_S:
        return row
    return None
