"""Catalog lookups for the app: what a scanned code is and what it costs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import Row

from backend.catalog import resolve
from backend.deps import SessionDep, SettingsDep
from backend.models import Product
from backend.problems import Problem
from backend.schemas import LookupOut, ProductOut

router = APIRouter(prefix="/v1/catalog", tags=["catalog"])


def product_out(product: Product | Row[Any]) -> ProductOut:
    """The product as the API shows it, from an ORM product or a plain row of the products table."""
    return ProductOut.model_validate(product, from_attributes=True)


@router.get("/products/{gtin14}", response_model=ProductOut)
def get_product(gtin14: str, session: SessionDep) -> ProductOut:
    product = session.get(Product, gtin14)
    if product is None:
        raise Problem(404, "unknown-product", f"no product with GTIN {gtin14}")
    return product_out(product)


@router.get("/lookup", response_model=LookupOut)
def lookup(
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, Query(min_length=1, max_length=200)],
    symbology: Annotated[str | None, Query(max_length=40)] = None,
) -> LookupOut:
    resolved = resolve(session, code, symbology, settings.store_scheme(), settings.currency)
    return LookupOut(
        code=code,
        kind=resolved.scanned.kind,
        line_key=resolved.line_key,
        product=product_out(resolved.product),
        weight_g=resolved.scanned.weight_g,
        unit_price_minor=resolved.unit_price_minor,
    )
