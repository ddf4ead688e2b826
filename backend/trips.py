"""Trips and their scan events: recording events idempotently and building the basket view."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Insert, Table, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import basket
from backend.catalog import resolve
from backend.domain.gs1 import StoreScheme
from backend.models import Product, ScanEvent, Shopper, Trip, Verdict, utcnow
from backend.problems import Problem
from backend.schemas import BasketOut, EventResult, LineOut, Prompt, ScanEventIn, TripOut
from backend.settings import Settings
from backend.tokens import token_hash

OPEN_FOR_SCANNING = ("shopping", "recheck")


STAFF_EVENT_PREFIX = "staff-"  # event ids of corrections staff made while resolving a flag


def basket_lines(session: Session, trip: Trip, *, shopper_only: bool = False) -> list[basket.Line]:
    """The basket's lines now; ``shopper_only``: as the shopper scanned it, without staff corrections."""
    # One query for the events and their products (a scan answers with the whole basket, so this runs on
    # every scan): plain rows, not ORM objects, which cost far more to build.
    rows = session.execute(
        select(
            ScanEvent.event_id,
            ScanEvent.action,
            ScanEvent.line_key,
            ScanEvent.gtin14,
            ScanEvent.quantity,
            ScanEvent.client_time,
            ScanEvent.weight_g,
            ScanEvent.price_minor,
            Product.name,
            Product.price_minor,
            Product.sold_by,
            Product.weight_mean_g,
            Product.weight_sd_g,
            Product.deposit_minor,
            Product.vat_rate_bp,
        )
        .join(Product, Product.gtin14 == ScanEvent.gtin14)
        .where(ScanEvent.trip_id == trip.id)
    ).all()
    events = []
    products: dict[str, basket.ProductInfo] = {}
    for event_id, action, line_key, gtin14, quantity, client_time, weight_g, price_minor, *product in rows:
        if shopper_only and event_id.startswith(STAFF_EVENT_PREFIX):
            continue
        events.append(basket.Event(event_id, action, line_key, gtin14, quantity, client_time, weight_g, price_minor))
        if gtin14 not in products:
            name, unit_price, sold_by, mean_g, sd_g, deposit, vat_rate = product
            products[gtin14] = basket.ProductInfo(name, unit_price, sold_by, mean_g, sd_g, deposit or 0, vat_rate)
    return basket.fold(events, products)


def basket_total(session: Session, trip: Trip) -> int:
    """What the basket costs now (goods plus deposit), in minor units: what checkout holds and a pass captures."""
    return basket.charge_minor(basket_lines(session, trip))


def line_out(line: basket.Line) -> LineOut:
    return LineOut(**{k: getattr(line, k) for k in LineOut.model_fields})


def recheck_prompts(session: Session, trip: Trip) -> list[Prompt]:
    """The latest re-check verdict's reasons, which tell the shopper what to fix."""
    if trip.status != "recheck":
        return []
    verdict = session.scalar(
        select(Verdict)
        .where(Verdict.trip_id == trip.id, Verdict.kind == "RECHECK")
        .order_by(Verdict.received_at.desc())
        .limit(1)
    )
    if verdict is None:
        return []
    return [
        Prompt(
            code=str(r.get("code", "")),
            message=str(r.get("message", "")),
            gtin14=r.get("gtin14"),
            quantity=r.get("quantity") if isinstance(r.get("quantity"), int) else None,
            key=str(r.get("key") or ""),
            params=r["params"] if isinstance(r.get("params"), dict) else {},
        )
        for r in verdict.reasons
    ]


def trip_out(session: Session, trip: Trip, currency: str) -> TripOut:
    lines = basket_lines(session, trip)
    return TripOut(
        prompts=recheck_prompts(session, trip),
        trip_id=trip.id,
        store_id=trip.store_id,
        status=trip.status,
        unit_id=trip.unit_id,
        version=trip.version,
        created_at=trip.created_at,
        basket=BasketOut(
            lines=[line_out(line) for line in lines],
            item_count=sum(line.quantity for line in lines),
            total_minor=basket.charge_minor(lines),
            deposit_total_minor=basket.deposit_minor(lines),
            currency=currency,
        ),
    )


def _same(row: ScanEvent, event: ScanEventIn, line_key: str) -> bool:
    return (row.action, row.line_key, row.quantity, row.client_time) == (
        event.action,
        line_key,
        event.quantity,
        event.client_time,
    )


@functools.lru_cache(maxsize=16)
def _store_scheme(patterns: tuple[str, ...]) -> StoreScheme:
    return StoreScheme.from_patterns(patterns)


# Built once: the statement every scan runs first (building it each time cost more than compiling, cached).
_SHOPPER_TRIP_FOR_UPDATE = (
    select(Trip, Shopper.expires_at)
    .join(Shopper, Shopper.id == Trip.shopper_id)
    .where(Trip.id == bindparam("trip_id"), Shopper.token_hash == bindparam("token_hash"))
    .with_for_update(of=Trip)
)


def shopper_trip_for_update(session: Session, token: str, trip_id: str) -> Trip:
    """The trip ``trip_id`` of the shopper holding ``token``, locked for this transaction, in one query.

    An unknown or expired token is 401; someone else's trip is "not found" (404), so trip ids cannot be probed."""
    now = utcnow()
    row = session.execute(_SHOPPER_TRIP_FOR_UPDATE, {"trip_id": trip_id, "token_hash": token_hash(token)}).first()
    if row is not None and row[1] >= now:
        trip: Trip = row[0]
        return trip
    # The rare way: tell a bad token from a trip that is not the shopper's.
    expires_at = session.scalar(select(Shopper.expires_at).where(Shopper.token_hash == token_hash(token)))
    if expires_at is None or expires_at < now:
        raise Problem(401, "unauthenticated", "unknown or expired shopper token")
    raise Problem(404, "unknown-trip", f"no trip {trip_id} for this shopper")


@functools.lru_cache(maxsize=4)
def _insert_unless_present(dialect: str) -> Insert | None:
    """The dialect's "insert unless the trip has this event id, returning the new id", built once; None: none."""
    table: Table = ScanEvent.__table__  # type: ignore[assignment]  # declarative: always a Table
    stmt: Insert
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table).on_conflict_do_nothing(index_elements=["trip_id", "event_id"])
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=["trip_id", "event_id"])
    else:
        return None
    return stmt.returning(table.c.id)


def _insert_new(session: Session, values: dict[str, Any]) -> bool:
    """Insert the event unless the trip already has its event id; True if it was new (one round trip)."""
    stmt = _insert_unless_present(session.get_bind().dialect.name)
    if stmt is None:  # no portable "insert unless present": a savepoint catches the unique constraint
        table: Table = ScanEvent.__table__  # type: ignore[assignment]  # declarative: always a Table
        try:
            with session.begin_nested():
                session.execute(table.insert().values(values))
        except IntegrityError:
            return False
        return True
    return session.execute(stmt, values).first() is not None


def record_events(
    session: Session, settings: Settings, trip: Trip, events: list[ScanEventIn], *, staff: bool = False
) -> list[EventResult]:
    """Store each new event once; a retried event is a duplicate, a reused id with other content a conflict.

    Shoppers scan while the trip is open; staff may correct the basket of a flagged trip."""
    if not staff and trip.status not in OPEN_FOR_SCANNING:
        raise Problem(409, "trip-not-open", f"the trip is {trip.status}: scanning is closed")
    scheme = _store_scheme(tuple(settings.variable_measure_patterns))
    results: list[EventResult] = []
    for event in events:
        if event.code:
            resolved = resolve(session, event.code, event.symbology, scheme, settings.currency, row=True)
            line_key, gtin14 = resolved.line_key, resolved.product.gtin14
            weight_g, price_minor = resolved.scanned.weight_g, resolved.scanned.price_minor
        else:
            assert event.line_key is not None
            origin = session.scalar(
                select(ScanEvent).where(
                    ScanEvent.trip_id == trip.id, ScanEvent.line_key == event.line_key, ScanEvent.action == "add"
                )
            )
            if origin is None:
                raise Problem(404, "unknown-line", f"no line {event.line_key!r} in this basket")
            line_key, gtin14, weight_g, price_minor = (
                origin.line_key,
                origin.gtin14,
                origin.weight_g,
                origin.price_minor,
            )
        new = _insert_new(
            session,
            {
                "trip_id": trip.id,
                "event_id": event.event_id,
                "action": event.action,
                "line_key": line_key,
                "code": event.code or event.line_key or "",
                "gtin14": gtin14,
                "quantity": event.quantity,
                "weight_g": weight_g,
                "price_minor": price_minor,
                "client_time": event.client_time,
                "received_at": utcnow(),
            },
        )
        if not new:
            # A retry, or the same event through another request at the same time: the first one stands.
            existing = session.scalar(
                select(ScanEvent).where(ScanEvent.trip_id == trip.id, ScanEvent.event_id == event.event_id)
            )
            if existing is not None and not _same(existing, event, line_key):
                raise Problem(409, "event-id-reused", f"event {event.event_id} was already recorded with other content")
            results.append(EventResult(event_id=event.event_id, status="duplicate"))
            continue
        results.append(EventResult(event_id=event.event_id, status="applied"))
    if any(r.status == "applied" for r in results):
        trip.version += 1
    return results
