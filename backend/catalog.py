"""The product catalog in the database: import a parsed CSV, and look up what a scanned code is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from backend.basket import ProductInfo, line_price
from backend.catalog_csv import CatalogRow
from backend.domain.gs1 import GS1Error, ScannedCode, StoreScheme, parse_scanned
from backend.models import Product, utcnow
from backend.problems import Problem


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    unchanged: int


def import_rows(session: Session, rows: list[CatalogRow]) -> ImportReport:
    """Insert or update every row in the caller's transaction (the caller commits all or nothing)."""
    existing = {
        p.gtin14: p for p in session.scalars(select(Product).where(Product.gtin14.in_([r.gtin14 for r in rows])))
    }
    added = updated = unchanged = 0
    for row in rows:
        values = {
            "name": row.name,
            "brand": row.brand,
            "price_minor": row.price_minor,
            "currency": row.currency,
            "sold_by": row.sold_by,
            "weight_mean_g": row.weight_mean_g,
            "weight_sd_g": row.weight_sd_g,
            "plu": row.plu,
            "attributes": row.attributes,
            "vat_rate_bp": row.vat_rate_bp,
            "deposit_minor": row.deposit_minor,
            "age_min": row.age_min,
        }
        product = existing.get(row.gtin14)
        if product is None:
            session.add(Product(gtin14=row.gtin14, **values))
            added += 1
        elif any(getattr(product, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(product, k, v)
            product.updated_at = utcnow()
            updated += 1
        else:
            unchanged += 1
    session.flush()
    return ImportReport(added, updated, unchanged)


def product_info(product: Product | Row[Any]) -> ProductInfo:
    """The fields a basket needs, from an ORM product or a plain row of the products table."""
    return ProductInfo(
        product.name,
        product.price_minor,
        product.sold_by,
        product.weight_mean_g,
        product.weight_sd_g,
        product.deposit_minor or 0,
        product.vat_rate_bp,
    )


@dataclass(frozen=True)
class Resolved:
    scanned: ScannedCode
    product: Product | Row[Any]  # a plain row of the products table when resolved for a scan
    line_key: str
    unit_price_minor: int


def line_key_for(scanned: ScannedCode) -> str:
    """Lines group identical items: one per GTIN, or per GTIN and measure for weighed or priced labels."""
    if scanned.weight_g is not None:
        return f"{scanned.gtin14}:w{scanned.weight_g}"
    if scanned.price_minor is not None:
        return f"{scanned.gtin14}:p{scanned.price_minor}"
    return scanned.gtin14


# A scan's product lookup: a prebuilt Core statement returning a plain row (every column of the table, so the
# row reads like a Product), which costs a fraction of building the statement and an ORM object every time.
_PRODUCT_ROW = select(Product.__table__).where(Product.__table__.c.gtin14 == bindparam("gtin14"))


def resolve(
    session: Session, code: str, symbology: str | None, scheme: StoreScheme, currency: str, *, row: bool = False
) -> Resolved:
    """The product a scanned code stands for, or a 4xx problem saying why it is not one.

    ``row``: the product as a plain row of the products table instead of an ORM object (the scan path)."""
    try:
        scanned = parse_scanned(code, symbology=symbology, store_scheme=scheme, currency=currency)
    except GS1Error as exc:
        raise Problem(422, "invalid-barcode", str(exc), code=code) from None
    product: Product | Row[Any] | None
    if row:
        product = session.execute(_PRODUCT_ROW, {"gtin14": scanned.gtin14}).first()
    else:
        product = session.get(Product, scanned.gtin14)
    if product is None:
        raise Problem(404, "unknown-product", f"no product with GTIN {scanned.gtin14} in the catalog", code=code)
    if product.sold_by == "weight" and scanned.weight_g is None and scanned.price_minor is None:
        raise Problem(
            422, "measure-missing", f"{product.name} is sold by weight: scan the label with its weight", code=code
        )
    if scanned.weight_g == 0:
        raise Problem(422, "measure-missing", f"the label of {product.name} carries no weight (0 g)", code=code)
    price = line_price(product_info(product), scanned.weight_g, scanned.price_minor)
    return Resolved(scanned, product, line_key_for(scanned), price)
