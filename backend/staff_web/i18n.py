"""The staff dashboard's words in German and English: which language a request gets, and the lookup.

The texts live in ``locales/<lang>.json`` (one flat key → text map per language, ``{name}`` placeholders),
so a translator reviews one file and a test checks every key and placeholder exists in every language. The
page scripts get the same map (a JSON data block in the page) and format numbers, money and times with the
browser's ``Intl`` for the page's locale (German: 1,99 €, 14:05, 03.12.2026).
"""

from __future__ import annotations

import json
import os
import re
import string
from functools import cache
from pathlib import Path
from typing import Any

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = {"de": "de-DE", "en": "en-GB"}  # language → the locale the page formats with (24-hour clock)
NAMES = {"de": "Deutsch", "en": "English"}  # each language in its own words, for the switch
DEFAULT_ENV = "BASKETCHECK_LANG"


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every text of one language, key → text."""
    with (LOCALES / f"{lang}.json").open(encoding="utf-8") as f:
        data = json.load(f)
    return {str(k): str(v) for k, v in data.items()}


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields a text needs."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def translate(lang: str, key: str, **params: object) -> str:
    """The text for ``key`` in ``lang`` with its placeholders filled; English, then the key, if it is missing."""
    text = catalog(lang).get(key) or catalog("en").get(key) or key
    return text.format(**params) if params else text


def default_language() -> str:
    """The store's language when a request does not say: ``BASKETCHECK_LANG``, else German."""
    lang = os.environ.get(DEFAULT_ENV, "de").split("-")[0].lower()
    return lang if lang in LANGUAGES else "de"


_RANGE = re.compile(r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def from_accept_language(header: str | None) -> str | None:
    """The best language we have among an Accept-Language header's ranges (RFC 9110 q-values), or None."""
    best: tuple[float, int, str] | None = None
    for index, part in enumerate((header or "").split(",")):
        match = _RANGE.match(part)
        if not match:
            continue
        lang = match.group(1).lower()
        try:
            q = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if lang in LANGUAGES and q > 0 and (best is None or (q, -index) > (best[0], best[1])):
            best = (q, -index, lang)
    return best[2] if best else None


LANG_COOKIE = "basketcheck_lang"


def request_language(request: Any) -> str:
    """The language a staff request gets: ``?lang=``, the remembered cookie, Accept-Language, the store's."""
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
        default_language(),
    )


def choose_language(query: str | None, cookie: str | None, accept_language: str | None, default: str) -> str:
    """The language for a page: an explicit choice (``?lang=``, then the remembered cookie), the browser's
    Accept-Language, then the store's default."""
    for choice in (query, cookie):
        if choice and choice.lower() in LANGUAGES:
            return choice.lower()
    return from_accept_language(accept_language) or default
