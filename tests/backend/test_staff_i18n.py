"""The staff dashboard's texts: complete in every language, placeholders alike, and the language choice."""

from __future__ import annotations

import re

import pytest

from backend.staff_auth import ROLES
from backend.staff_web import i18n

STAFF_WEB = i18n.LOCALES.parent


def test_every_language_has_every_key() -> None:
    keys = {lang: set(i18n.catalog(lang)) for lang in i18n.LANGUAGES}
    for lang, have in keys.items():
        assert have == keys["en"], f"{lang}: missing {keys['en'] - have}, extra {have - keys['en']}"


def test_placeholders_match_in_every_language() -> None:
    english = i18n.catalog("en")
    for lang in i18n.LANGUAGES:
        for key, text in i18n.catalog(lang).items():
            assert i18n.placeholders(text) == i18n.placeholders(english[key]), f"{lang} {key}"


def test_german_is_really_german() -> None:
    # A copied English file would pass the key test: most texts must differ (a few, like "{s} s", may not).
    same = [k for k, v in i18n.catalog("de").items() if v == i18n.catalog("en")[k]]
    assert len(same) < 10, same


def test_every_key_the_pages_use_exists() -> None:
    used: set[str] = set()
    for path in [*STAFF_WEB.glob("templates/*.html"), *STAFF_WEB.glob("static/*.js")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", path.read_text(encoding="utf-8")))
    used = {k for k in used if not k.endswith(".")}  # a prefix joined with a value at run time
    assert used, "no t(...) calls found: the pattern is wrong"
    assert used - set(i18n.catalog("en")) == set()


def test_statuses_and_actions_from_the_api_have_texts() -> None:
    texts = i18n.catalog("de")
    for name in ("open", "claimed", "resolved"):
        assert f"status.{name}" in texts
    for name in ("opened", "claim", "release", "resolve"):
        assert f"action.{name}" in texts
    for role in ROLES:
        assert f"role.{role}" in texts


def test_translate_fills_placeholders_and_falls_back() -> None:
    assert i18n.translate("de", "flag.title", id=7) == "Meldung 7"
    assert i18n.translate("en", "flag.title", id=7) == "Flag 7"
    assert i18n.translate("de", "no.such.key") == "no.such.key"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.5,de;q=0.4", "en"),
        ("fr, de;q=0.1", "de"),
        ("en;q=0, de;q=0.2", "de"),
        ("fr-FR", None),
        ("", None),
        (None, None),
        ("de;q=abc, en;q=0.3", "en"),
        ("*", None),
    ],
)
def test_accept_language(header: str | None, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        ("en", "de", "de", "en"),  # the explicit choice wins
        (None, "en", "de-DE", "en"),  # then what the staff member chose before
        ("xx", None, "en-GB", "en"),  # an unknown choice is ignored
        (None, None, "en-GB", "en"),
        (None, None, "fr", "de"),  # the store's default
        (None, "EN", None, "en"),
    ],
)
def test_choose_language(query: str | None, cookie: str | None, accept: str | None, expected: str) -> None:
    assert i18n.choose_language(query, cookie, accept, "de") == expected


def test_default_language_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(i18n.DEFAULT_ENV, raising=False)
    assert i18n.default_language() == "de"
    monkeypatch.setenv(i18n.DEFAULT_ENV, "en-GB")
    assert i18n.default_language() == "en"
    monkeypatch.setenv(i18n.DEFAULT_ENV, "klingon")
    assert i18n.default_language() == "de"
