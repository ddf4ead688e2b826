"""A receipt from the backend (``GET /v1/trips/{id}/receipt``) as the rows the receipt screen shows: store,
number, lines with their VAT letter, the deposit (Pfand), the VAT summary per rate, the total, refunds.

Pure: JSON in, (left, right, bold) text rows out, in the app's language (money and dates via app_i18n)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, NamedTuple

from scanner_app.app_i18n import clock, day, money, tr


class Row(NamedTuple):
    left: str
    right: str = ""
    bold: bool = False


def rate(rate_bp: int) -> str:
    """19 % / 7 % (basis points shown as percent, no float)."""
    return f"{Decimal(rate_bp).scaleb(-2).normalize():f} %"


def _when(iso: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso[:16].replace("T", " ")
    return f"{day(moment.date())} {clock(moment)}"


def receipt_rows(receipt: dict[str, Any]) -> list[Row]:
    cur = str(receipt["currency"])
    rows: list[Row] = []
    store = receipt.get("store") or {}
    rows.append(Row(str(store.get("name") or receipt["store_id"]), bold=True))
    rows.extend(Row(str(a)) for a in store.get("address_lines", []))
    if store.get("vat_id"):
        rows.append(Row(tr("ui.vat_id", vat_id=store["vat_id"])))
    rows.append(
        Row(
            tr("ui.receipt_number", number=receipt.get("number", "")),
            _when(str(receipt.get("issued_at") or receipt["paid_at"])),
        )
    )
    for line in receipt["lines"]:
        name = tr("ui.deposit_of", name=line["name"]) if line.get("kind") == "deposit" else line["name"]
        rows.append(
            Row(
                f"{line['quantity']} × {name}",
                f"{money(int(line['total_minor']), cur)} {line.get('vat_letter', '')}".strip(),
            )
        )
    if receipt.get("deposit_minor"):
        rows.append(Row(tr("ui.deposit_total"), money(int(receipt["deposit_minor"]), cur)))
    rows.append(Row(tr("ui.receipt_total"), money(int(receipt["total_minor"]), cur), bold=True))
    for vat in receipt.get("vat_summary", []):
        rows.append(
            Row(
                tr(
                    "ui.vat_row",
                    letter=vat["letter"],
                    rate=rate(int(vat["rate_bp"])),
                    net=money(int(vat["net_minor"]), cur),
                ),
                tr("ui.vat_amount", vat=money(int(vat["vat_minor"]), cur)),
            )
        )
    if receipt.get("refunded_minor"):
        rows.append(Row(tr("ui.refunded"), f"−{money(int(receipt['refunded_minor']), cur)}", bold=True))
    return rows
