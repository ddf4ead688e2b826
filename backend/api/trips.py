"""Shoppers and their trips: start a trip, send scan events (idempotent), read the basket."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import age_checks, basket, idempotency, receipt_store, trips, unit_release, units
from backend import receipt_pdf as receipt_pdf_module
from backend.deps import SessionDep, SettingsDep, ShopperDep, bearer_token
from backend.models import Payment, Refund, Shopper, Store, Trip, utcnow
from backend.payments import settlement
from backend.problems import Problem
from backend.receipts import ReceiptError
from backend.schemas import ScanBatchIn, ScanBatchOut, ShopperOut, TripIn, TripOut
from backend.schemas_units import (
    CheckoutIn,
    CheckoutOut,
    ReceiptLine,
    ReceiptOut,
    ReceiptRefund,
    ReceiptStore,
    ReceiptVatRow,
)
from backend.settings import Settings
from backend.tokens import new_token, token_hash

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["trips"])
BearerDep = Annotated[str, Depends(bearer_token)]


@router.post("/shoppers", status_code=status.HTTP_201_CREATED, response_model=ShopperOut)
def create_shopper(session: SessionDep, settings: SettingsDep) -> ShopperOut:
    """A new shopper account and its bearer token (shown once)."""
    token = new_token()
    expires_at = utcnow() + dt.timedelta(hours=settings.shopper_token_ttl_h)
    shopper = Shopper(token_hash=token_hash(token), expires_at=expires_at)
    session.add(shopper)
    session.commit()
    return ShopperOut(shopper_id=shopper.id, token=token, expires_at=expires_at)


def owned_trip(session: Session, shopper: Shopper, trip_id: str, *, lock: bool = False) -> Trip:
    trip = session.get(Trip, trip_id, with_for_update=lock)
    # Someone else's trip is "not found", so trip ids cannot be probed.
    if trip is None or trip.shopper_id != shopper.id:
        raise Problem(404, "unknown-trip", f"no trip {trip_id} for this shopper")
    return trip


@router.post("/trips", status_code=status.HTTP_201_CREATED, response_model=TripOut)
def start_trip(body: TripIn, session: SessionDep, settings: SettingsDep, shopper: ShopperDep) -> TripOut:
    if session.get(Store, body.store_id) is None:
        raise Problem(404, "unknown-store", f"no store {body.store_id!r}")
    trip = Trip(store_id=body.store_id, shopper_id=shopper.id)
    session.add(trip)
    session.commit()
    return trips.trip_out(session, trip, settings.currency)


@router.get("/trips/{trip_id}", response_model=TripOut)
def get_trip(trip_id: str, session: SessionDep, settings: SettingsDep, shopper: ShopperDep) -> TripOut:
    return trips.trip_out(session, owned_trip(session, shopper, trip_id), settings.currency)


@router.post("/trips/{trip_id}/events", response_model=ScanBatchOut)
async def post_events(trip_id: str, body: ScanBatchIn, request: Request, token: BearerDep) -> Response:
    """Record scan events; each carries the app's own event id, so retries and offline syncs are harmless."""
    # The hottest endpoint: one trip to the thread pool for all of its database work (identify the shopper,
    # lock the trip, insert, read the basket back), on one connection, in one transaction.
    out = await run_in_threadpool(_record_scans, request.app, token, trip_id, body)
    return Response(out.model_dump_json(), media_type="application/json")


def _record_scans(app: Any, token: str, trip_id: str, body: ScanBatchIn) -> ScanBatchOut:
    settings: Settings = app.state.settings
    with app.state.sessionmaker() as session:
        trip = trips.shopper_trip_for_update(session, token, trip_id)
        results = trips.record_events(session, settings, trip, body.events)
        out = ScanBatchOut(results=results, trip=trips.trip_out(session, trip, settings.currency))
        session.commit()
    return out


def _idempotent(
    request: Request, shopper: Shopper, key: str | None, body: bytes, work: Callable[[], tuple[int, Any]]
) -> JSONResponse:
    scope = f"{request.method} {request.url.path} shopper:{shopper.id}"
    return idempotency.respond(request.app.state.sessionmaker, scope, key, body, work)


@router.post(
    "/trips/{trip_id}/checkout",
    response_model=CheckoutOut,
    responses={402: {"description": "card declined"}, 428: {"description": "Idempotency-Key missing"}},
)
async def checkout(
    trip_id: str,
    body: CheckoutIn,
    request: Request,
    shopper: ShopperDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Check out at the unit whose QR code the shopper scanned: bind the trip to it and hold the total."""
    raw = await request.body()

    def work() -> tuple[int, CheckoutOut]:
        app = request.app
        settings = app.state.settings
        unit_id, _nonce = units.parse_qr(body.unit_qr)
        # A trip left bound to this unit past its time-out frees it now, not at the next periodic round.
        unit_release.time_out_bound_trips(
            app.state.sessionmaker, app.state.payment_provider, settings.unit_bound_timeout_s, unit_id=unit_id
        )
        with app.state.sessionmaker() as session:
            trip = owned_trip(session, shopper, trip_id, lock=True)
            if trip.status not in ("shopping", "checking_out", "recheck"):
                raise Problem(409, "trip-not-open", f"the trip is {trip.status}")
            lines = trips.basket_lines(session, trip)
            if not lines:
                raise Problem(409, "empty-basket", "the basket is empty: scan something first")
            units.bind(session, trip, body.unit_qr)
            session.commit()
            total = basket.charge_minor(lines)
        payment = settlement.authorize(
            app.state.sessionmaker,
            app.state.payment_provider,
            trip_id=trip_id,
            amount_minor=total,
            currency=settings.currency,
            card_token=body.card_token,
        )
        with app.state.sessionmaker() as session:
            trip = owned_trip(session, shopper, trip_id)
            if trip.status == "shopping":
                trip.status = "checking_out"
                trip.version += 1
            session.commit()
            out = CheckoutOut(
                trip=trips.trip_out(session, trip, settings.currency),
                payment_status=payment.status,
                authorized_minor=payment.amount_minor,
            )
        return 200, out

    return await run_in_threadpool(_idempotent, request, shopper, idempotency_key, raw, work)


@router.post("/trips/{trip_id}/abandon", response_model=TripOut)
async def abandon(
    trip_id: str,
    request: Request,
    shopper: ShopperDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Give up the trip: the hold on the card is released, nothing is charged."""
    raw = await request.body()

    def work() -> tuple[int, TripOut]:
        app = request.app
        with app.state.sessionmaker() as session:
            trip = owned_trip(session, shopper, trip_id, lock=True)
            if trip.status in ("paid", "passed", "flagged"):
                raise Problem(409, "trip-not-abandonable", f"the trip is {trip.status}")
        settlement.void(app.state.sessionmaker, app.state.payment_provider, trip_id=trip_id)
        with app.state.sessionmaker() as session:
            trip = owned_trip(session, shopper, trip_id)
            trip.status = "abandoned"
            trip.version += 1
            age_checks.cancel_open(session, trip_id)  # an open age check ends with the trip (#19)
            session.commit()
            return 200, trips.trip_out(session, trip, app.state.settings.currency)

    return await run_in_threadpool(_idempotent, request, shopper, idempotency_key, raw, work)


def _receipt(request: Request, session: Session, shopper: Shopper, trip_id: str) -> ReceiptOut:
    """The trip's receipt (issued now if its capture did not get to it), with any refunds since."""
    trip = owned_trip(session, shopper, trip_id)
    payment = session.scalar(select(Payment).where(Payment.trip_id == trip.id))
    if payment is None or payment.status not in receipt_store.RECEIPTED:
        raise Problem(409, "not-paid", f"the trip is {trip.status}: a receipt exists once it is paid")
    try:
        row = receipt_store.ensure(request.app.state.sessionmaker, trip.id)
    except ReceiptError as exc:  # the catalog's data cannot make a lawful receipt: say so, the money is safe
        log.error("receipt for trip %s cannot be issued: %s", trip.id, exc)
        detail = f"the receipt cannot be issued ({exc}): the store must correct its catalog"
        raise Problem(409, "receipt-unavailable", f"{detail}; the payment is not affected") from exc
    if row is None:
        raise Problem(409, "not-paid", f"the trip is {trip.status}: a receipt exists once it is paid")
    content = row.content
    refunds = session.scalars(
        select(Refund)
        .where(Refund.payment_id == payment.id, Refund.kind == "refund", Refund.status == "done")
        .order_by(Refund.created_at)
    ).all()
    return ReceiptOut(
        trip_id=trip.id,
        store_id=trip.store_id,
        paid_at=row.issued_at,
        lines=[ReceiptLine(**line) for line in content["lines"]],
        total_minor=content["total_minor"],
        currency=content["currency"],
        payment_reference=content["payment_reference"] or payment.provider_ref,
        number=row.number,
        issued_at=row.issued_at,
        store=ReceiptStore(**content["store"]),
        goods_minor=content["goods_minor"],
        deposit_minor=content["deposit_minor"],
        vat_summary=[ReceiptVatRow(**vat) for vat in content["vat_summary"]],
        payment_method=content["payment_method"],
        payment_status=payment.status,
        refunds=[ReceiptRefund(amount_minor=r.amount_minor, at=r.updated_at, lines=r.lines) for r in refunds],
        refunded_minor=sum(r.amount_minor for r in refunds),
    )


@router.get("/trips/{trip_id}/receipt", response_model=ReceiptOut)
def receipt(trip_id: str, request: Request, session: SessionDep, shopper: ShopperDep) -> ReceiptOut:
    """The receipt of a paid trip: store, number, lines with VAT letters and deposit, VAT summary, refunds."""
    return _receipt(request, session, shopper, trip_id)


@router.get(
    "/trips/{trip_id}/receipt.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the receipt as a PDF"}},
)
def receipt_pdf(trip_id: str, request: Request, session: SessionDep, shopper: ShopperDep, lang: str = "de") -> Response:
    """The receipt as a PDF; German unless ``lang=en``."""
    out = _receipt(request, session, shopper, trip_id)
    headers = {"Content-Disposition": f'inline; filename="receipt-{out.store_id}-{out.number}.pdf"'}
    return Response(receipt_pdf_module.render(out, lang), media_type="application/pdf", headers=headers)
