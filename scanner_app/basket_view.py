"""What the shopper's screens show, computed from the backend's trip and the local queue: pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def money(minor: int, currency: str = "EUR") -> str:
    """Integer cents as the shopper's language writes them: ``€12.34`` in English, ``12,34 €`` in German."""
    from scanner_app.app_i18n import money as localised

    return localised(minor, currency)


def weight(grams: int) -> str:
    """``weight(1250) == "1.250 kg"``, ``weight(180) == "180 g"``."""
    return f"{grams / 1000:.3f} kg" if grams >= 1000 else f"{grams} g"


@dataclass(frozen=True)
class LineView:
    """One basket row."""

    line_key: str
    name: str
    quantity: int
    detail: str  # "2 × €1.99" or "0.732 kg at €2.29/kg"
    total: str
    can_change_quantity: bool  # a weighed line is one label: its quantity is not +/−


@dataclass(frozen=True)
class BasketView:
    """The basket screen: rows, totals and what is still waiting to reach the backend."""

    lines: list[LineView]
    item_count: int
    total: str
    pending: int
    pending_note: str  # "" when everything is synced


def line_view(line: dict[str, Any], currency: str) -> LineView:
    weighed = line.get("weight_g") is not None
    if weighed:
        per = "/kg" if line.get("sold_by") == "weight" else ""
        detail = f"{weight(int(line['weight_g']))} at {money(int(line['unit_price_minor']), currency)}{per}"
    else:
        detail = f"{line['quantity']} × {money(int(line['unit_price_minor']), currency)}"
    return LineView(
        line_key=str(line["line_key"]),
        name=str(line["name"]),
        quantity=int(line["quantity"]),
        detail=detail,
        total=money(int(line["total_minor"]), currency),
        can_change_quantity=not weighed,
    )


def basket_view(trip: dict[str, Any] | None, pending: int) -> BasketView:
    """The basket as the backend last confirmed it, with the count of scans not yet sent."""
    basket = (trip or {}).get("basket") or {"lines": [], "item_count": 0, "total_minor": 0, "currency": "EUR"}
    currency = str(basket.get("currency", "EUR"))
    note = ""
    if pending:
        note = f"{pending} scan{'s' if pending != 1 else ''} waiting to sync: the total will update when online"
    return BasketView(
        lines=[line_view(line, currency) for line in basket["lines"]],
        item_count=int(basket["item_count"]),
        total=money(int(basket["total_minor"]), currency),
        pending=pending,
        pending_note=note,
    )


@dataclass(frozen=True)
class VerdictView:
    """The checkout screen's message for a trip status."""

    stage: str  # "waiting" | "pass" | "recheck" | "flag" | "closed"
    title: str
    message: str
    prompts: tuple[str, ...] = ()  # a re-check: what the unit asks the shopper to fix, in plain words


def verdict_view(status: str, prompts: list[dict[str, Any]] | None = None) -> VerdictView:
    """What the shopper sees while the unit checks the basket, and after its verdict (in the app's language)."""
    from backend.domain.reasons import word
    from scanner_app.app_i18n import app_language, tr

    if status in ("shopping", "checking_out"):
        return VerdictView("waiting", tr("verdict.waiting_title"), tr("verdict.waiting_text"))
    if status in ("paid", "passed", "completed"):
        return VerdictView("pass", tr("verdict.pass_title"), tr("verdict.pass_text"))
    if status == "recheck":
        return VerdictView(
            "recheck",
            tr("verdict.recheck_title"),
            tr("verdict.recheck_text"),
            tuple(text for text in (word(p, app_language()) for p in prompts or ()) if text),
        )
    if status == "flagged":
        return VerdictView("flag", tr("verdict.flag_title"), tr("verdict.flag_text"))
    if status == "age_check":
        return VerdictView("age_check", tr("verdict.age_check_title"), tr("verdict.age_check_text"))
    return VerdictView("closed", tr("verdict.closed_title", status=status), tr("verdict.closed_text"))
