"""The append-only double-entry ledger: money moved is recorded once, and every transaction sums to zero."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import LedgerEntry

RECEIVABLE = "psp_receivable"  # what the payment provider owes the store
SALES = "sales"
REFUNDS = "refunds"


class UnbalancedTransaction(ValueError):
    """A ledger transaction whose entries do not sum to zero."""


def record(
    session: Session, transaction_id: str, payment_id: str, currency: str, entries: dict[str, int], memo: str = ""
) -> None:
    """Append one transaction. The unique (transaction, account) pair makes a second recording fail."""
    if sum(entries.values()) != 0:
        raise UnbalancedTransaction(f"transaction {transaction_id} does not balance: {entries}")
    for account, amount in entries.items():
        session.add(
            LedgerEntry(
                transaction_id=transaction_id,
                payment_id=payment_id,
                account=account,
                amount_minor=amount,
                currency=currency,
                memo=memo,
            )
        )
    session.flush()


def balances(session: Session) -> dict[tuple[str, str], int]:
    """Balance per (account, currency)."""
    rows = session.execute(
        select(LedgerEntry.account, LedgerEntry.currency, func.sum(LedgerEntry.amount_minor)).group_by(
            LedgerEntry.account, LedgerEntry.currency
        )
    )
    return {(account, currency): int(total) for account, currency, total in rows}
