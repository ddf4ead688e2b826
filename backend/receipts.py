"""Receipt building: plain basket data in, receipt data (lines, deposit, VAT summary, totals) out; no I/O.

German shelf prices are gross (VAT included), so VAT is taken out of the gross sum per rate:
``vat = round(gross * rate / (10000 + rate))`` with half-up rounding, in integer minor units, once per rate
(not per line, which would let the per-line roundings add up to a cent off the rate's true VAT).
Rates are integer basis points (1900 = 19 %, 700 = 7 %); no float ever touches money here.
Deposit (Pfand) is charged per piece and carries the VAT rate of the product it comes with (the German
tax office's reading: the deposit shares the fate of the drink).

Not done here (German law would need it for a cash register): a KassenSichV TSE signature per receipt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

# VAT letters printed on German receipts: A for the standard rate, B for the reduced rate, then C, D, … .
_LETTERS = "ABCDEFGH"
MAX_VAT_RATE_BP = 10_000


class ReceiptError(ValueError):
    """Bad input to the receipt builder (a negative quantity, a rate out of range, a timestamp without a zone)."""


def parse_vat_rate(text: str) -> int:
    """A VAT rate as written in a catalog ("19", "7", "19 %", "7,0", "0.07" is refused) → basis points."""
    cleaned = text.strip().removesuffix("%").strip().replace(",", ".")
    if not cleaned:
        raise ReceiptError("VAT rate is empty: write it in percent, e.g. 19 or 7")
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise ReceiptError(f"VAT rate {text!r} is not a number: write it in percent, e.g. 19 or 7") from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ReceiptError(f"VAT rate {text!r} is out of range: write it in percent between 0 and 100")
    basis_points = value * 100
    if basis_points != basis_points.to_integral_value():
        raise ReceiptError(f"VAT rate {text!r} has more than two decimals")
    return int(basis_points)


@dataclass(frozen=True)
class BasketItem:
    """One basket line as the receipt needs it: gross unit price and per-piece deposit in minor units."""

    gtin: str
    name: str
    quantity: int
    unit_price_minor: int
    vat_rate_bp: int
    deposit_minor: int = 0


@dataclass(frozen=True)
class ReceiptLine:
    """A printed line: goods or the deposit that comes with them."""

    kind: str  # "item" or "deposit"
    gtin: str
    name: str
    quantity: int
    unit_price_minor: int
    total_minor: int
    vat_letter: str


@dataclass(frozen=True)
class VatSummaryRow:
    """Per rate: gross (as charged), the VAT taken out of it, and net = gross − VAT."""

    letter: str
    rate_bp: int
    net_minor: int
    vat_minor: int
    gross_minor: int


@dataclass(frozen=True)
class StoreDetails:
    store_id: str
    name: str
    address: str
    vat_id: str


@dataclass(frozen=True)
class Receipt:
    """A receipt's content; the number and the issue time are given by whoever stores it."""

    store: StoreDetails
    number: int
    issued_at: datetime  # UTC
    currency: str
    lines: tuple[ReceiptLine, ...]
    vat_summary: tuple[VatSummaryRow, ...]
    goods_minor: int
    deposit_minor: int
    total_minor: int
    payment_method: str
    payment_reference: str


def vat_from_gross(gross_minor: int, rate_bp: int) -> int:
    """The VAT contained in a gross amount at a rate, rounded half up to the minor unit (exact integers)."""
    if rate_bp == 0 or gross_minor == 0:
        return 0
    exact = Decimal(gross_minor) * rate_bp / (MAX_VAT_RATE_BP + rate_bp)
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def vat_letters(rates: Iterable[int]) -> dict[int, str]:
    """Letters per rate, highest rate first (19 % → A, 7 % → B), as German receipts print them."""
    ordered = sorted(set(rates), reverse=True)
    if len(ordered) > len(_LETTERS):
        raise ReceiptError(f"a receipt can show at most {len(_LETTERS)} VAT rates, got {len(ordered)}")
    return {rate: _LETTERS[i] for i, rate in enumerate(ordered)}


def _check(item: BasketItem) -> None:
    if item.quantity <= 0:
        raise ReceiptError(f"{item.name}: quantity must be positive, got {item.quantity}")
    if item.unit_price_minor < 0 or item.deposit_minor < 0:
        raise ReceiptError(f"{item.name}: price and deposit must not be negative")
    if not 0 <= item.vat_rate_bp <= MAX_VAT_RATE_BP:
        raise ReceiptError(f"{item.name}: VAT rate {item.vat_rate_bp} bp is out of range 0..{MAX_VAT_RATE_BP}")


def basket_total_minor(items: Sequence[BasketItem]) -> int:
    """What the shopper pays: goods plus deposit (the amount to authorise and capture)."""
    for item in items:
        _check(item)
    return sum(i.quantity * (i.unit_price_minor + i.deposit_minor) for i in items)


def build_receipt(
    *,
    store: StoreDetails,
    number: int,
    issued_at: datetime,
    currency: str,
    items: Sequence[BasketItem],
    payment_method: str,
    payment_reference: str,
) -> Receipt:
    """Lines (each item, then its deposit), the VAT summary per rate and the totals."""
    if issued_at.tzinfo is None or issued_at.utcoffset() is None:
        raise ReceiptError("issued_at must carry a time zone (receipts are recorded in UTC)")
    if number <= 0:
        raise ReceiptError(f"receipt number must be positive, got {number}")
    for item in items:
        _check(item)
    letters = vat_letters(i.vat_rate_bp for i in items)
    lines: list[ReceiptLine] = []
    gross_by_rate: dict[int, int] = {}
    goods = deposit = 0
    for item in items:
        letter = letters[item.vat_rate_bp]
        line_total = item.quantity * item.unit_price_minor
        lines.append(
            ReceiptLine("item", item.gtin, item.name, item.quantity, item.unit_price_minor, line_total, letter)
        )
        goods += line_total
        gross_by_rate[item.vat_rate_bp] = gross_by_rate.get(item.vat_rate_bp, 0) + line_total
        if item.deposit_minor:
            deposit_total = item.quantity * item.deposit_minor
            lines.append(
                ReceiptLine("deposit", item.gtin, item.name, item.quantity, item.deposit_minor, deposit_total, letter)
            )
            deposit += deposit_total
            gross_by_rate[item.vat_rate_bp] += deposit_total
    summary = []
    for rate in sorted(gross_by_rate, reverse=True):
        gross = gross_by_rate[rate]
        vat = vat_from_gross(gross, rate)
        summary.append(VatSummaryRow(letters[rate], rate, gross - vat, vat, gross))
    return Receipt(
        store=store,
        number=number,
        issued_at=issued_at,
        currency=currency,
        lines=tuple(lines),
        vat_summary=tuple(summary),
        goods_minor=goods,
        deposit_minor=deposit,
        total_minor=goods + deposit,
        payment_method=payment_method,
        payment_reference=payment_reference,
    )
