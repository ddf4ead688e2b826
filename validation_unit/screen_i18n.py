"""The shopper screen's words in German and English: the language the unit speaks and the lookup.

Texts live in ``locales/<lang>.json`` (flat key → text, ``{name}`` placeholders); a test checks every key and
placeholder exists in every language. The unit's language is ``BASKETCHECK_LANG`` (``de`` or ``en``); unset, it
is English, and ``basketcheck demo`` sets German.
"""

from __future__ import annotations

import json
import os
import string
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = ("de", "en")
LANG_ENV = "BASKETCHECK_LANG"


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every screen text of one language, key → text."""
    with (LOCALES / f"{lang}.json").open(encoding="utf-8") as f:
        return {str(k): str(v) for k, v in json.load(f).items()}


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields a text needs."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def screen_language() -> str:
    """The language the screen speaks now (read each time, so a changed setting shows on the next state)."""
    lang = os.environ.get(LANG_ENV, "en").split("-")[0].split("_")[0].lower()
    return lang if lang in LANGUAGES else "en"


def tr(key: str, lang: str | None = None, **params: object) -> str:
    """The screen text for ``key`` in ``lang`` (the unit's language by default), placeholders filled."""
    texts = catalog(lang or screen_language())
    text = texts.get(key) or catalog("en").get(key) or key
    return text.format(**params) if params else text
