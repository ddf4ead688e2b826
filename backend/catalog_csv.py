"""The catalog CSV a store exports from its ERP: parsing and validation, all rows or none.

Required columns: ``gtin``, ``name``, ``price_minor``, ``currency``, ``sold_by`` (``piece`` or ``weight``),
``weight_mean_g``, ``weight_sd_g``. Optional: ``brand``, ``plu``, ``vat_rate`` (percent: ``19``, ``7``, ``7,0``),
``deposit_minor`` (Pfand per piece, minor units), ``age_min`` (minimum age to buy: 16, 18). Any other column is
kept as a product attribute (packaging, size, look hints). Every bad row is reported with its line, column and reason.

The dialect is detected, not assumed: a German Excel "CSV (Trennzeichen-getrennt)" file has semicolons between
fields, commas as the decimal mark (``1580,5``), sometimes dots between thousands (``1.580,5``), and is saved
in Windows-1252 rather than UTF-8. :func:`decode_catalog` turns the file's bytes into text (UTF-8 with or
without a byte-order mark, else Windows-1252); :func:`detect_dialect` picks the delimiter that splits the
header into the required columns, and the decimal mark from the numbers themselves.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any

from backend.age_check import parse_age_min
from backend.domain.gs1 import GS1Error, StoreScheme, validate_gtin
from backend.domain.money import MoneyError, currency_exponent
from backend.receipts import ReceiptError, parse_vat_rate

REQUIRED = ("gtin", "name", "price_minor", "currency", "sold_by", "weight_mean_g", "weight_sd_g")
OPTIONAL = ("brand", "plu", "vat_rate", "deposit_minor", "age_min")
KNOWN = (*REQUIRED, *OPTIONAL)
NUMBER_COLUMNS = ("price_minor", "weight_mean_g", "weight_sd_g")
DELIMITERS = (",", ";", "\t", "|")
# What Excel makes of a long number it was not told is text: 4006381333931 becomes 4,00638E+12 (or 4.00638E+12).
_SCIENTIFIC = re.compile(r"^\d[.,]\d+E\+\d+$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one catalog file writes fields and numbers."""

    delimiter: str = ","
    decimal: str = "."  # the decimal mark; with "," a dot may group thousands (1.580,5)

    def describe(self) -> str:
        names = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars"}
        return f"fields separated by {names[self.delimiter]}, decimal {'comma' if self.decimal == ',' else 'point'}"


def decode_catalog(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252 as German Excel saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")


def _header_fields(line: str, delimiter: str) -> list[str]:
    return [f.strip().lower() for f in next(csv.reader([line], delimiter=delimiter), [])]


def detect_dialect(text: str) -> Dialect:
    """The delimiter that splits the header into the most required columns; the decimal mark from the numbers."""
    lines = text.lstrip("\ufeff").splitlines()
    header = lines[0] if lines else ""
    delimiter = max(DELIMITERS, key=lambda d: (sum(c in _header_fields(header, d) for c in REQUIRED), d == ","))
    decimal = "."
    if delimiter != ",":
        # A comma inside a number field can only be a decimal mark when commas do not separate fields.
        reader = csv.DictReader(
            io.StringIO("\n".join(lines[1:])), fieldnames=_header_fields(header, delimiter), delimiter=delimiter
        )
        for record in reader:
            if any("," in (record.get(c) or "") for c in NUMBER_COLUMNS):
                decimal = ","
                break
    return Dialect(delimiter, decimal)


def _plain_number(text: str, dialect: Dialect) -> str:
    """``text`` with the decimal mark as a point and no thousands grouping (``1.580,5`` → ``1580.5``)."""
    if dialect.decimal != ",":
        return text
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d*)?", text):
        text = text.replace(".", "")
    return text.replace(",", ".")


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
    vat_rate_bp: int | None = None  # basis points (1900 = 19 %); None: the file has no rate for it
    deposit_minor: int = 0
    age_min: int | None = None


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


def _attribute(value: str, dialect: Dialect) -> Any:
    number = _plain_number(value, dialect)
    for cast in (int, float):
        try:
            return cast(number)
        except ValueError:
            continue
    return value  # text stays as written (a comma in it is no decimal mark)


def parse_catalog(
    text: str, *, store_scheme: StoreScheme | None = None, dialect: Dialect | None = None
) -> list[CatalogRow]:
    """Parse and check the whole file; raises :class:`CatalogError` listing every bad row.

    ``dialect`` is detected from the text when not given (:func:`detect_dialect`).
    """
    errors: list[RowError] = []
    rows: list[CatalogRow] = []
    text = text.lstrip("\ufeff")
    dialect = dialect or detect_dialect(text)
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect.delimiter)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        found = ", ".join(repr(h) for h in header[:4]) or "nothing"
        reason = f"required column is missing (read the header as {found}; {dialect.describe()})"
        raise CatalogError([RowError(1, c, reason) for c in missing])
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            errors.append(RowError(line, "-", f"{len(record[None])} more field(s) than the header has"))
            continue

        def bad(column: str, reason: str, line: int = line) -> None:
            errors.append(RowError(line, column, reason))

        values = {k: (v or "").strip() for k, v in record.items()}
        raw = dict(values)  # as written, for the messages
        for column in NUMBER_COLUMNS:
            values[column] = _plain_number(values[column], dialect)
        gtin14 = ""
        if _SCIENTIFIC.match(values["gtin"]):
            bad("gtin", f"{values['gtin']!r}: the spreadsheet turned the GTIN into a number; format the column as text")
        else:
            try:
                gtin14 = validate_gtin(values["gtin"])
            except GS1Error as exc:
                bad("gtin", str(exc))
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
            bad("price_minor", f"{raw['price_minor']!r} is not a whole number of minor units (cents)")
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
                bad(column, f"{raw[column]!r} is not a non-negative number of grams")
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
        vat_rate_bp = deposit_minor = age_min = None
        if values.get("vat_rate"):
            try:
                vat_rate_bp = parse_vat_rate(values["vat_rate"])
            except ReceiptError as exc:
                bad("vat_rate", str(exc))
        if values.get("deposit_minor"):
            try:
                deposit_minor = int(values["deposit_minor"])
                if deposit_minor < 0:
                    raise ValueError
            except ValueError:
                bad("deposit_minor", f"{raw['deposit_minor']!r} is not a non-negative whole number of minor units")
        if values.get("age_min"):
            try:
                age_min = parse_age_min(values["age_min"])
            except ValueError as exc:
                bad("age_min", str(exc))
        attributes = {k: _attribute(v, dialect) for k, v in values.items() if k not in KNOWN and k and v != ""}
        rows.append(
            CatalogRow(
                line,
                gtin14,
                name,
                values.get("brand", ""),
                price_minor,
                currency,
                sold_by,
                mean,
                sd,
                plu,
                attributes,
                vat_rate_bp=vat_rate_bp,
                deposit_minor=deposit_minor or 0,
                age_min=age_min,
            )
        )
    if errors:
        raise CatalogError(errors)
    if not rows:
        raise CatalogError([RowError(1, "-", "the file has a header but no products")])
    return rows
