"""A receipt as a PDF (reportlab, standard Helvetica: its WinAnsi encoding prints € and umlauts), and the
receipt texts in German (default) or English from backend/receipt_locales."""

from __future__ import annotations

import functools
import io
import json
from decimal import Decimal
from importlib import resources

from babel.numbers import format_currency, format_decimal, get_currency_precision
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from backend.schemas_units import ReceiptOut

LANGUAGES = {"de": "de_DE", "en": "en_GB"}
DEFAULT_LANGUAGE = "de"
WIDTH = 80 * mm  # a till roll
MARGIN = 5 * mm
LINE = 4.2 * mm


@functools.cache
def texts(lang: str) -> dict[str, str]:
    data = resources.files("backend").joinpath("receipt_locales", f"{lang}.json").read_text(encoding="utf-8")
    result: dict[str, str] = json.loads(data)
    return result


def language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def money(minor: int, currency: str, lang: str) -> str:
    amount = Decimal(minor).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale=LANGUAGES[lang])


def rate(rate_bp: int, lang: str) -> str:
    return f"{format_decimal(Decimal(rate_bp).scaleb(-2), locale=LANGUAGES[lang])} %"


def render(receipt: ReceiptOut, lang: str | None = None) -> bytes:
    """The receipt as a one-page PDF, as tall as its content."""
    lang = language(lang)
    t = texts(lang)
    rows: list[tuple[str, str, str]] = []  # (left, right, style): style "b" bold, "" normal, "c" centred

    def row(left: str, right: str = "", style: str = "") -> None:
        rows.append((left, right, style))

    cur = receipt.currency
    store = receipt.store
    if store is not None:
        row(store.name, "", "cb")
        for address_line in store.address_lines:
            row(address_line, "", "c")
        if store.vat_id:
            row(f"{t['vat_id']} {store.vat_id}", "", "c")
    row("")
    row(t["title"], "", "b")
    row(f"{t['receipt_number']} {receipt.number}")
    issued = receipt.issued_at or receipt.paid_at
    row(f"{t['date']} {issued.strftime('%Y-%m-%d %H:%M:%S')}")
    row("")
    for line in receipt.lines:
        name = f"{t['deposit']} {line.name}" if line.kind == "deposit" else line.name
        if line.quantity > 1:
            name = f"{line.quantity} × {name}"
        row(name[:38], f"{money(line.total_minor, cur, lang)} {line.vat_letter}")
    row("")
    if receipt.deposit_minor:
        row(t["goods"], money(receipt.goods_minor, cur, lang))
        row(t["deposit_total"], money(receipt.deposit_minor, cur, lang))
    row(t["total"], money(receipt.total_minor, cur, lang), "b")
    row("")
    row(t["vat_summary"], "", "b")
    for vat in receipt.vat_summary:
        row(f"{vat.letter} {rate(vat.rate_bp, lang)} {t['net']} {money(vat.net_minor, cur, lang)}")
        row(f"   {t['vat']} {money(vat.vat_minor, cur, lang)}", f"{t['gross']} {money(vat.gross_minor, cur, lang)}")
    row("")
    row(t["paid_by_card"], money(receipt.total_minor, cur, lang))
    if receipt.payment_reference:
        row(f"{t['reference']} {receipt.payment_reference}")
    if receipt.refunds:
        row("")
        row(t["refunds"], "", "b")
        for refund in receipt.refunds:
            row(refund.at.strftime("%Y-%m-%d %H:%M"), f"-{money(refund.amount_minor, cur, lang)}")
        row(t["refunded"], f"-{money(receipt.refunded_minor, cur, lang)}")
    row("")
    row(t["thanks"], "", "c")

    height = 2 * MARGIN + LINE * len(rows)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(WIDTH, height))
    pdf.setTitle(f"{t['title']} {receipt.number}")
    y = height - MARGIN - LINE * 0.8
    for left, right, style in rows:
        pdf.setFont("Helvetica-Bold" if "b" in style else "Helvetica", 8)
        if "c" in style:
            pdf.drawCentredString(WIDTH / 2, y, left)
        else:
            pdf.drawString(MARGIN, y, left)
        if right:
            pdf.drawRightString(WIDTH - MARGIN, y, right)
        y -= LINE
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
