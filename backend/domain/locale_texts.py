"""One surface's words in several languages: JSON locale files, the language in force, and the lookup.

Each surface (the unit's screen, the shopper app) keeps ``locales/<lang>.json`` beside its code: a flat
key → text map with ``{name}`` placeholders. Pure apart from reading those files (once each) and the
``BASKETCHECK_LANG`` environment variable (read on every call, so a changed setting shows on the next text).
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Iterable
from functools import cache
from pathlib import Path

LANG_ENV = "BASKETCHECK_LANG"


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields a text needs."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


class LocaleTexts:
    """The texts in ``folder`` for ``languages``; a missing key falls back to ``fallback``, then to the key."""

    def __init__(self, folder: Path, languages: Iterable[str], fallback: str = "en") -> None:
        self.folder = folder
        self.languages = tuple(languages)
        self.fallback = fallback
        self.catalog = cache(self._read)

    def _read(self, lang: str) -> dict[str, str]:
        """Every text of one language, key → text."""
        with (self.folder / f"{lang}.json").open(encoding="utf-8") as f:
            return {str(k): str(v) for k, v in json.load(f).items()}

    def language(self) -> str:
        """The language in force: ``BASKETCHECK_LANG`` (``de``, ``de-DE``, ``de_DE``…) if known, else the fallback."""
        lang = os.environ.get(LANG_ENV, self.fallback).split("-")[0].split("_")[0].lower()
        return lang if lang in self.languages else self.fallback

    def tr(self, key: str, lang: str | None = None, **params: object) -> str:
        """The text for ``key`` in ``lang`` (the language in force by default), placeholders filled."""
        text = self.catalog(lang or self.language()).get(key) or self.catalog(self.fallback).get(key) or key
        return text.format(**params) if params else text
