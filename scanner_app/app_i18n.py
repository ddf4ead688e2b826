"""The shopper app's words in German and English, and money, times and dates the way each language writes them.

Texts live in ``locales/<lang>.json`` (flat key → text, ``{name}`` placeholders); a test checks every key and
placeholder exists in every language. The language is ``BASKETCHECK_LANG`` (``de`` or ``en``, read each time);
unset, English. Money and dates go through Babel (CLDR data shipped with the package, nothing downloaded):
German ``1,99 €``, ``14:05``, ``03.12.2026``; English ``€1.99``, ``14:05``, ``03/12/2026``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import string
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = {"de": "de_DE", "en": "en_GB"}  # language → the CLDR locale it formats with (24-hour clock in both)
LANG_ENV = "BASKETCHECK_LANG"


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every app text of one language, key → text."""
    with (LOCALES / f"{lang}.json").open(encoding="utf-8") as f:
        return {str(k): str(v) for k, v in json.load(f).items()}


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields a text needs."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def app_language() -> str:
    """The language the app speaks now."""
    lang = os.environ.get(LANG_ENV, "en").split("-")[0].split("_")[0].lower()
    return lang if lang in LANGUAGES else "en"


def tr(key: str, lang: str | None = None, **params: object) -> str:
    """The app text for ``key`` in ``lang`` (the app's language by default), placeholders filled."""
    text = catalog(lang or app_language()).get(key) or catalog("en").get(key) or key
    return text.format(**params) if params else text


def money(minor: int, currency: str = "EUR", lang: str | None = None) -> str:
    """Integer cents as the shopper's language writes money: ``1,99 €`` in German, ``€1.99`` in English."""
    from decimal import Decimal

    from babel.numbers import format_currency

    from backend.domain.money import currency_exponent

    # Decimal, never float: the amount shown is exactly the integer minor units (EUR 2 digits, JPY 0, KWD 3).
    amount = Decimal(minor).scaleb(-currency_exponent(currency))
    return format_currency(amount, currency, locale=LANGUAGES[lang or app_language()])


def clock(moment: dt.datetime | dt.time, lang: str | None = None) -> str:
    """A time of day on the 24-hour clock: ``14:05``."""
    from babel.dates import format_time

    return format_time(moment, "HH:mm", locale=LANGUAGES[lang or app_language()])


def day(date: dt.date, lang: str | None = None) -> str:
    """A date: ``03.12.2026`` in German, ``03/12/2026`` in English."""
    from babel.dates import format_date

    return format_date(date, "dd.MM.yyyy" if (lang or app_language()) == "de" else "dd/MM/yyyy", locale="en_GB")
