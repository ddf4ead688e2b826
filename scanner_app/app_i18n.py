"""The shopper app's words in German and English, and money, times and dates the way each language writes them.

Texts live in ``locales/<lang>.json`` (flat key → text, ``{name}`` placeholders); a test checks every key and
placeholder exists in every language. The language is ``BASKETCHECK_LANG`` (``de`` or ``en``, read each time);
unset, English. Money and dates go through Babel (CLDR data shipped with the package, nothing downloaded):
German ``1,99 €``, ``14:05``, ``03.12.2026``; English ``€1.99``, ``14:05``, ``03/12/2026``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from backend.domain.locale_texts import LANG_ENV as LANG_ENV  # re-exported: the surfaces' one setting
from backend.domain.locale_texts import LocaleTexts
from backend.domain.locale_texts import placeholders as placeholders

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = {"de": "de_DE", "en": "en_GB"}  # language → the CLDR locale it formats with (24-hour clock in both)


_TEXTS = LocaleTexts(LOCALES, LANGUAGES)
catalog = _TEXTS.catalog  # every app text of one language, key → text
app_language = _TEXTS.language  # the language the app speaks now
tr = _TEXTS.tr  # the app text for a key, placeholders filled


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
