"""Pure rules for staff refunds and voids (no I/O): what a refund request may take back from a payment.

The intent row, the provider call, the ledger booking and the reconciler step are in
``backend.payments.refunding``; the staff endpoint in ``backend.api.staff``. Amounts are integer minor units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class RefundRefused(ValueError):
    """A refund or void the payment's state does not allow; ``code`` is the problem type's last segment."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class RefundPlan:
    action: str  # "void" (authorised, not captured) or "refund" (captured)
    amount_minor: int


def refundable_minor(captured_minor: int, refunded_minor: Iterable[int]) -> int:
    """What is left to refund: the capture less every refund already made (never negative)."""
    return max(0, captured_minor - sum(refunded_minor))


def lines_amount(line_totals: Mapping[str, int], quantities: Mapping[str, int], unit_prices: Mapping[str, int]) -> int:
    """The amount of refunding ``quantities`` (line id → how many) of a basket whose lines cost ``line_totals``."""
    total = 0
    for line_id, qty in quantities.items():
        if line_id not in line_totals:
            raise RefundRefused("refund-unknown-line", f"line {line_id} is not in the trip's basket")
        if qty <= 0:
            raise RefundRefused("refund-invalid-quantity", f"line {line_id}: quantity must be positive")
        amount = qty * unit_prices[line_id]
        if amount > line_totals[line_id]:
            raise RefundRefused("refund-invalid-quantity", f"line {line_id}: more than was bought")
        total += amount
    return total


def plan(status: str, captured_minor: int, refunded_minor: Iterable[int], requested_minor: int | None) -> RefundPlan:
    """Decide a staff request against a payment in ``status``. ``requested_minor`` None means everything left."""
    if status == "authorized":
        if requested_minor is not None:
            raise RefundRefused("void-is-whole", "an uncaptured hold is voided whole, not in part")
        return RefundPlan("void", 0)
    if status != "captured":
        raise RefundRefused("payment-not-refundable", f"a {status} payment can be neither voided nor refunded")
    left = refundable_minor(captured_minor, refunded_minor)
    amount = left if requested_minor is None else requested_minor
    if amount <= 0:
        raise RefundRefused(
            "refund-nothing-left" if left == 0 else "refund-invalid-amount",
            "nothing is left to refund" if left == 0 else "the amount must be positive",
        )
    if amount > left:
        raise RefundRefused("refund-exceeds-capture", f"only {left} minor units are left to refund, not {amount}")
    return RefundPlan("refund", amount)
