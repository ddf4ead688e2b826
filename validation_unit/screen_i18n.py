"""The shopper screen's words in German and English: the language the unit speaks and the lookup.

Texts live in ``locales/<lang>.json`` (flat key → text, ``{name}`` placeholders); a test checks every key and
placeholder exists in every language. The unit's language is ``BASKETCHECK_LANG`` (``de`` or ``en``); unset, it
is English, and ``basketcheck demo`` sets German.
"""

from __future__ import annotations

from pathlib import Path

from backend.domain.locale_texts import LANG_ENV as LANG_ENV  # re-exported: the surfaces' one setting
from backend.domain.locale_texts import LocaleTexts
from backend.domain.locale_texts import placeholders as placeholders

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = ("de", "en")


_TEXTS = LocaleTexts(LOCALES, LANGUAGES)
catalog = _TEXTS.catalog  # every screen text of one language, key → text
screen_language = _TEXTS.language  # the language the screen speaks now
tr = _TEXTS.tr  # the screen text for a key, placeholders filled
