"""Receipts of paid trips over HTTP: store details, per-store numbers, VAT summary, deposit, refunds, the PDF."""

from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend import receipt_store
from backend.models import Product, Receipt, Store
from tests.backend.conftest import (
    COLA,
    COLA_CODE,
    COLA_DEPOSIT,
    GUM_CODE,
    STORE_VAT_ID,
    UnitActor,
    checked_out_trip,
    new_shopper,
    new_trip,
    scan,
)
from tests.backend.test_refunds import manager, refund

# 2 × (cola 1.99 + 0.25 deposit) + gum 1.29 = 5.77, all at 19 %: VAT = round(577 × 19 / 119) = 92.
TOTAL, VAT = 2 * (199 + COLA_DEPOSIT) + 129, 92


def paid(client: Any, unit: UnitActor, *codes: str) -> tuple[dict[str, str], str]:
    headers, trip = checked_out_trip(client, unit, *codes)
    response = unit.send_verdict(unit.verdict_body(unit.session(), "PASS"))
    assert response.status_code == 200 and response.json()["trip_status"] == "paid", response.text
    return headers, trip


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_paid_trip_has_a_full_receipt_numbered_per_store(client: TestClient, unit: UnitActor) -> None:
    headers, trip = paid(client, unit, COLA_CODE, COLA_CODE, GUM_CODE)
    receipt = client.get(f"/v1/trips/{trip}/receipt", headers=headers).json()
    assert receipt["number"] == 1 and receipt["issued_at"].endswith(("Z", "+00:00"))  # UTC
    assert receipt["store"] == {
        "store_id": "demo",
        "name": "Demo Store",
        "address_lines": ["Hauptstraße 12", "10115 Berlin"],
        "vat_id": STORE_VAT_ID,
    }
    kinds = [(line["kind"], line["quantity"], line["total_minor"], line["vat_letter"]) for line in receipt["lines"]]
    assert kinds == [("item", 2, 398, "A"), ("deposit", 2, 2 * COLA_DEPOSIT, "A"), ("item", 1, 129, "A")]
    assert receipt["goods_minor"] == 398 + 129 and receipt["deposit_minor"] == 2 * COLA_DEPOSIT
    assert receipt["total_minor"] == TOTAL
    assert receipt["vat_summary"] == [
        {"letter": "A", "rate_bp": 1900, "net_minor": TOTAL - VAT, "vat_minor": VAT, "gross_minor": TOTAL}
    ]
    again = client.get(f"/v1/trips/{trip}/receipt", headers=headers).json()
    assert again == receipt  # the same receipt, not a new number
    headers2, trip2 = paid(client, unit, GUM_CODE)
    assert client.get(f"/v1/trips/{trip2}/receipt", headers=headers2).json()["number"] == 2


def test_the_receipt_is_frozen_when_issued(client: TestClient, unit: UnitActor, migrated_engine) -> None:
    headers, trip = paid(client, unit, COLA_CODE)
    before = client.get(f"/v1/trips/{trip}/receipt", headers=headers).json()
    with Session(migrated_engine) as s, s.begin():
        s.execute(update(Product).where(Product.gtin14 == COLA).values(price_minor=999, deposit_minor=0))
        s.execute(update(Store).where(Store.id == "demo").values(name="Renamed"))
    assert client.get(f"/v1/trips/{trip}/receipt", headers=headers).json() == before


def test_no_receipt_before_payment_and_none_for_strangers(client: TestClient, unit: UnitActor) -> None:
    headers = new_shopper(client)
    trip = new_trip(client, headers)
    scan(client, headers, trip, COLA_CODE)
    response = client.get(f"/v1/trips/{trip}/receipt", headers=headers)
    assert response.status_code == 409 and response.json()["type"].endswith("/not-paid")
    assert client.get(f"/v1/trips/{trip}/receipt.pdf", headers=headers).status_code == 409
    _h, paid_trip = paid(client, unit, COLA_CODE)
    assert client.get(f"/v1/trips/{paid_trip}/receipt", headers=new_shopper(client)).status_code == 404


def test_the_pdf_shows_store_number_vat_summary_and_total(client: TestClient, unit: UnitActor) -> None:
    headers, trip = paid(client, unit, COLA_CODE, COLA_CODE, GUM_CODE)
    response = client.get(f"/v1/trips/{trip}/receipt.pdf", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "Demo Store",
        "Hauptstraße 12",
        "10115 Berlin",
        f"USt-IdNr. {STORE_VAT_ID}",
        "Bon-Nr. 1",
        "Pfand Cola 1.5 L",
        "MwSt.-Übersicht",
        "A 19 % Netto 4,85 €",
        "MwSt. 0,92 €",
        "Brutto 5,77 €",
        "Summe",
    ):
        assert expected in text, (expected, text)
    english = pdf_text(client.get(f"/v1/trips/{trip}/receipt.pdf?lang=en", headers=headers).content)
    for expected in ("Receipt no. 1", "Deposit Cola 1.5 L", "VAT summary", "Total", "€5.77"):
        assert expected in english, (expected, english)


def test_a_refunded_trip_keeps_its_receipt_and_shows_the_refunds(app, client: TestClient, unit: UnitActor) -> None:
    headers, trip = paid(client, unit, COLA_CODE, GUM_CODE)
    mia = manager(app)
    assert refund(mia, trip, {"amount_minor": 100, "reason": "dented"}).status_code == 200
    receipt = client.get(f"/v1/trips/{trip}/receipt", headers=headers).json()
    assert receipt["payment_status"] == "partially_refunded" and receipt["number"] == 1
    assert [r["amount_minor"] for r in receipt["refunds"]] == [100] and receipt["refunded_minor"] == 100
    assert refund(mia, trip, {"reason": "the rest"}).status_code == 200
    receipt = client.get(f"/v1/trips/{trip}/receipt", headers=headers).json()
    assert receipt["payment_status"] == "refunded" and receipt["refunded_minor"] == 199 + COLA_DEPOSIT + 129
    assert "Erstattungen" in pdf_text(client.get(f"/v1/trips/{trip}/receipt.pdf", headers=headers).content)


def test_a_receipt_missing_after_capture_is_issued_on_request(client: TestClient, unit: UnitActor, migrated_engine):  # type: ignore[no-untyped-def]
    headers, trip = paid(client, unit, GUM_CODE)
    with Session(migrated_engine) as s, s.begin():  # as if the process died between capture and receipt
        s.execute(delete(Receipt))
    assert client.get(f"/v1/trips/{trip}/receipt", headers=headers).json()["number"] == 2  # 1 is spent


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="needs PostgreSQL in DATABASE_URL"
)
def test_concurrent_receipts_get_distinct_consecutive_numbers(client: TestClient, unit: UnitActor, migrated_engine):  # type: ignore[no-untyped-def]
    trips = [paid(client, unit, GUM_CODE)[1] for _ in range(8)]
    with Session(migrated_engine) as s, s.begin():  # start over: none issued yet
        s.execute(delete(Receipt))
        s.execute(update(Store).where(Store.id == "demo").values(last_receipt_number=0))
    make_session = sessionmaker(migrated_engine)
    asks = trips * 3  # every trip asked for three times at once

    with ThreadPoolExecutor(max_workers=12) as pool:
        rows = list(pool.map(lambda trip: receipt_store.ensure(make_session, trip), asks))
    numbers = {trip: set() for trip in trips}  # type: dict[str, set[int]]
    for trip, row in zip(asks, rows, strict=True):
        assert row is not None
        numbers[trip].add(row.number)
    assert all(len(n) == 1 for n in numbers.values()), numbers  # one number per trip
    assert sorted(n.pop() for n in numbers.values()) == list(range(1, 9))
    with Session(migrated_engine) as s:
        assert s.scalar(select(func.count(Receipt.id))) == 8
        assert s.scalar(select(Store.last_receipt_number).where(Store.id == "demo")) == 8


def test_a_receipt_the_catalog_cannot_make_is_a_clear_409_and_comes_once_fixed(  # type: ignore[no-untyped-def]
    client: TestClient, unit: UnitActor, migrated_engine
):
    headers, trip = paid(client, unit, GUM_CODE)
    with Session(migrated_engine) as s, s.begin():  # the receipt was not issued, and the catalog went bad meanwhile
        s.execute(delete(Receipt))
        s.execute(update(Product).values(vat_rate_bp=25_000))
    refused = client.get(f"/v1/trips/{trip}/receipt", headers=headers)
    assert refused.status_code == 409 and refused.json()["type"].endswith("receipt-unavailable")
    assert "VAT rate" in refused.json()["detail"] and "payment is not affected" in refused.json()["detail"]
    assert client.get(f"/v1/trips/{trip}/receipt.pdf", headers=headers).status_code == 409
    with Session(migrated_engine) as s, s.begin():
        s.execute(update(Product).values(vat_rate_bp=700))
    assert client.get(f"/v1/trips/{trip}/receipt", headers=headers).status_code == 200
