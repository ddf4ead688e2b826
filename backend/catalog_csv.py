"""The catalog CSV a store exports from its ERP: parsing and validation, all rows or none.

Required columns: ``gtin``, ``name``, ``price_minor``, ``currency``, ``sold_by`` (``piece`` or ``weight``),
``weight_mean_g``, ``weight_sd_g``. Optional: ``brand``, ``plu``. Any other column is kept as a product
attribute (packaging, size, look hints). Every bad row is reported with its line, column and reason.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

from backend.domain.gs1 import GS1Error, StoreScheme, validate_gtin
from backend.domain.money import MoneyError, currency_exponent

REQUIRED = ("gtin", "name", "price_minor", "currency", "sold_by", "weight_mean_g", "weight_sd_g")
KNOWN = (*REQUIRED, "brand", "plu")


@dataclass(frozen=True)
class CatalogRow:
    line: int
    gtin14: str
    name: str
    brand: str
    price_minor: int
    currency: str
    sold_by: str
    weight_mean_g: float
    weight_sd_g: float
    plu: str | None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


class CatalogError(ValueError):
    """The file cannot be imported; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the catalog; first: {errors[0]}")


def _attribute(value: str) -> Any:
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            continue
    return value


def parse_catalog(text: str, *, store_scheme: StoreScheme | None = None) -> list[CatalogRow]:
    """Parse and check the whole file; raises :class:`CatalogError` listing every bad row."""
    errors: list[RowError] = []
    rows: list[CatalogRow] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CatalogError([RowError(1, c, "required column is missing") for c in missing])
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            errors.append(RowError(line, "-", f"{len(record[None])} more field(s) than the header has"))
            continue

        def bad(column: str, reason: str, line: int = line) -> None:
            errors.append(RowError(line, column, reason))

        values = {k: (v or "").strip() for k, v in record.items()}
        try:
            gtin14 = validate_gtin(values["gtin"])
        except GS1Error as exc:
            bad("gtin", str(exc))
            gtin14 = ""
        if gtin14 and gtin14 in seen:
            bad("gtin", f"duplicate of line {seen[gtin14]}")
        elif gtin14:
            seen[gtin14] = line
        name = values["name"]
        if not name:
            bad("name", "empty")
        currency = values["currency"].upper()
        try:
            currency_exponent(currency)
        except MoneyError as exc:
            bad("currency", str(exc))
        price_minor = 0
        try:
            price_minor = int(values["price_minor"])
            if price_minor < 0:
                bad("price_minor", "negative price")
        except ValueError:
            bad("price_minor", f"{values['price_minor']!r} is not a whole number of minor units (cents)")
        sold_by = values["sold_by"].lower()
        if sold_by not in ("piece", "weight"):
            bad("sold_by", f"{values['sold_by']!r}: expected 'piece' or 'weight'")
        mean = sd = 0.0
        for column in ("weight_mean_g", "weight_sd_g"):
            try:
                number = float(values[column])
                if not math.isfinite(number) or number < 0:
                    raise ValueError
            except ValueError:
                bad(column, f"{values[column]!r} is not a non-negative number of grams")
                continue
            if column == "weight_mean_g":
                mean = number
            else:
                sd = number
        if sold_by == "piece" and mean <= 0 and "weight_mean_g" not in {e.column for e in errors if e.line == line}:
            bad("weight_mean_g", "a product sold by piece needs its mean weight")
        plu = values.get("plu") or None
        if sold_by == "weight" and gtin14 and store_scheme is not None:
            code13 = gtin14[1:]
            scheme = store_scheme.scheme_for(code13) if gtin14.startswith("0") else None
            if scheme is None:
                bad("gtin", "a product sold by weight needs a variable-measure item key (prefix 20–29) of the store")
            elif scheme.item_gtin14(scheme.parse(code13).item_reference) != gtin14:
                bad("gtin", "a variable-measure item key must have its measure digits set to zero")
        attributes = {k: _attribute(v) for k, v in values.items() if k not in KNOWN and k and v != ""}
        rows.append(
            CatalogRow(
                line, gtin14, name, values.get("brand", ""), price_minor, currency, sold_by, mean, sd, plu, attributes
            )
        )
    if errors:
        raise CatalogError(errors)
    if not rows:
        raise CatalogError([RowError(1, "-", "the file has a header but no products")])
    return rows
