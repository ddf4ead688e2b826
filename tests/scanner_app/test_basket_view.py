"""What the screens show, from plain data."""

from __future__ import annotations

import pytest

from scanner_app.basket_view import basket_view, money, verdict_view, weight


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    # CLDR's en-GB formats (the app's English): a foreign dollar is "US$"; German ones are in test_app_i18n.
    [
        (1234, "EUR", "€12.34"),
        (5, "EUR", "€0.05"),
        (-199, "USD", "-US$1.99"),
        (100, "SEK", "SEK1.00"),
        (199, "JPY", "JP¥199"),
    ],
)
def test_money(minor: int, currency: str, text: str) -> None:
    assert money(minor, currency) == text


def test_weight() -> None:
    assert weight(1250) == "1.250 kg"
    assert weight(180) == "180 g"


def test_basket_view_lines_totals_weights_and_pending() -> None:
    trip = {
        "basket": {
            "lines": [
                {
                    "line_key": "a",
                    "name": "Cola",
                    "quantity": 2,
                    "sold_by": "piece",
                    "unit_price_minor": 199,
                    "total_minor": 398,
                    "weight_g": None,
                },
                {
                    "line_key": "b",
                    "name": "Bananas",
                    "quantity": 1,
                    "sold_by": "weight",
                    "unit_price_minor": 168,
                    "total_minor": 168,
                    "weight_g": 732,
                },
            ],
            "item_count": 3,
            "total_minor": 566,
            "currency": "EUR",
        }
    }
    view = basket_view(trip, pending=1)
    assert [(ln.name, ln.detail, ln.total, ln.can_change_quantity) for ln in view.lines] == [
        ("Cola", "2 × €1.99", "€3.98", True),
        ("Bananas", "732 g at €1.68/kg", "€1.68", False),
    ]
    assert view.total == "€5.66" and view.item_count == 3
    assert view.pending_note.startswith("1 scan waiting")
    assert basket_view(None, 0).lines == [] and basket_view(None, 0).pending_note == ""


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        ("checking_out", "waiting"),
        ("passed", "pass"),
        ("paid", "pass"),
        ("recheck", "recheck"),
        ("flagged", "flag"),
        ("age_check", "age_check"),
        ("abandoned", "closed"),
    ],
)
def test_verdict_view(status: str, stage: str) -> None:
    assert verdict_view(status).stage == stage


def test_verdict_view_speaks_the_apps_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner_app.app_i18n import LANG_ENV

    monkeypatch.setenv(LANG_ENV, "de")
    assert verdict_view("age_check").title == "Alterskontrolle"
    assert verdict_view("paid").title.startswith("Alles in Ordnung")
    monkeypatch.setenv(LANG_ENV, "en")
    assert "ID" in verdict_view("age_check").message


def test_recheck_prompts_are_worded_in_the_apps_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner_app.app_i18n import LANG_ENV

    prompts = [
        {
            "code": "weight_mismatch",
            "message": "The basket weighs 1,890 g more …",
            "key": "weight_more",
            "params": {"grams": 1890, "ask": "check_scanned"},
        },
        {"code": "old_unit", "message": "Scan the gum"},  # an older unit: no key, its own words
    ]
    monkeypatch.setenv(LANG_ENV, "de")
    german = verdict_view("recheck", prompts).prompts
    assert german == (
        "Der Korb wiegt 1.890 g mehr als die gescannten Artikel: "
        "Bitte prüfen Sie, ob jeder Artikel darin gescannt ist.",
        "Scan the gum",
    )
    monkeypatch.setenv(LANG_ENV, "en")
    assert verdict_view("recheck", prompts).prompts[0].startswith("The basket weighs 1,890 g more than the scanned")
