"""The receipt screen's rows from a backend receipt, in German (the demo default) and English."""

from __future__ import annotations

import pytest

from scanner_app.app_i18n import LANG_ENV
from scanner_app.receipt_view import Row, rate, receipt_rows

RECEIPT = {
    "trip_id": "t1",
    "store_id": "demo",
    "paid_at": "2026-12-03T13:05:00+00:00",
    "issued_at": "2026-12-03T13:05:00+00:00",
    "number": 42,
    "currency": "EUR",
    "store": {"store_id": "demo", "name": "Demo Markt", "address_lines": ["Hauptstraße 12"], "vat_id": "DE123456789"},
    "lines": [
        {"kind": "item", "name": "Cola 1.5 L", "quantity": 2, "total_minor": 398, "vat_letter": "A", "weight_g": None},
        {
            "kind": "deposit",
            "name": "Cola 1.5 L",
            "quantity": 2,
            "total_minor": 50,
            "vat_letter": "A",
            "weight_g": None,
        },
        {"kind": "item", "name": "Bananen", "quantity": 1, "total_minor": 286, "vat_letter": "B", "weight_g": 1250},
    ],
    "goods_minor": 684,
    "deposit_minor": 50,
    "total_minor": 734,
    "vat_summary": [
        {"letter": "A", "rate_bp": 1900, "net_minor": 376, "vat_minor": 72, "gross_minor": 448},
        {"letter": "B", "rate_bp": 700, "net_minor": 267, "vat_minor": 19, "gross_minor": 286},
    ],
    "refunded_minor": 0,
}


def test_german_receipt_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LANG_ENV, "de")
    rows = receipt_rows(RECEIPT)
    assert rows[0] == Row("Demo Markt", bold=True) and Row("USt-IdNr. DE123456789") in rows
    assert rows[3].left == "Bon-Nr. 42"
    assert Row("2 × Pfand Cola 1.5 L", "0,50\u00a0€ A") in rows and Row("Pfand gesamt", "0,50\u00a0€") in rows
    assert Row("Summe", "7,34\u00a0€", bold=True) in rows
    assert Row("A 19 % netto 3,76\u00a0€", "MwSt. 0,72\u00a0€") in rows
    assert Row("B 7 % netto 2,67\u00a0€", "MwSt. 0,19\u00a0€") in rows


def test_english_receipt_rows_and_refunds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LANG_ENV, "en")
    rows = receipt_rows({**RECEIPT, "refunded_minor": 100})
    assert Row("2 × Deposit Cola 1.5 L", "€0.50 A") in rows and Row("Total", "€7.34", bold=True) in rows
    assert Row("Refunded", "−€1.00", bold=True) in rows
    assert rate(1900) == "19 %" and rate(750) == "7.5 %"
