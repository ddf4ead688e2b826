"""The validation units' API: heartbeat, bind codes, the basket to check, verdicts. Every call is signed."""

from __future__ import annotations

import json

from fastapi import APIRouter, FastAPI, Request

from backend import age_checks, audit_policy, live, unit_release, units
from backend.deps import SessionDep, SettingsDep
from backend.models import Flag, Payment, Shopper, Trip, Verdict, utcnow
from backend.payments import settlement
from backend.problems import Problem
from backend.schemas_units import (
    BindCodeOut,
    HeartbeatIn,
    HeartbeatOut,
    SessionOut,
    UnitProductsOut,
    VerdictIn,
    VerdictOut,
)
from backend.trips import basket_total
from backend.unit_auth import SignedRequestDep, UnitDep

router = APIRouter(prefix="/v1/units/me", tags=["units"])


@router.post("/heartbeat", response_model=HeartbeatOut)
def heartbeat(body: HeartbeatIn, unit: UnitDep, session: SessionDep) -> HeartbeatOut:
    unit.status = {"state": body.state, "faults": body.faults, "at": utcnow().isoformat()}
    live.publish(session, {"type": "unit", "unit_id": unit.id, "state": body.state, "faults": body.faults})
    session.commit()
    return HeartbeatOut(server_time=utcnow())


@router.post("/bind-codes", response_model=BindCodeOut)
def bind_code(unit: UnitDep, session: SessionDep, settings: SettingsDep) -> BindCodeOut:
    """A fresh code for the unit to show; the app scans it to check out here."""
    nonce = units.new_bind_code(session, unit, settings.bind_nonce_ttl_s)
    session.commit()
    return BindCodeOut(nonce=nonce.nonce, qr=units.qr_text(unit.id, nonce.nonce), expires_at=nonce.expires_at)


@router.get("/session", response_model=SessionOut)
def current_session(request: Request, unit: UnitDep, session: SessionDep, settings: SettingsDep) -> SessionOut:
    """The basket bound to this unit, as scanned, with the weights to expect; no trip once it timed out or staff
    freed the unit (the unit then goes back to its start screen)."""
    app = request.app
    unit_release.time_out_bound_trips(
        app.state.sessionmaker, app.state.payment_provider, settings.unit_bound_timeout_s, unit_id=unit.id
    )
    out = units.current_session(session, unit, settings.currency)
    session.commit()  # last_seen_at
    return out


@router.get("/products", response_model=UnitProductsOut)
def products(unit: UnitDep, session: SessionDep) -> UnitProductsOut:
    """The catalog with the weights to expect (learned where known): the unit names unscanned items with it."""
    return units.unit_products(session)


def _answer(session: SessionDep, verdict: Verdict) -> VerdictOut:
    trip = session.get(Trip, verdict.trip_id)
    assert trip is not None
    payment = session.query(Payment).filter(Payment.trip_id == trip.id).one_or_none()
    flag = session.query(Flag).filter(Flag.verdict_id == verdict.id).one_or_none()
    return VerdictOut(
        verdict_id=verdict.id,
        kind=verdict.kind,
        trip_status=trip.status,
        payment_status=payment.status if payment else None,
        flag_id=flag.id if flag else None,
        age_check=units.age_check_brief(age_checks.of_trip(session, trip.id)),
    )


def settle_passed_trip(request: Request, trip_id: str) -> None:
    settle_passed_trip_app(request.app, trip_id)


def settle_passed_trip_app(app: FastAPI, trip_id: str) -> None:
    """Capture a passed trip's payment and mark it paid (safe to call again: capture is exactly-once)."""
    make_session = app.state.sessionmaker
    with make_session() as session:
        trip = session.get(Trip, trip_id)
        if trip is None or trip.status != "passed":
            return
        total = age_checks.total_to_capture(session, trip, basket_total(session, trip))
        if total is None:
            return  # waits for the staff age check (#19)
    try:
        payment = settlement.capture(make_session, app.state.payment_provider, trip_id=trip_id, total_minor=total)
    except Problem:
        return  # left for the reconciler; the verdict itself is recorded
    if payment.status in ("captured", "voided"):
        with make_session() as session:
            trip = session.get(Trip, trip_id)
            if trip is not None and trip.status == "passed":
                trip.status = "paid"
                trip.version += 1
                live.publish(session, {"type": "trip", "trip_id": trip_id, "status": "paid"})
                session.commit()


@router.post("/verdicts", response_model=VerdictOut)
def post_verdict(
    body: VerdictIn,
    request: Request,
    unit: UnitDep,
    signed: SignedRequestDep,
    session: SessionDep,
    settings: SettingsDep,
) -> VerdictOut:
    """Accept a signed, fresh verdict once; a retry of the same verdict gets the same answer."""
    doc = body.document
    existing = session.get(Verdict, doc.verdict_id)
    if existing is not None:
        if existing.unit_id != unit.id or existing.signature != body.signature:
            raise Problem(409, "verdict-replayed", "a different verdict with this id was already recorded")
        session.commit()
        settle_passed_trip(request, existing.trip_id)
        session.expire_all()
        return _answer(session, existing)
    trip = session.get(Trip, doc.trip_id, with_for_update=True)
    raw_document = json.loads(signed.body)["document"]
    attachments = units.check_verdict(unit, trip, body, raw_document, settings.verdict_max_age_s)
    assert trip is not None
    verdict = units.store_verdict(session, unit, trip, body, raw_document, attachments)
    shopper = session.get(Shopper, trip.shopper_id)
    total = basket_total(session, trip)
    if doc.kind == "PASS":
        trip.status = "passed"
        if shopper is not None:
            shopper.trust_score = audit_policy.trust_after(shopper.trust_score, "passed")
            shopper.baskets_passed += 1
        units.learn_weights(session, trip, doc.measured_net_g)
    elif doc.kind == "RECHECK":
        trip.status = "recheck"
    else:
        trip.status = "flagged"
        flag = units.open_flag(session, trip, verdict, total)
        if shopper is not None:
            shopper.baskets_flagged += 1
        live.publish(session, {"type": "flag", "flag_id": flag.id, "trip_id": trip.id, "event": "opened"})
    trip.version += 1
    live.publish(session, {"type": "verdict", "unit_id": unit.id, "trip_id": trip.id, "kind": doc.kind})
    session.commit()
    if doc.kind == "PASS":
        settle_passed_trip(request, trip.id)
        session.expire_all()
    return _answer(session, verdict)
