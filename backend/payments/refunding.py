"""Staff refunds and voids of a trip's payment, with the ledger and an audit record (the ``refunds`` row).

Same pattern as settlement: :func:`start` checks the request against the rules (``backend.refunds``) and
records the intent (a ``requested`` row: who, what, why) in one committed transaction that also bumps the
payment's version, so concurrent refunds can never take back more than the capture; :func:`finish` calls the
provider with a key made from the row's id and records the result (payment status, ledger booking) once. A
crash in between leaves the row ``requested``; :func:`finish_stale` (run by ``settlement.reconcile``) repeats
the provider call with the same key, which the provider deduplicates, so the card is refunded exactly once.

Payment status after a staff action: ``authorized`` → ``voiding`` → ``voided``; ``captured`` →
``partially_refunded`` → … → ``refunded`` (everything captured given back).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend import ledger, refunds, trips
from backend.models import Flag, Payment, Refund, Trip, utcnow
from backend.payments.provider import PaymentError, PaymentProvider, ProviderUnavailable
from backend.problems import Problem

VOID, REFUND = "void", "refund"
REQUESTED, DONE, FAILED = "requested", "done", "failed"
REFUNDABLE = ("captured", "partially_refunded")  # a payment that still has (some) capture to give back
# RefundRefused codes that are about the request itself (422); the others are about the payment's state (409).
BAD_REQUEST = ("refund-invalid-amount", "refund-invalid-quantity", "refund-unknown-line")


@dataclass(frozen=True)
class Totals:
    captured_minor: int
    refunded_minor: int  # done
    pending_minor: int  # requested, not yet confirmed by the provider
    refundable_minor: int  # what a new refund may still take


def scoped_key(staff_id: int, key: str) -> str:
    return f"staff:{staff_id}:{key}"


def provider_key(refund: Refund) -> str:
    return f"{refund.kind}-{refund.id}"


def refused(exc: refunds.RefundRefused) -> Problem:
    return Problem(422 if exc.code in BAD_REQUEST else 409, exc.code, exc.detail)


def _taken(session: Session, payment_id: str, statuses: tuple[str, ...]) -> list[int]:
    return list(
        session.scalars(
            select(Refund.amount_minor).where(
                Refund.payment_id == payment_id, Refund.kind == REFUND, Refund.status.in_(statuses)
            )
        )
    )


def totals(session: Session, payment: Payment) -> Totals:
    done = sum(_taken(session, payment.id, (DONE,)))
    pending = sum(_taken(session, payment.id, (REQUESTED,)))
    captured = payment.captured_minor if payment.status in (*REFUNDABLE, "refunded") else 0
    left = refunds.refundable_minor(captured, [done, pending]) if payment.status in REFUNDABLE else 0
    return Totals(captured, done, pending, left)


def _requested_amount(session: Session, trip: Trip, payment: Payment, lines: dict[str, int]) -> int:
    """The amount of refunding ``lines`` (line key → quantity), less what earlier refunds took of each line. An
    item given back returns its deposit (Pfand) with its price."""
    basket = {line.line_key: line for line in trips.basket_lines(session, trip)}
    line_totals = {key: line.charge_minor for key, line in basket.items()}
    unit_prices = {key: line.unit_price_minor + line.deposit_minor for key, line in basket.items()}
    earlier = session.scalars(
        select(Refund.lines).where(
            Refund.payment_id == payment.id, Refund.status.in_((REQUESTED, DONE)), Refund.lines.is_not(None)
        )
    )
    for taken in earlier:
        for key, qty in (taken or {}).items():
            if key in line_totals:
                line_totals[key] = max(0, line_totals[key] - int(qty) * unit_prices[key])
    return refunds.lines_amount(line_totals, lines, unit_prices)


def start(
    make_session: sessionmaker[Session],
    *,
    trip_id: str,
    staff_id: int,
    key: str,
    reason: str,
    amount_minor: int | None = None,
    lines: dict[str, int] | None = None,
) -> str:
    """Record a staff member's refund or void of the trip's payment as ``requested``; returns the row's id.

    The same ``key`` (per staff member) always comes back to the same row, so a retried request never makes a
    second refund. Refusals are :class:`Problem` documents with the ``RefundRefused`` code as their type."""
    scoped = scoped_key(staff_id, key)
    with make_session() as session:
        existing = session.scalar(select(Refund).where(Refund.idempotency_key == scoped))
        if existing is not None:
            return _same_request(existing, trip_id, amount_minor, lines)
        trip = session.get(Trip, trip_id)
        payment = session.scalar(select(Payment).where(Payment.trip_id == trip_id).with_for_update())
        if trip is None or payment is None:
            raise Problem(409, "no-payment", "the trip has no payment to refund or void")
        try:
            requested = _requested_amount(session, trip, payment, lines) if lines else amount_minor
            done_and_pending = _taken(session, payment.id, (REQUESTED, DONE))
            state = "captured" if payment.status in REFUNDABLE else payment.status
            plan = refunds.plan(state, payment.captured_minor, done_and_pending, requested)
        except refunds.RefundRefused as exc:
            raise refused(exc) from None
        if plan.action == VOID:
            _check_voidable(session, trip)
        # Compare-and-set on the payment's version: of two refunds racing on one payment, only one goes on (the
        # row lock above already serialises them on PostgreSQL; this also holds on SQLite).
        values: dict[str, object] = {"version": Payment.version + 1, "updated_at": utcnow()}
        if plan.action == VOID:
            values["status"] = "voiding"
        claimed = session.execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.version == payment.version, Payment.status == payment.status)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise Problem(409, "payment-changed", "the payment changed at the same moment: reload and try again")
        refund = Refund(
            payment_id=payment.id,
            trip_id=trip.id,
            kind=plan.action,
            amount_minor=plan.amount_minor,
            currency=payment.currency,
            status=REQUESTED,
            idempotency_key=scoped,
            reason=reason,
            staff_id=staff_id,
            lines=dict(lines) if lines else None,
        )
        session.add(refund)
        try:
            session.commit()
        except IntegrityError:  # the same key, at the same moment, from another request
            session.rollback()
            existing = session.scalar(select(Refund).where(Refund.idempotency_key == scoped))
            if existing is None:
                raise
            return _same_request(existing, trip_id, amount_minor, lines)
        return refund.id


def _same_request(existing: Refund, trip_id: str, amount_minor: int | None, lines: dict[str, int] | None) -> str:
    same = existing.trip_id == trip_id and (existing.lines or None) == (lines or None)
    if same and lines is None and amount_minor is not None:
        same = existing.amount_minor == amount_minor
    if not same:
        raise Problem(422, "idempotency-key-reused", "this Idempotency-Key was used for a different refund")
    return existing.id


def _check_voidable(session: Session, trip: Trip) -> None:
    if trip.status == "passed":
        raise Problem(409, "void-capture-pending", "the basket passed and is being charged now: refund it instead")
    open_flag = session.scalar(
        select(func.count(Flag.id)).where(Flag.trip_id == trip.id, Flag.status.in_(("open", "claimed")))
    )
    if open_flag:
        raise Problem(
            409, "void-flag-open", "the trip has an open flag: resolve it (sending to a cashier releases the hold)"
        )


def finish(make_session: sessionmaker[Session], provider: PaymentProvider, refund_id: str) -> Refund:
    """Call the provider for a ``requested`` refund or void (same key every time) and record the result once."""
    with make_session() as session:
        refund = session.get(Refund, refund_id)
        if refund is None:
            raise Problem(404, "unknown-refund", f"no refund {refund_id}")
        if refund.status != REQUESTED:
            return refund
        payment = session.get(Payment, refund.payment_id)
        assert payment is not None
        reference = None
        try:
            if not payment.provider_ref:
                pass  # a hold that never reached the provider: nothing to release there
            elif refund.kind == VOID:
                provider.void(reference=payment.provider_ref, idempotency_key=provider_key(refund))
            else:
                result = provider.refund(
                    reference=payment.provider_ref,
                    amount_minor=refund.amount_minor,
                    idempotency_key=provider_key(refund),
                )
                reference = result.reference
        except ProviderUnavailable:
            raise Problem(
                503, "payment-provider-unavailable", "the payment provider did not answer: it is retried"
            ) from None
        except PaymentError as exc:
            _fail(session, refund, payment, str(exc))
            raise Problem(502, "refund-failed", f"the payment provider refused it: {exc}") from None
        _record_done(session, refund, payment, reference)
        session.refresh(refund)
        return refund


def _record_done(session: Session, refund: Refund, payment: Payment, reference: str | None) -> None:
    """Mark the row done, set the payment's status and book the refund, in one transaction, exactly once."""
    session.rollback()  # a fresh transaction: read the payment under its row lock
    locked = session.scalar(select(Payment).where(Payment.id == payment.id).with_for_update())
    assert locked is not None
    marked = session.execute(
        update(Refund)
        .where(Refund.id == refund.id, Refund.status == REQUESTED)
        .values(status=DONE, provider_ref=reference, version=Refund.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()  # another request or the reconciler recorded it first
        return
    if refund.kind == VOID:
        new_status = "voided"
        session.execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.status == "voiding")
            .values(status=new_status, version=Payment.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        trip = session.get(Trip, refund.trip_id)
        # Nothing can be charged any more: the trip is over (which frees its unit). "passed": a verdict that came
        # in while the void was on its way, whose capture the voiding status refused.
        # "age_check": the basket waits for staff to check the shopper's age; with the hold gone, so is the check.
        if trip is not None and trip.status in (
            "shopping",
            "checking_out",
            "recheck",
            "flagged",
            "passed",
            "age_check",
        ):
            from backend.age_checks import cancel_open

            cancel_open(session, trip.id)
            trip.status = "abandoned"
            trip.version += 1
    else:
        given_back = sum(_taken(session, payment.id, (DONE,)))
        new_status = "refunded" if given_back >= locked.captured_minor else "partially_refunded"
        session.execute(
            update(Payment)
            .where(Payment.id == payment.id)
            .values(status=new_status, version=Payment.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        # The capture booked receivable +x / sales −x; a refund reverses it into the refunds account.
        ledger.record(
            session,
            f"refund-{refund.id}",
            payment.id,
            payment.currency,
            {ledger.REFUNDS: refund.amount_minor, ledger.RECEIVABLE: -refund.amount_minor},
            memo=f"trip {payment.trip_id}: refund by staff {refund.staff_id}",
        )
    try:
        session.commit()
    except IntegrityError:  # the ledger's unique key: booked already
        session.rollback()


def _fail(session: Session, refund: Refund, payment: Payment, failure: str) -> None:
    """The provider refused it for good: the row says so and a void's payment goes back to ``authorized``."""
    session.rollback()
    marked = session.execute(
        update(Refund)
        .where(Refund.id == refund.id, Refund.status == REQUESTED)
        .values(status=FAILED, failure=failure[:200], version=Refund.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount == 1 and refund.kind == VOID:  # type: ignore[attr-defined]
        session.execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.status == "voiding")
            .values(status="authorized", version=Payment.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    session.commit()


def finish_stale(make_session: sessionmaker[Session], provider: PaymentProvider, older_than: dt.datetime) -> int:
    """Finish refunds and voids left ``requested`` since before ``older_than`` (a UTC time); returns how many."""
    with make_session() as session:
        stale = session.scalars(
            select(Refund.id).where(Refund.status == REQUESTED, Refund.updated_at < older_than).order_by(Refund.id)
        ).all()
    finished = 0
    for refund_id in stale:
        try:
            finish(make_session, provider, refund_id)
            finished += 1
        except Problem:
            continue  # provider still away (left for the next round) or refused (now ``failed``)
    return finished
