"""Freeing a validation unit from its trip: the bound-trip time-out, and staff freeing a unit by hand.

A trip bound to a unit (``checking_out`` or ``recheck``) that nobody touches for the store's time-out is
abandoned and its card hold voided, so the unit serves the next shopper. Abandoned, not flagged: there is no
verdict that the basket matches what was scanned, so nothing may be captured, and a hold left on a card for days
is the shopper's money, not the store's. Staff see it all the same: every release is a ``UnitEvent`` (the
overview shows the last one) and the trip reads "abandoned".

Releasing is two steps so that it is safe with several backend processes and a crash between them:
1. compare-and-set the trip from its bound state and version to ``abandoned`` (only one process wins; from then
   on no verdict, capture or checkout is accepted for it), with the event, in one transaction;
2. void the hold. A provider outage leaves an abandoned trip with an authorised payment, which
   :func:`void_abandoned_holds` (run by the periodic task) voids later; the void's idempotency key is the
   hold's reference, so the card is released exactly once however often it is asked.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from backend import age_checks, live
from backend.models import Payment, Trip, UnitEvent, utcnow
from backend.payments import settlement
from backend.payments.provider import PaymentProvider
from backend.problems import Problem

log = logging.getLogger("backend.units")
BOUND = ("checking_out", "recheck", "age_check")  # the states in which a trip holds its unit


def timed_out(status: str, last_change: dt.datetime, now: dt.datetime, timeout_s: float) -> bool:
    """Pure rule: a bound trip left alone (no scan, no verdict, no checkout) for ``timeout_s`` frees its unit."""
    return status in BOUND and (now - last_change).total_seconds() >= timeout_s


def abandon_bound_trip(
    session: Session,
    trip_id: str,
    version: int,
    *,
    action: str,
    staff_id: int | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> bool:
    """Step 1: abandon the trip if it is still bound at ``version`` (compare-and-set); True if this call did.

    The caller commits, then voids the hold (:func:`void_hold`)."""
    trip = session.get(Trip, trip_id)
    if trip is None or trip.unit_id is None:
        return False
    previous, unit_id = trip.status, trip.unit_id
    result = session.execute(
        update(Trip)
        .where(Trip.id == trip_id, Trip.status.in_(BOUND), Trip.version == version)
        .values(status="abandoned", version=Trip.version + 1, updated_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    age_checks.cancel_open(session, trip_id)  # an age check the trip waited for ends with it (#19)
    session.add(
        UnitEvent(
            unit_id=unit_id,
            trip_id=trip_id,
            action=action,
            trip_status=previous,
            staff_id=staff_id,
            reason=reason,
            at=now or utcnow(),
        )
    )
    live.publish(session, {"type": "unit", "unit_id": unit_id, "event": action, "trip_id": trip_id})
    live.publish(session, {"type": "trip", "trip_id": trip_id, "status": "abandoned"})
    return True


def void_hold(make_session: sessionmaker[Session], provider: PaymentProvider, trip_id: str) -> bool:
    """Step 2: release the abandoned trip's card hold; False when the provider must be asked again later."""
    try:
        settlement.void(make_session, provider, trip_id=trip_id)
    except Problem as exc:
        log.warning("could not void the hold of abandoned trip %s yet: %s", trip_id, exc.detail)
        return False
    return True


def time_out_bound_trips(
    make_session: sessionmaker[Session],
    provider: PaymentProvider,
    timeout_s: float,
    *,
    unit_id: str | None = None,
    now: dt.datetime | None = None,
) -> list[str]:
    """Abandon every bound trip (of ``unit_id``, or all) left alone for ``timeout_s``; the ids this call freed."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(seconds=timeout_s)
    query = select(Trip.id, Trip.version, Trip.status, Trip.updated_at).where(
        Trip.status.in_(BOUND), Trip.unit_id.is_not(None), Trip.updated_at <= cutoff
    )
    if unit_id is not None:
        query = query.where(Trip.unit_id == unit_id)
    freed: list[str] = []
    with make_session() as session:
        stale = session.execute(query).all()
        for trip_id, version, status, updated_at in stale:
            if not timed_out(status, updated_at, now, timeout_s):
                continue
            reason = f"left alone in {status} for {timeout_s / 60:g} min"
            if abandon_bound_trip(session, trip_id, version, action="timed_out", reason=reason, now=now):
                session.commit()
                freed.append(trip_id)
            else:
                session.rollback()
    for trip_id in freed:
        log.info("bound trip %s timed out: unit freed", trip_id)
        void_hold(make_session, provider, trip_id)
    return freed


def void_abandoned_holds(make_session: sessionmaker[Session], provider: PaymentProvider) -> int:
    """Void the holds that an abandoned trip still has (a void the provider did not answer); how many."""
    with make_session() as session:
        trip_ids = session.scalars(
            select(Payment.trip_id)
            .join(Trip, Trip.id == Payment.trip_id)
            .where(Trip.status == "abandoned", Payment.status == "authorized")
        ).all()
    return sum(void_hold(make_session, provider, trip_id) for trip_id in trip_ids)
