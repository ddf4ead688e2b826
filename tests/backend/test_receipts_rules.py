"""The pure receipt builder: VAT out of gross per rate, deposit lines, letters, totals (plain data)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.receipts import (
    BasketItem,
    ReceiptError,
    StoreDetails,
    basket_total_minor,
    build_receipt,
    parse_vat_rate,
    vat_from_gross,
    vat_letters,
)

STORE = StoreDetails("store1", "Demo Markt", "Hauptstr. 1, 10115 Berlin", "DE123456789")
WHEN = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("gross", "rate", "vat"),
    [
        (119, 1900, 19),  # exact
        (107, 700, 7),
        (100, 1900, 16),  # 15.966… → 16
        (199, 700, 13),  # 13.018… → 13
        (1, 1900, 0),  # 0.159… → 0
        (3, 1900, 0),  # 0.478… → 0
        (4, 1900, 1),  # 0.638… → 1
        (0, 1900, 0),
        (500, 0, 0),
    ],
)
def test_vat_from_gross_rounds_half_up_in_cents(gross: int, rate: int, vat: int) -> None:
    assert vat_from_gross(gross, rate) == vat


@pytest.mark.parametrize(
    ("text", "expected", "raises"),
    [
        ("19", 1900, None),
        ("7", 700, None),
        ("7,0", 700, None),
        ("19 %", 1900, None),
        ("5.5", 550, None),
        ("0", 0, None),
        ("", None, "empty"),
        ("abc", None, "not a number"),
        ("-7", None, "out of range"),
        ("101", None, "out of range"),
        ("7.125", None, "two decimals"),
    ],
)
def test_parse_vat_rate(text: str, expected: int | None, raises: str | None) -> None:
    if raises:
        with pytest.raises(ReceiptError, match=raises):
            parse_vat_rate(text)
    else:
        assert parse_vat_rate(text) == expected


def test_letters_highest_rate_first() -> None:
    assert vat_letters([700, 1900, 700]) == {1900: "A", 700: "B"}


def test_receipt_with_deposit_and_two_rates() -> None:
    items = [
        BasketItem("04000000000011", "Cola 0,5 L", 2, 129, 1900, deposit_minor=25),
        BasketItem("04000000000028", "Brot", 1, 249, 700),
        BasketItem("04000000000035", "Bier 0,5 L", 1, 99, 1900, deposit_minor=8),
    ]
    receipt = build_receipt(
        store=STORE,
        number=7,
        issued_at=WHEN,
        currency="EUR",
        items=items,
        payment_method="card",
        payment_reference="sandbox-1",
    )
    kinds = [(line.kind, line.name, line.total_minor, line.vat_letter) for line in receipt.lines]
    assert kinds == [
        ("item", "Cola 0,5 L", 258, "A"),
        ("deposit", "Cola 0,5 L", 50, "A"),
        ("item", "Brot", 249, "B"),
        ("item", "Bier 0,5 L", 99, "A"),
        ("deposit", "Bier 0,5 L", 8, "A"),
    ]
    assert receipt.goods_minor == 606
    assert receipt.deposit_minor == 58
    assert receipt.total_minor == 664 == basket_total_minor(items)
    a, b = receipt.vat_summary
    # A: 258 + 50 + 99 + 8 = 415 gross at 19 % → VAT 66.26… → 66, net 349
    assert (a.letter, a.rate_bp, a.gross_minor, a.vat_minor, a.net_minor) == ("A", 1900, 415, 66, 349)
    # B: 249 gross at 7 % → VAT 16.29… → 16, net 233
    assert (b.letter, b.rate_bp, b.gross_minor, b.vat_minor, b.net_minor) == ("B", 700, 249, 16, 233)
    assert sum(row.gross_minor for row in receipt.vat_summary) == receipt.total_minor


def test_vat_is_rounded_once_per_rate_not_per_line() -> None:
    # Ten lines of 1 cent at 19 %: per line each VAT rounds to 0, the rate's true VAT on 10 cents is 2.
    items = [BasketItem(f"{i:014d}", f"x{i}", 1, 1, 1900) for i in range(10)]
    receipt = build_receipt(
        store=STORE,
        number=1,
        issued_at=WHEN,
        currency="EUR",
        items=items,
        payment_method="card",
        payment_reference="r",
    )
    assert receipt.vat_summary[0].vat_minor == 2


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (BasketItem("1", "a", 0, 100, 1900), "quantity"),
        (BasketItem("1", "a", 1, -1, 1900), "negative"),
        (BasketItem("1", "a", 1, 100, 1900, deposit_minor=-25), "negative"),
        (BasketItem("1", "a", 1, 100, 10_001), "out of range"),
    ],
)
def test_bad_items_are_refused_with_a_message(item: BasketItem, message: str) -> None:
    with pytest.raises(ReceiptError, match=message):
        basket_total_minor([item])


def test_naive_timestamp_and_bad_number_are_refused() -> None:
    kwargs = dict(store=STORE, currency="EUR", items=[], payment_method="card", payment_reference="r")
    with pytest.raises(ReceiptError, match="time zone"):
        build_receipt(number=1, issued_at=datetime(2026, 12, 3), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ReceiptError, match="positive"):
        build_receipt(number=0, issued_at=WHEN, **kwargs)  # type: ignore[arg-type]
