"""Trips and their scan events: recording events idempotently and building the basket view."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import basket
from backend.catalog import product_info, resolve
from backend.models import Product, ScanEvent, Trip, Verdict
from backend.problems import Problem
from backend.schemas import BasketOut, EventResult, LineOut, Prompt, ScanEventIn, TripOut
from backend.settings import Settings

OPEN_FOR_SCANNING = ("shopping", "recheck")


STAFF_EVENT_PREFIX = "staff-"  # event ids of corrections staff made while resolving a flag


def basket_lines(session: Session, trip: Trip, *, shopper_only: bool = False) -> list[basket.Line]:
    """The basket's lines now; ``shopper_only``: as the shopper scanned it, without staff corrections."""
    rows = session.scalars(select(ScanEvent).where(ScanEvent.trip_id == trip.id)).all()
    events = [
        basket.Event(r.event_id, r.action, r.line_key, r.gtin14, r.quantity, r.client_time, r.weight_g, r.price_minor)
        for r in rows
        if not (shopper_only and r.event_id.startswith(STAFF_EVENT_PREFIX))
    ]
    gtins = {e.gtin14 for e in events}
    products = {p.gtin14: product_info(p) for p in session.scalars(select(Product).where(Product.gtin14.in_(gtins)))}
    return basket.fold(events, products)


def basket_total(session: Session, trip: Trip) -> int:
    """What the basket costs now, in minor units."""
    return sum(line.total_minor for line in basket_lines(session, trip))


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
        Prompt(code=str(r.get("code", "")), message=str(r.get("message", "")), gtin14=r.get("gtin14"))
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
            total_minor=sum(line.total_minor for line in lines),
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


def record_events(
    session: Session, settings: Settings, trip: Trip, events: list[ScanEventIn], *, staff: bool = False
) -> list[EventResult]:
    """Store each new event once; a retried event is a duplicate, a reused id with other content a conflict.

    Shoppers scan while the trip is open; staff may correct the basket of a flagged trip."""
    if not staff and trip.status not in OPEN_FOR_SCANNING:
        raise Problem(409, "trip-not-open", f"the trip is {trip.status}: scanning is closed")
    scheme = settings.store_scheme()
    results: list[EventResult] = []
    for event in events:
        if event.code:
            resolved = resolve(session, event.code, event.symbology, scheme, settings.currency)
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
        existing = session.scalar(
            select(ScanEvent).where(ScanEvent.trip_id == trip.id, ScanEvent.event_id == event.event_id)
        )
        if existing is not None:
            if not _same(existing, event, line_key):
                raise Problem(409, "event-id-reused", f"event {event.event_id} was already recorded with other content")
            results.append(EventResult(event_id=event.event_id, status="duplicate"))
            continue
        row = ScanEvent(
            trip_id=trip.id,
            event_id=event.event_id,
            action=event.action,
            line_key=line_key,
            code=event.code or event.line_key or "",
            gtin14=gtin14,
            quantity=event.quantity,
            weight_g=weight_g,
            price_minor=price_minor,
            client_time=event.client_time,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # the same event arrived concurrently through another request
            results.append(EventResult(event_id=event.event_id, status="duplicate"))
            continue
        results.append(EventResult(event_id=event.event_id, status="applied"))
    if any(r.status == "applied" for r in results):
        trip.version += 1
    return results
