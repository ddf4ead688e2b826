"""The shopper app's texts in German and English, and money, times and dates per language."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from scanner_app import app_i18n

APP = Path(app_i18n.__file__).parent


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    english = app_i18n.catalog("en")
    for lang in app_i18n.LANGUAGES:
        texts = app_i18n.catalog(lang)
        assert set(texts) == set(english), lang
        for key, text in texts.items():
            assert app_i18n.placeholders(text) == app_i18n.placeholders(english[key]), f"{lang} {key}"
    same = {k for k, v in app_i18n.catalog("de").items() if v == english[k]}
    assert same <= {"notice.added", "ui.start"}, same  # a copied English file would pass the key test


def test_every_key_the_app_uses_exists() -> None:
    used: set[str] = set()
    for path in [APP / "session.py", APP / "basket_view.py", APP / "receipt_view.py", *APP.glob("ui/*.py")]:
        used |= set(re.findall(r"""\btr\(\s*["']([a-z_.]+)["']""", path.read_text(encoding="utf-8")))
    assert len(used) > 30
    assert used - set(app_i18n.catalog("en")) == set()
    assert set(app_i18n.catalog("en")) - used == set()  # and no text is left over


def test_lookup_fills_placeholders_per_language() -> None:
    assert app_i18n.tr("notice.scanned", "de", code="4006381333931") == "4006381333931 gescannt"
    assert app_i18n.tr("notice.scanned", "en", code="4006381333931") == "Scanned 4006381333931"
    assert app_i18n.tr("no.such.key", "de") == "no.such.key"


@pytest.mark.parametrize(
    ("minor", "lang", "expected"),
    [
        (199, "de", "1,99\xa0€"),
        (199, "en", "€1.99"),
        (123456, "de", "1.234,56\xa0€"),
        (123456, "en", "€1,234.56"),
        (0, "de", "0,00\xa0€"),
        (-250, "de", "-2,50\xa0€"),
    ],
)
def test_money(minor: int, lang: str, expected: str) -> None:
    assert app_i18n.money(minor, "EUR", lang) == expected


@pytest.mark.parametrize(("lang", "date", "time"), [("de", "03.12.2026", "14:05"), ("en", "03/12/2026", "14:05")])
def test_dates_and_24_hour_times(lang: str, date: str, time: str) -> None:
    moment = dt.datetime(2026, 12, 3, 14, 5, 9)
    assert app_i18n.day(moment.date(), lang) == date
    assert app_i18n.clock(moment, lang) == time
    assert app_i18n.clock(dt.time(9, 7), lang) == "09:07"


def test_the_session_speaks_the_apps_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner_app.barcode import QR, Result
    from scanner_app.session import ShopperSession

    monkeypatch.setenv(app_i18n.LANG_ENV, "de")
    session = ShopperSession.__new__(ShopperSession)  # no client or queue needed for this answer
    session.trip_id = None
    notice = session.on_scan(Result(text="https://example.invalid/not-ours", symbology=QR))
    assert notice.text == "Dieser QR-Code gehört weder zu einem Markt noch zu einer Prüfstation"
    assert not notice.ok
