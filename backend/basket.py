"""A trip's basket, folded from its scan events: the same events in any arrival order give the same basket."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    event_id: str
    action: str  # "add" | "remove" | "set_quantity"
    line_key: str
    gtin14: str
    quantity: int
    client_time: dt.datetime
    weight_g: int | None = None
    price_minor: int | None = None  # the code's own price, for price-embedded codes


@dataclass(frozen=True)
class ProductInfo:
    name: str
    price_minor: int  # per piece, or per kg when sold by weight
    sold_by: str
    weight_mean_g: float
    weight_sd_g: float
    deposit_minor: int = 0  # deposit (Pfand) per piece, charged on top of the price
    vat_rate_bp: int | None = None  # None: the catalog does not say


@dataclass(frozen=True)
class Line:
    line_key: str
    gtin14: str
    name: str
    quantity: int
    sold_by: str
    unit_price_minor: int
    total_minor: int
    weight_g: int | None  # from the barcode, for variable-measure items
    weight_mean_g: float
    weight_sd_g: float
    deposit_minor: int = 0  # per piece; total_minor is the goods only
    vat_rate_bp: int | None = None

    @property
    def deposit_total_minor(self) -> int:
        return self.quantity * self.deposit_minor

    @property
    def charge_minor(self) -> int:
        """What the shopper pays for this line: goods plus deposit."""
        return self.total_minor + self.deposit_total_minor


def charge_minor(lines: Iterable[Line]) -> int:
    """What the shopper pays for these lines: goods plus deposit. The one rule for checkout, capture and views."""
    return sum(line.charge_minor for line in lines)


def deposit_minor(lines: Iterable[Line]) -> int:
    return sum(line.deposit_total_minor for line in lines)


def line_price(product: ProductInfo, weight_g: int | None, code_price_minor: int | None) -> int:
    """Price of one unit of a line: the code's price, the weight × price per kg, or the piece price."""
    if code_price_minor is not None:
        return code_price_minor
    if product.sold_by == "weight":
        if weight_g is None:
            raise ValueError("an item sold by weight needs a barcode carrying its weight or price")
        # Round once, half up, on the exact product (integers only).
        return (product.price_minor * weight_g + 500) // 1000
    return product.price_minor


def fold(events: Iterable[Event], products: Mapping[str, ProductInfo]) -> list[Line]:
    """Apply events in client order (time, then event id) and return the lines still in the basket."""
    quantities: dict[str, int] = {}
    first: dict[str, Event] = {}
    for event in sorted(events, key=lambda e: (e.client_time, e.event_id)):
        key = event.line_key
        if event.action == "add":
            quantities[key] = quantities.get(key, 0) + event.quantity
            first.setdefault(key, event)
        elif event.action == "remove":
            quantities[key] = max(0, quantities.get(key, 0) - event.quantity)
        elif event.action == "set_quantity":
            if key in first:
                quantities[key] = event.quantity
        else:
            raise ValueError(f"unknown scan action {event.action!r}")
    lines = []
    for key, quantity in quantities.items():
        if quantity <= 0 or key not in first:
            continue
        origin = first[key]
        product = products[origin.gtin14]
        unit_price = line_price(product, origin.weight_g, origin.price_minor)
        lines.append(
            Line(
                key,
                origin.gtin14,
                product.name,
                quantity,
                product.sold_by,
                unit_price,
                unit_price * quantity,
                origin.weight_g,
                product.weight_mean_g,
                product.weight_sd_g,
                product.deposit_minor,
                product.vat_rate_bp,
            )
        )
    lines.sort(key=lambda line: (first[line.line_key].client_time, line.line_key))
    return lines
