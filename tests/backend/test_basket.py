from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from backend.basket import Event, ProductInfo, charge_minor, deposit_minor, fold, line_price

T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
PRODUCTS = {
    "A": ProductInfo("Cola", 199, "piece", 1580, 12),
    "B": ProductInfo("Gum", 129, "piece", 28, 1.5),
    "W": ProductInfo("Bananas", 229, "weight", 180, 30),
}


def ev(n: int, action: str, key: str, qty: int = 1, weight: int | None = None) -> Event:
    gtin = key.split(":")[0]
    return Event(f"e{n:04d}", action, key, gtin, qty, T0 + dt.timedelta(seconds=n), weight)


HISTORY = [
    ev(1, "add", "A"),
    ev(2, "add", "B"),
    ev(3, "add", "A"),
    ev(4, "remove", "B"),
    ev(5, "add", "W:w1250", weight=1250),
    ev(6, "set_quantity", "A", 5),
    ev(7, "remove", "A", 2),
    ev(8, "add", "B", 2),
]


def test_fold_applies_events_in_client_order() -> None:
    lines = {line.line_key: line for line in fold(HISTORY, PRODUCTS)}
    assert lines["A"].quantity == 3 and lines["A"].total_minor == 597
    assert lines["B"].quantity == 2
    assert lines["W:w1250"].unit_price_minor == 286  # 2.29 €/kg × 1.250 kg = 2.8625 → 2.86


@given(st.permutations(HISTORY))
def test_any_arrival_order_gives_the_same_basket(events: list[Event]) -> None:
    assert fold(events, PRODUCTS) == fold(HISTORY, PRODUCTS)


def test_removing_more_than_there_is_empties_the_line() -> None:
    assert fold([ev(1, "add", "A"), ev(2, "remove", "A", 5), ev(3, "add", "B")], PRODUCTS)[0].line_key == "B"


def test_price_per_kg_rounds_half_up_once() -> None:
    assert line_price(PRODUCTS["W"], 1000, None) == 229
    assert line_price(PRODUCTS["W"], 2, None) == 0  # 0.458 cents
    assert line_price(PRODUCTS["W"], 3, None) == 1  # 0.687 cents
    assert line_price(PRODUCTS["W"], 500, 999) == 999  # a price-embedded label wins


def test_the_charge_is_goods_plus_deposit_per_piece() -> None:
    products = {**PRODUCTS, "A": ProductInfo("Cola", 199, "piece", 1580, 12, deposit_minor=25, vat_rate_bp=1900)}
    lines = fold([ev(1, "add", "A", 3), ev(2, "add", "B")], products)
    cola = next(line for line in lines if line.gtin14 == "A")
    assert cola.total_minor == 3 * 199 and cola.deposit_minor == 25 and cola.vat_rate_bp == 1900
    assert deposit_minor(lines) == 3 * 25
    assert charge_minor(lines) == 3 * 199 + 129 + 3 * 25
