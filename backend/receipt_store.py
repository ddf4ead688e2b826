"""Issuing receipts: one per captured trip, numbered per store, content frozen at issue (database side).

The number comes from the store's counter, incremented in the database (``UPDATE … SET n = n + 1 RETURNING``),
which locks the store's row until the transaction ends: concurrent receipts of one store get consecutive,
distinct numbers, and a transaction that fails gives its number back. The trip's row is locked first and
``receipts.trip_id`` is unique, so a trip never gets two numbers, whoever asks (capture, the receipt
endpoint, the reconciler) and however often.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend import basket, receipts
from backend.models import Payment, Receipt, Store, Trip, utcnow

log = logging.getLogger(__name__)

RECEIPTED = ("captured", "partially_refunded", "refunded")  # payment states that have a receipt
STANDARD_RATE_BP = 1900  # a product without a stated rate: the standard rate applies (§ 12 (1) UStG)
PAYMENT_METHOD = "card"


def store_details(store: Store) -> receipts.StoreDetails:
    return receipts.StoreDetails(store.id, store.name, store.address or "", store.vat_id or "")


def next_number(session: Session, store_id: str) -> int:
    """The store's next receipt number, taken atomically (the store row stays locked until commit)."""
    number = session.execute(
        update(Store)
        .where(Store.id == store_id)
        .values(last_receipt_number=Store.last_receipt_number + 1)
        .returning(Store.last_receipt_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return int(number)


def items_of(lines: list[basket.Line]) -> list[receipts.BasketItem]:
    return [
        receipts.BasketItem(
            line.gtin14,
            line.name,
            line.quantity,
            line.unit_price_minor,
            STANDARD_RATE_BP if line.vat_rate_bp is None else line.vat_rate_bp,
            line.deposit_minor,
        )
        for line in lines
    ]


def content_of(receipt: receipts.Receipt, lines: list[basket.Line]) -> dict[str, Any]:
    """The receipt as stored (JSON): store details, lines with VAT letters, the VAT summary, the totals."""
    weights = iter(line.weight_g for line in lines)
    out_lines = []
    weight: int | None = None
    for line in receipt.lines:
        if line.kind == "item":
            weight = next(weights)
        out_lines.append(
            {
                "kind": line.kind,
                "gtin14": line.gtin,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price_minor": line.unit_price_minor,
                "total_minor": line.total_minor,
                "vat_letter": line.vat_letter,
                "weight_g": weight if line.kind == "item" else None,
            }
        )
    return {
        "store": {
            "store_id": receipt.store.store_id,
            "name": receipt.store.name,
            "address_lines": [a for a in receipt.store.address.splitlines() if a.strip()],
            "vat_id": receipt.store.vat_id,
        },
        "currency": receipt.currency,
        "lines": out_lines,
        "vat_summary": [
            {
                "letter": row.letter,
                "rate_bp": row.rate_bp,
                "net_minor": row.net_minor,
                "vat_minor": row.vat_minor,
                "gross_minor": row.gross_minor,
            }
            for row in receipt.vat_summary
        ],
        "goods_minor": receipt.goods_minor,
        "deposit_minor": receipt.deposit_minor,
        "total_minor": receipt.total_minor,
        "payment_method": receipt.payment_method,
        "payment_reference": receipt.payment_reference,
    }


def _issue(session: Session, trip_id: str) -> Receipt | None:
    from backend.trips import basket_lines  # trips imports the catalog, which is heavier than this module

    # populate_existing: a caller's session may hold these rows from before its last commit (the capture).
    trip = session.get(Trip, trip_id, with_for_update=True, populate_existing=True)
    if trip is None:
        return None
    existing = session.scalar(select(Receipt).where(Receipt.trip_id == trip_id))
    if existing is not None:
        return existing
    payment = session.scalar(
        select(Payment).where(Payment.trip_id == trip_id).execution_options(populate_existing=True)
    )
    store = session.get(Store, trip.store_id, populate_existing=True)
    if payment is None or payment.status not in RECEIPTED or store is None:
        return None
    lines = basket_lines(session, trip)
    issued_at = utcnow()
    number = next_number(session, store.id)
    built = receipts.build_receipt(
        store=store_details(store),
        number=number,
        issued_at=issued_at,
        currency=payment.currency,
        items=items_of(lines),
        payment_method=PAYMENT_METHOD,
        payment_reference=payment.provider_ref or "",
    )
    row = Receipt(trip_id=trip_id, store_id=store.id, number=number, issued_at=issued_at)
    row.content = content_of(built, lines)
    session.add(row)
    session.flush()
    return row


def ensure(make_session: sessionmaker[Session], trip_id: str) -> Receipt | None:
    """The trip's receipt, issued now if its payment is captured and it has none yet; None if not captured."""
    for _attempt in range(3):
        with make_session() as session:
            try:
                row = _issue(session, trip_id)
                session.commit()
            except IntegrityError:  # another request issued it between our read and our insert (SQLite)
                session.rollback()
                continue
            if row is not None:
                session.refresh(row)
                session.expunge(row)
            return row
    with make_session() as session:
        return session.scalar(select(Receipt).where(Receipt.trip_id == trip_id))


def issue_after_capture(session: Session, trip_id: str) -> None:
    """Issue the receipt in its own transaction on ``session`` (the capture is committed already); a failure is
    logged and left for the receipt endpoint, which issues a missing receipt on request."""
    try:
        _issue(session, trip_id)
        session.commit()
    except Exception:  # the money is taken either way; the receipt can be issued later
        session.rollback()
        log.exception("receipt for trip %s not issued now: the receipt endpoint issues it on request", trip_id)
