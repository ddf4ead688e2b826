"""The staff API: sign in, the flag queue (claim, release, resolve), evidence, units, today's numbers, and
the live event stream the dashboard listens to."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import queue
import statistics
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi import Path as FastApiPath
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import (
    age_checks,
    audit_policy,
    evidence_views,
    flags,
    idempotency,
    live,
    login_throttle,
    staff_auth,
    trips,
    unit_release,
    units,
)
from backend.api.units import settle_passed_trip_app
from backend.deps import SessionDep, SettingsDep
from backend.domain import reasons as reason_words
from backend.models import (
    AgeCheck,
    Evidence,
    Flag,
    FlagEvent,
    Payment,
    Refund,
    Shopper,
    StaffSession,
    StaffUser,
    Trip,
    Unit,
    UnitEvent,
    Verdict,
    utcnow,
)
from backend.payments import refunding, settlement
from backend.problems import Problem
from backend.schemas import ScanEventIn
from backend.schemas_staff import (
    AgeCheckDecisionIn,
    AgeCheckDecisionOut,
    AgeCheckItem,
    AgeCheckLine,
    EvidenceRef,
    FlagDetail,
    FlagHistoryItem,
    FlagSummary,
    FreeUnitIn,
    LoginIn,
    PaymentView,
    RefundIn,
    RefundItem,
    RefundOut,
    ResolveIn,
    ResolveOut,
    ShopperSummary,
    StaffOut,
    Stats,
    UnitStatus,
    VersionIn,
)
from backend.staff_auth import COOKIE, StaffDep
from backend.staff_web.i18n import request_language
from backend.tokens import token_hash
from backend.weight_learning import STAFF_CONFIRMED_WEIGHT

router = APIRouter(prefix="/v1/staff", tags=["staff"])
RowId = Annotated[int, FastApiPath(ge=1, le=2**31 - 1)]
ONLINE_WITHIN = dt.timedelta(seconds=30)


@router.post("/login", response_model=StaffOut)
def login(body: LoginIn, request: Request, response: Response, session: SessionDep, settings: SettingsDep) -> StaffOut:
    now = utcnow()
    address = request.client.host if request.client else None
    wait = login_throttle.wait_seconds(session, body.username, address, now)
    if wait > 0:
        session.rollback()
        raise _locked(wait)
    user = staff_auth.find_user(session, body.username)
    if not staff_auth.check_password(user, body.password):
        locked = login_throttle.record_failure(session, body.username, address, now)
        session.commit()
        if locked > 0:
            raise _locked(locked)
        raise Problem(401, "bad-credentials", "wrong user name or password")
    assert user is not None
    login_throttle.record_success(session, body.username)
    token, record = staff_auth.start_session(session, user, settings.staff_session_ttl_h)
    session.commit()
    response.set_cookie(
        COOKIE,
        token,
        max_age=settings.staff_session_ttl_h * 3600,
        httponly=True,
        samesite="strict",
        secure=settings.environment == "production",
        path="/",
    )
    return StaffOut(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        store_id=user.store_id,
        csrf_token=record.csrf_token,
    )


def _locked(wait_s: float) -> Problem:
    minutes = max(1, round(wait_s / 60))
    return Problem(
        429,
        "too-many-sign-ins",
        f"too many wrong passwords: sign-in is locked for {minutes} more minute(s); a manager can unlock it sooner "
        "(basketcheck backend unlock-staff NAME)",
        retry_after_s=round(wait_s),
    )


@router.post("/logout", status_code=204)
def logout(response: Response, user: StaffDep, request: Request, session: SessionDep) -> Response:
    cookie = request.cookies.get(COOKIE, "")
    record = session.get(StaffSession, token_hash(cookie))
    if record is not None:
        session.delete(record)
        session.commit()
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/me", response_model=StaffOut)
def me(user: StaffDep, request: Request, session: SessionDep) -> StaffOut:
    record = session.get(StaffSession, token_hash(request.cookies.get(COOKIE, "")))
    return StaffOut(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        store_id=user.store_id,
        csrf_token=record.csrf_token if record else None,
    )


def _visible(user: StaffUser, store_id: str) -> bool:
    return user.store_id is None or user.store_id == store_id


def _worded(reasons: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The verdict's reasons, each with ``text``: its sentence in the staff member's language."""
    return [{**r, "text": reason_words.word(r, lang)} for r in reasons if isinstance(r, dict)]


def _summary(session: Session, flag: Flag, currency: str, lang: str = "en") -> FlagSummary:
    trip = session.get(Trip, flag.trip_id)
    verdict = session.get(Verdict, flag.verdict_id)
    owner = session.get(StaffUser, flag.owner_id) if flag.owner_id else None
    assert trip is not None and verdict is not None
    total = trips.basket_total(session, trip)
    end = flag.resolved_at or utcnow()
    return FlagSummary(
        flag_id=flag.id,
        trip_id=flag.trip_id,
        store_id=flag.store_id,
        unit_id=trip.unit_id,
        status=flag.status,
        priority=flag.priority,
        owner=owner.username if owner else None,
        version=flag.version,
        opened_at=flag.opened_at,
        waiting_s=round((end - flag.opened_at).total_seconds(), 1),
        kind=verdict.kind,
        explanation=str(verdict.document.get("explanation", "")),
        headline=" ".join(r["text"] for r in _worded(verdict.reasons, lang) if r["text"]),
        total_minor=total,
    )


def _flag_for(session: Session, user: StaffUser, flag_id: int) -> Flag:
    flag = session.get(Flag, flag_id)
    if flag is None or not _visible(user, flag.store_id):
        raise Problem(404, "unknown-flag", f"no flag {flag_id}")
    return flag


@router.get("/flags", response_model=list[FlagSummary])
def list_flags(
    request: Request,
    user: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    status: Literal["active", "open", "claimed", "resolved", "all"] = "active",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[FlagSummary]:
    """The queue: most urgent first (priority, then longest waiting). ``status``: active, open, claimed,
    resolved or all."""
    wanted = {"active": ("open", "claimed"), "all": ("open", "claimed", "resolved")}.get(status, (status,))
    query = select(Flag).where(Flag.status.in_(wanted))
    if user.store_id is not None:
        query = query.where(Flag.store_id == user.store_id)
    order = (Flag.resolved_at.desc(),) if status == "resolved" else (Flag.priority.desc(), Flag.opened_at.asc())
    rows = session.scalars(query.order_by(*order).limit(limit)).all()
    lang = request_language(request)
    return [_summary(session, f, settings.currency, lang) for f in rows]


@router.get("/flags/{flag_id}", response_model=FlagDetail)
def flag_detail(
    flag_id: RowId, request: Request, user: StaffDep, session: SessionDep, settings: SettingsDep
) -> FlagDetail:
    flag = _flag_for(session, user, flag_id)
    trip = session.get(Trip, flag.trip_id)
    verdict = session.get(Verdict, flag.verdict_id)
    assert trip is not None and verdict is not None
    shopper = session.get(Shopper, trip.shopper_id)
    assert shopper is not None
    evidence = session.scalars(select(Evidence).where(Evidence.verdict_id == verdict.id).order_by(Evidence.id)).all()
    history = session.execute(
        select(FlagEvent, StaffUser.username)
        .outerjoin(StaffUser, StaffUser.id == FlagEvent.staff_id)
        .where(FlagEvent.flag_id == flag.id)
        .order_by(FlagEvent.id)
    ).all()
    lang = request_language(request)
    summary = _summary(session, flag, settings.currency, lang)
    refs = [
        EvidenceRef(evidence_id=e.id, name=e.name, content_type=e.content_type, url=f"/v1/staff/evidence/{e.id}")
        for e in evidence
    ]
    return FlagDetail(
        **summary.model_dump(),
        reasons=_worded(verdict.reasons, lang),
        score=verdict.score,
        audit=verdict.audit,
        verdict=verdict.document,
        basket=trips.trip_out(session, trip, settings.currency).basket,
        scanned=[trips.line_out(line) for line in trips.basket_lines(session, trip, shopper_only=True)],
        evidence=refs,
        views=evidence_views.flag_views(verdict.document, refs),
        shopper=ShopperSummary(
            trust_score=shopper.trust_score,
            baskets_passed=shopper.baskets_passed,
            baskets_flagged=shopper.baskets_flagged,
            member_since=shopper.created_at,
        ),
        history=[
            FlagHistoryItem(
                action=ev.action, staff=name, reason=ev.reason, details=ev.details, version=ev.version, at=ev.at
            )
            for ev, name in history
        ],
        resolution=flag.resolution,
    )


@router.get("/evidence/{evidence_id}")
def evidence(evidence_id: RowId, user: StaffDep, session: SessionDep) -> Response:
    """An evidence file (photo, weight trace), for signed-in staff only."""
    item = session.get(Evidence, evidence_id)
    verdict = session.get(Verdict, item.verdict_id) if item else None
    trip = session.get(Trip, verdict.trip_id) if verdict else None
    if item is None or trip is None or not _visible(user, trip.store_id):
        raise Problem(404, "unknown-evidence", f"no evidence {evidence_id}")
    return Response(item.content, media_type=item.content_type, headers={"Cache-Control": "private, no-store"})


def _act(session: Session, user: StaffUser, flag_id: int, action: str, version: int, currency: str) -> FlagSummary:
    flag = _flag_for(session, user, flag_id)
    flags.apply_action(session, flag, user, action, version)
    live.publish(session, {"type": "flag", "flag_id": flag.id, "event": action, "by": user.username})
    session.commit()
    return _summary(session, flag, currency)


@router.post("/flags/{flag_id}/claim", response_model=FlagSummary)
def claim(flag_id: RowId, body: VersionIn, user: StaffDep, session: SessionDep, settings: SettingsDep) -> FlagSummary:
    return _act(session, user, flag_id, "claim", body.version, settings.currency)


@router.post("/flags/{flag_id}/release", response_model=FlagSummary)
def release(flag_id: RowId, body: VersionIn, user: StaffDep, session: SessionDep, settings: SettingsDep) -> FlagSummary:
    return _act(session, user, flag_id, "release", body.version, settings.currency)


@router.post("/flags/{flag_id}/resolve", response_model=ResolveOut, responses={428: {"description": "no key"}})
async def resolve(
    flag_id: RowId,
    body: ResolveIn,
    request: Request,
    user: StaffDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Resolve a claimed flag: approve, add the missing items, remove lines, or send the shopper to a cashier.
    Approving or fixing the basket captures the payment."""
    raw = await request.body()
    app = request.app
    currency = app.state.settings.currency

    def work() -> tuple[int, ResolveOut]:
        with app.state.sessionmaker() as session:
            flag = _flag_for(session, user, flag_id)
            flags.check_action(flag, user, "resolve", body.version)
            trip = session.get(Trip, flag.trip_id, with_for_update=True)
            assert trip is not None
            now = utcnow()
            events = [
                ScanEventIn(
                    event_id=f"{trips.STAFF_EVENT_PREFIX}{flag.id}-a{i}",
                    action="add",
                    code=item.code,
                    quantity=item.quantity,
                    client_time=now,
                )
                for i, item in enumerate(body.add)
            ] + [
                ScanEventIn(
                    event_id=f"{trips.STAFF_EVENT_PREFIX}{flag.id}-r{i}",
                    action="remove",
                    line_key=item.line_key,
                    quantity=item.quantity,
                    client_time=now,
                )
                for i, item in enumerate(body.remove)
            ]
            if events:
                trips.record_events(session, app.state.settings, trip, events, staff=True)
            flags.apply_action(
                session,
                flag,
                user,
                "resolve",
                body.version,
                body.reason,
                resolution=body.resolution,
                added=[i.model_dump() for i in body.add],
                removed=[i.model_dump() for i in body.remove],
            )
            shopper = session.get(Shopper, trip.shopper_id)
            outcome = {"approve": "approved", "remove_items": "approved", "add_items": "confirmed"}.get(body.resolution)
            if shopper is not None and outcome:
                shopper.trust_score = audit_policy.trust_after(shopper.trust_score, outcome)
            if body.resolution == "send_to_cashier":
                trip.status = "sent_to_cashier"
            else:
                trip.status = "passed"
                if body.resolution == "approve":
                    verdict = session.get(Verdict, flag.verdict_id)
                    net = verdict.document.get("measured_net_g") if verdict else None
                    units.learn_weights(session, trip, net, STAFF_CONFIRMED_WEIGHT)
            trip.version += 1
            live.publish(session, {"type": "flag", "flag_id": flag.id, "event": "resolve", "by": user.username})
            session.commit()
            trip_id = trip.id
        if body.resolution == "send_to_cashier":
            settlement.void(app.state.sessionmaker, app.state.payment_provider, trip_id=trip_id)
        else:
            settle_passed_trip_app(app, trip_id)
        with app.state.sessionmaker() as session:
            flag = session.get(Flag, flag_id)
            trip = session.get(Trip, trip_id)
            payment = session.scalar(select(Payment).where(Payment.trip_id == trip_id))
            assert flag is not None and trip is not None
            return 200, ResolveOut(
                flag=_summary(session, flag, currency),
                trip_status=trip.status,
                payment_status=payment.status if payment else None,
                charged_minor=payment.captured_minor if payment and payment.status == "captured" else 0,
            )

    scope = f"POST /v1/staff/flags/{flag_id}/resolve staff:{user.id}"

    return await run_in_threadpool(idempotency.respond, app.state.sessionmaker, scope, idempotency_key, raw, work)


def _unit_status(session: Session, u: Unit, now: dt.datetime) -> UnitStatus:
    trip = session.scalar(
        select(Trip)
        .where(Trip.unit_id == u.id, Trip.status.in_(unit_release.BOUND))
        .order_by(Trip.updated_at.desc())
        .limit(1)
    )
    last = session.scalar(select(UnitEvent).where(UnitEvent.unit_id == u.id).order_by(UnitEvent.id.desc()).limit(1))
    return UnitStatus(
        unit_id=u.id,
        name=u.name,
        store_id=u.store_id,
        active=u.active,
        online=u.last_seen_at is not None and now - u.last_seen_at < ONLINE_WITHIN,
        last_seen_at=u.last_seen_at,
        state=u.status.get("state"),
        faults=u.status.get("faults", {}),
        heartbeat_age_s=(now - u.last_seen_at).total_seconds() if u.last_seen_at else None,
        trip_id=trip.id if trip else None,
        trip_status=trip.status if trip else None,
        trip_version=trip.version if trip else None,
        bound_since=trip.updated_at if trip else None,
        last_release=f"{last.action} {last.at.isoformat()} (trip {last.trip_id} in {last.trip_status})"
        if last
        else None,
    )


@router.get("/units", response_model=list[UnitStatus])
def unit_status(user: StaffDep, session: SessionDep) -> list[UnitStatus]:
    """Every unit as it is: online, heartbeat age, in service, and the trip holding it (from the database)."""
    query = select(Unit).order_by(Unit.id)
    if user.store_id is not None:
        query = query.where(Unit.store_id == user.store_id)
    now = utcnow()
    return [_unit_status(session, u, now) for u in session.scalars(query)]


@router.post("/units/{unit_id}/free", response_model=UnitStatus)
def free_unit(
    unit_id: Annotated[str, FastApiPath(min_length=1, max_length=40)],
    body: FreeUnitIn,
    request: Request,
    user: StaffDep,
    session: SessionDep,
) -> UnitStatus:
    """Free a unit held by a trip: the trip is abandoned, its card hold voided (nothing is charged), and it is
    recorded who did it and why. The trip and version the staff member saw must still hold the unit."""
    unit = session.get(Unit, unit_id)
    if unit is None or not _visible(user, unit.store_id):
        raise Problem(404, "unknown-unit", f"no unit {unit_id}")
    trip = session.get(Trip, body.trip_id)
    if trip is None or trip.unit_id != unit.id or trip.status not in unit_release.BOUND:
        raise Problem(409, "unit-not-bound", f"trip {body.trip_id} does not hold this unit (any more): reload")
    if trip.version != body.trip_version:
        raise Problem(
            409, "stale-version", "the trip changed since you looked: reload and try again", version=trip.version
        )
    if not unit_release.abandon_bound_trip(
        session, trip.id, body.trip_version, action="freed", staff_id=user.id, reason=body.reason
    ):
        raise Problem(409, "stale-version", "the trip changed since you looked: reload and try again")
    session.commit()
    app = request.app
    unit_release.void_hold(app.state.sessionmaker, app.state.payment_provider, trip.id)
    session.expire_all()
    return _unit_status(session, unit, utcnow())


@router.get("/stats", response_model=Stats)
def stats(user: StaffDep, session: SessionDep) -> Stats:
    """Today's numbers (UTC day): baskets by verdict, open flags, time to resolve."""
    start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    verdict_query = (
        select(Verdict.kind, func.count(func.distinct(Verdict.trip_id))).join(Trip).where(Verdict.received_at >= start)
    )
    flag_query = select(Flag).where(Flag.opened_at >= start)
    if user.store_id is not None:
        verdict_query = verdict_query.where(Trip.store_id == user.store_id)
        flag_query = flag_query.where(Flag.store_id == user.store_id)
    counts = {kind: count for kind, count in session.execute(verdict_query.group_by(Verdict.kind))}
    today_flags = session.scalars(flag_query).all()
    waits = sorted((f.resolved_at - f.opened_at).total_seconds() for f in today_flags if f.resolved_at is not None)
    baskets = session.scalar(
        select(func.count(func.distinct(Verdict.trip_id)))
        .join(Trip)
        .where(Verdict.received_at >= start, *([Trip.store_id == user.store_id] if user.store_id else []))
    )
    return Stats(
        date=start.date(),
        baskets=baskets or 0,
        passed=counts.get("PASS", 0),
        rechecked=counts.get("RECHECK", 0),
        flagged=counts.get("FLAG", 0),
        open_flags=sum(1 for f in today_flags if f.status != "resolved"),
        resolve_median_s=statistics.median(waits) if waits else None,
        resolve_p90_s=waits[min(len(waits) - 1, int(0.9 * len(waits)))] if waits else None,
    )


@router.get("/events")
async def events(request: Request, user: StaffDep) -> StreamingResponse:
    """Server-sent events: new and changed flags, verdicts, unit heartbeats, as they happen."""
    hub: live.Hub = request.app.state.hub
    subscription = hub.subscribe()

    async def stream() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        idle = 0.0
        try:
            while not await request.is_disconnected():
                try:
                    payload = subscription.get_nowait()
                except queue.Empty:
                    await asyncio.sleep(0.1)
                    idle += 0.1
                    if idle >= 15:
                        idle = 0.0
                        yield ": keep-alive\n\n"
                    continue
                idle = 0.0
                if "store_id" in payload and not _visible(user, str(payload["store_id"])):
                    continue
                yield f"event: {payload.get('type', 'message')}\ndata: {json.dumps(payload, default=str)}\n\n"
        finally:
            hub.unsubscribe(subscription)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


# -- refunds and voids (issue 19) ----------------------------------------------------------------------


def _staff_trip(session: Session, user: StaffUser, trip_id: str) -> Trip:
    trip = session.get(Trip, trip_id)
    if trip is None or not _visible(user, trip.store_id):
        raise Problem(404, "unknown-trip", f"no trip {trip_id}")
    return trip


def _payment_view(session: Session, trip: Trip, currency: str) -> PaymentView:
    payment = session.scalar(select(Payment).where(Payment.trip_id == trip.id))
    rows = session.execute(
        select(Refund, StaffUser.username)
        .outerjoin(StaffUser, StaffUser.id == Refund.staff_id)
        .where(Refund.trip_id == trip.id)
        .order_by(Refund.created_at, Refund.id)
    ).all()
    money = refunding.totals(session, payment) if payment else None
    return PaymentView(
        trip_id=trip.id,
        trip_status=trip.status,
        payment_status=payment.status if payment else None,
        currency=payment.currency if payment else currency,
        authorized_minor=payment.amount_minor if payment else 0,
        captured_minor=money.captured_minor if money else 0,
        refunded_minor=money.refunded_minor if money else 0,
        pending_minor=money.pending_minor if money else 0,
        refundable_minor=money.refundable_minor if money else 0,
        voidable=payment is not None and payment.status == "authorized",
        lines=[trips.line_out(line) for line in trips.basket_lines(session, trip)],
        refunds=[_refund_item(r, name) for r, name in rows],
    )


def _refund_item(refund: Refund, staff_name: str | None) -> RefundItem:
    return RefundItem(
        refund_id=refund.id,
        kind=refund.kind,
        amount_minor=refund.amount_minor,
        currency=refund.currency,
        status=refund.status,
        reason=refund.reason,
        staff=staff_name,
        lines=refund.lines,
        failure=refund.failure,
        created_at=refund.created_at,
        updated_at=refund.updated_at,
    )


TripId = Annotated[str, FastApiPath(min_length=1, max_length=32)]


@router.get("/trips/{trip_id}/payment", response_model=PaymentView)
def trip_payment(trip_id: TripId, user: StaffDep, session: SessionDep, settings: SettingsDep) -> PaymentView:
    """A trip's payment: captured, refunded, what is left to refund, and every refund or void (who, when, why)."""
    return _payment_view(session, _staff_trip(session, user, trip_id), settings.currency)


@router.post(
    "/trips/{trip_id}/refund",
    response_model=RefundOut,
    responses={
        403: {"description": "only a manager may refund or void"},
        409: {"description": "the payment does not allow it (problem type: the refusal's code)"},
        428: {"description": "Idempotency-Key missing"},
    },
)
async def refund_trip(
    trip_id: TripId,
    body: RefundIn,
    request: Request,
    user: StaffDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Refund a captured payment (all that is left, ``amount_minor``, or ``lines``) or void an uncaptured hold.
    Managers only; needs an ``Idempotency-Key`` (a retry gets the first answer, never a second refund). The
    refund is recorded before the provider is called; one a crash interrupted is finished by the reconciler."""
    raw = await request.body()
    app = request.app
    currency = app.state.settings.currency
    with app.state.sessionmaker() as session:
        _staff_trip(session, user, trip_id)
    if user.role != "manager":
        raise Problem(403, "forbidden", "only a manager may refund or void a payment")
    lines: dict[str, int] = {}
    for item in body.lines:
        lines[item.line_key] = lines.get(item.line_key, 0) + item.quantity

    def work() -> tuple[int, RefundOut]:
        make_session = app.state.sessionmaker
        refund_id = refunding.start(
            make_session,
            trip_id=trip_id,
            staff_id=user.id,
            key=idempotency.require_key(idempotency_key),
            reason=body.reason,
            amount_minor=body.amount_minor,
            lines=lines or None,
        )
        finished = refunding.finish(make_session, app.state.payment_provider, refund_id)
        if finished.status == refunding.FAILED:  # a retry of a refund the provider refused for good
            raise Problem(502, "refund-failed", f"the payment provider refused it: {finished.failure}")
        with make_session() as session:
            refund = session.get(Refund, refund_id)
            trip = session.get(Trip, trip_id)
            assert refund is not None and trip is not None
            live.publish(
                session,
                {
                    "type": "refund",
                    "trip_id": trip_id,
                    "store_id": trip.store_id,
                    "kind": refund.kind,
                    "status": refund.status,
                    "by": user.username,
                },
            )
            session.commit()
            return 200, RefundOut(
                refund=_refund_item(refund, user.username), payment=_payment_view(session, trip, currency)
            )

    scope = f"POST /v1/staff/trips/{trip_id}/refund staff:{user.id}"
    return await run_in_threadpool(idempotency.respond, app.state.sessionmaker, scope, idempotency_key, raw, work)


# -- age checks (#19) ----------------------------------------------------------------------------------


def _age_check_item(session: Session, row: AgeCheck) -> AgeCheckItem:
    trip = session.get(Trip, row.trip_id)
    assert trip is not None
    staff = session.get(StaffUser, row.staff_id) if row.staff_id else None
    end = row.decided_at or utcnow()
    return AgeCheckItem(
        age_check_id=row.id,
        trip_id=row.trip_id,
        store_id=row.store_id,
        unit_id=row.unit_id,
        required_age=row.required_age,
        status=row.status,
        version=row.version,
        lines=[AgeCheckLine(**line) for line in row.lines],
        total_minor=trips.basket_total(session, trip),
        created_at=row.created_at,
        waiting_s=round((end - row.created_at).total_seconds(), 1),
        decided_at=row.decided_at,
        staff=staff.username if staff else None,
        reason=row.reason,
    )


@router.get("/age-checks", response_model=list[AgeCheckItem])
def list_age_checks(
    user: StaffDep,
    session: SessionDep,
    status: Literal["open", "confirmed", "refused", "cancelled", "all"] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AgeCheckItem]:
    """Age checks of the staff member's store (all stores for a manager); ``open`` ones first-come first."""
    query = select(AgeCheck)
    if status != "all":
        query = query.where(AgeCheck.status == status)
    if user.store_id is not None:
        query = query.where(AgeCheck.store_id == user.store_id)
    order = AgeCheck.created_at.asc() if status == "open" else AgeCheck.created_at.desc()
    rows = session.scalars(query.order_by(order, AgeCheck.id).limit(limit)).all()
    return [_age_check_item(session, row) for row in rows]


def _decide_age_check(
    request: Request, user: StaffUser, age_check_id: int, action: str, body: AgeCheckDecisionIn
) -> AgeCheckDecisionOut:
    app = request.app
    with app.state.sessionmaker() as session:
        row = session.get(AgeCheck, age_check_id)
        if row is None or not _visible(user, row.store_id):
            raise Problem(404, "unknown-age-check", f"no age check {age_check_id}")
        trip_id = age_checks.decide(session, app.state.settings, row, action, user.id, body.version, body.reason)
        session.commit()
    settle_passed_trip_app(app, trip_id)
    with app.state.sessionmaker() as session:
        row = session.get(AgeCheck, age_check_id)
        trip = session.get(Trip, trip_id)
        payment = session.scalar(select(Payment).where(Payment.trip_id == trip_id))
        assert row is not None and trip is not None
        return AgeCheckDecisionOut(
            age_check=_age_check_item(session, row),
            trip_status=trip.status,
            payment_status=payment.status if payment else None,
            charged_minor=payment.captured_minor if payment and payment.status == "captured" else 0,
        )


@router.post("/age-checks/{age_check_id}/confirm", response_model=AgeCheckDecisionOut)
def confirm_age_check(
    age_check_id: RowId, body: AgeCheckDecisionIn, request: Request, user: StaffDep
) -> AgeCheckDecisionOut:
    """The shopper is old enough: the basket is paid (captured once). ``version``: the one the staff member saw."""
    return _decide_age_check(request, user, age_check_id, "confirm", body)


@router.post("/age-checks/{age_check_id}/refuse", response_model=AgeCheckDecisionOut)
def refuse_age_check(
    age_check_id: RowId, body: AgeCheckDecisionIn, request: Request, user: StaffDep
) -> AgeCheckDecisionOut:
    """Too young or no ID: the restricted items leave the basket, the rest is paid (nothing left: voided)."""
    return _decide_age_check(request, user, age_check_id, "refuse", body)
