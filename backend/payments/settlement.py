"""Settling a trip's payment: pre-authorise at checkout, capture once on a pass or a staff release, void on
abandon, and finish any operation a crash interrupted.

Each step first records its intent (``authorizing``, ``capturing``) and commits, then calls the provider
with an idempotency key derived from the payment, then records the result. A crash between the provider
call and the last commit leaves the intent behind; :func:`reconcile` repeats the call with the same key,
which the provider deduplicates, so the card is charged exactly once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend import ledger
from backend.models import Payment, utcnow
from backend.payments.provider import PaymentDeclined, PaymentError, PaymentProvider, ProviderUnavailable
from backend.problems import Problem

IN_FLIGHT = dt.timedelta(seconds=10)  # a settlement step younger than this is assumed to be still running


@dataclass(frozen=True)
class CapturePlan:
    """What capturing ``total`` needs given the hold: ``capture`` it, ``reauthorize`` first, or ``void``."""

    action: str
    amount_minor: int


def plan_capture(authorized_minor: int, total_minor: int) -> CapturePlan:
    """Pure rule: capture what the basket costs; a larger basket needs a new hold; an empty one is voided."""
    if total_minor < 0:
        raise ValueError("a basket total cannot be negative")
    if total_minor == 0:
        return CapturePlan("void", 0)
    if total_minor > authorized_minor:
        return CapturePlan("reauthorize", total_minor)
    return CapturePlan("capture", total_minor)


def _claim(session: Session, payment: Payment, expected: str, new: str, **values: object) -> bool:
    """Compare-and-set on the payment's status and version (with ``values`` in the same update): only one
    concurrent caller wins."""
    result = session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status == expected, Payment.version == payment.version)
        .values(status=new, version=Payment.version + 1, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(payment)
    return True


def authorize(
    make_session: sessionmaker[Session],
    provider: PaymentProvider,
    *,
    trip_id: str,
    amount_minor: int,
    currency: str,
    card_token: str,
) -> Payment:
    """Hold the basket's total on the shopper's card (one payment per trip)."""
    with make_session() as session:
        payment = session.scalar(select(Payment).where(Payment.trip_id == trip_id))
        if payment is None:
            payment = Payment(
                trip_id=trip_id,
                amount_minor=amount_minor,
                currency=currency,
                status="authorizing",
                provider=provider.name,
                card_token=card_token,
            )
            session.add(payment)
            session.commit()
        elif payment.status in ("authorized", "captured"):
            return payment
        elif payment.status == "declined":
            payment.status, payment.card_token, payment.amount_minor = "authorizing", card_token, amount_minor
            payment.failure = None
            payment.version += 1
            session.commit()
        return _finish_authorization(session, provider, payment)


def _auth_key(payment: Payment) -> str:
    return f"auth-{payment.id}-{payment.version}-{payment.amount_minor}"


def _finish_authorization(session: Session, provider: PaymentProvider, payment: Payment) -> Payment:
    try:
        auth = provider.authorize(
            card_token=payment.card_token,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            idempotency_key=_auth_key(payment),
        )
    except PaymentDeclined as exc:
        payment.status, payment.failure = "declined", exc.reason
        session.commit()
        raise Problem(402, "payment-declined", f"the card was declined ({exc.reason})", reason=exc.reason) from None
    except ProviderUnavailable:
        raise Problem(503, "payment-provider-unavailable", "the payment provider did not answer: retry") from None
    payment.status, payment.provider_ref = "authorized", auth.reference
    session.commit()
    return payment


def capture(
    make_session: sessionmaker[Session], provider: PaymentProvider, *, trip_id: str, total_minor: int
) -> Payment:
    """Capture the basket's total exactly once, whoever asks and however often."""
    with make_session() as session:
        payment = session.scalar(select(Payment).where(Payment.trip_id == trip_id))
        if payment is None:
            raise Problem(409, "no-payment", "the trip has no authorised payment")
        if payment.status == "captured":
            return payment
        from backend import age_checks  # the age check gate (#19): nothing is captured while one is open

        age_checks.capture_gate(session, trip_id)
        if payment.status == "capturing":
            if utcnow() - payment.updated_at < IN_FLIGHT:
                return payment  # another request is capturing it right now
            return _finish_capture(session, provider, payment)  # an interrupted attempt: finish it
        if payment.status != "authorized":
            raise Problem(409, "payment-not-capturable", f"the payment is {payment.status}")
        plan = plan_capture(payment.amount_minor, total_minor)
        if plan.action == "void":
            _void(session, provider, payment)
            return payment
        if plan.action == "reauthorize":
            old_reference = payment.provider_ref
            if not _claim(session, payment, "authorized", "authorizing", amount_minor=plan.amount_minor):
                return _changed_concurrently(session, payment)
            _finish_authorization(session, provider, payment)
            if old_reference:
                provider.void(reference=old_reference, idempotency_key=f"void-{old_reference}")
        if not _claim(session, payment, "authorized", "capturing", captured_minor=plan.amount_minor):
            return _changed_concurrently(session, payment)
        return _finish_capture(session, provider, payment)


def _changed_concurrently(session: Session, payment: Payment) -> Payment:
    session.refresh(payment)
    if payment.status in ("capturing", "captured", "authorizing"):
        return payment  # another request is settling it right now
    raise Problem(409, "payment-changed", f"the payment became {payment.status}")


def _finish_capture(session: Session, provider: PaymentProvider, payment: Payment) -> Payment:
    assert payment.provider_ref is not None
    try:
        result = provider.capture(
            reference=payment.provider_ref, amount_minor=payment.captured_minor, idempotency_key=f"capture-{payment.id}"
        )
    except ProviderUnavailable:
        raise Problem(503, "payment-provider-unavailable", "the payment provider did not answer: retry") from None
    except PaymentError as exc:
        raise Problem(502, "payment-failed", f"the payment provider refused the capture: {exc}") from None
    # Mark it captured and book it in one transaction; if another request or the reconciler got there first,
    # the compare-and-set (or, as a last line, the ledger's unique key) stops a second booking.
    done = session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status == "capturing")
        .values(status="captured", captured_minor=result.amount_minor, version=Payment.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        session.refresh(payment)
        return payment
    ledger.record(
        session,
        f"capture-{payment.id}",
        payment.id,
        payment.currency,
        {ledger.RECEIVABLE: result.amount_minor, ledger.SALES: -result.amount_minor},
        memo=f"trip {payment.trip_id}",
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
    else:
        from backend import receipt_store  # the receipt is issued once the capture is recorded (#19)

        receipt_store.issue_after_capture(session, payment.trip_id)
    session.refresh(payment)
    return payment


def void(make_session: sessionmaker[Session], provider: PaymentProvider, *, trip_id: str) -> Payment | None:
    """Release the hold of an abandoned trip (nothing is charged)."""
    with make_session() as session:
        payment = session.scalar(select(Payment).where(Payment.trip_id == trip_id))
        if payment is None or payment.status in ("voided", "declined"):
            return payment
        if payment.status in ("captured", "capturing"):
            raise Problem(409, "payment-captured", "the payment is already captured: refund it instead")
        _void(session, provider, payment)
        return payment


def _void(session: Session, provider: PaymentProvider, payment: Payment) -> None:
    if payment.provider_ref:
        try:
            provider.void(reference=payment.provider_ref, idempotency_key=f"void-{payment.provider_ref}")
        except ProviderUnavailable:
            raise Problem(503, "payment-provider-unavailable", "the payment provider did not answer: retry") from None
    payment.status = "voided"
    payment.version += 1
    session.commit()


def reconcile(make_session: sessionmaker[Session], provider: PaymentProvider) -> int:
    """Finish payments a crash left half-done (``authorizing``, ``capturing``, a staff refund or void left
    ``requested``); returns how many.

    Only those untouched for a while: a younger one is probably being settled by a live request."""
    finished = 0
    with make_session() as session:
        pending = session.scalars(
            select(Payment).where(
                Payment.status.in_(("authorizing", "capturing")), Payment.updated_at < utcnow() - IN_FLIGHT
            )
        ).all()
        for payment in pending:
            try:
                if payment.status == "capturing":
                    _finish_capture(session, provider, payment)
                else:
                    _finish_authorization(session, provider, payment)
                finished += 1
            except Problem:
                session.rollback()
    # Staff refunds and voids a crash left ``requested``: the same provider call again, with the same key.
    from backend.payments import refunding  # imported here: refunding builds on this module

    finished += refunding.finish_stale(make_session, provider, utcnow() - IN_FLIGHT)
    return finished
