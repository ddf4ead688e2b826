"""The unit screen's texts: complete in German and English, placeholders alike, and used by the screen."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from firmware_bridge.reading import Reading
from validation_unit import screen_i18n
from validation_unit.basket import (
    MISSING_ITEM,
    PERSONAL_ITEMS,
    PRODUCT_MISMATCH,
    QUANTITY_MISMATCH,
    UNSCANNED_ITEM,
    WEIGHT_MISMATCH,
    Reason,
)
from validation_unit.screen import ScreenStateHolder, create_screen_app
from validation_unit.screen_state import prompt_text, screen_state
from validation_unit.state_machine import Machine, Timing

GUM = "04009900522281"
NAMES = {GUM: "Kaugummi"}


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    english = screen_i18n.catalog("en")
    for lang in screen_i18n.LANGUAGES:
        texts = screen_i18n.catalog(lang)
        assert set(texts) == set(english), lang
        for key, text in texts.items():
            assert screen_i18n.placeholders(text) == screen_i18n.placeholders(english[key]), f"{lang} {key}"
    same = [k for k, v in screen_i18n.catalog("de").items() if v == english[k]]
    assert same == ["page.title"]  # a copied English file would pass the key test


def test_every_key_the_screen_uses_exists() -> None:
    root = screen_i18n.LOCALES.parent
    used: set[str] = set()
    for path in [root / "screen_state.py", root / "screen.py", root / "screen_web" / "templates" / "screen.html"]:
        used |= set(re.findall(r"""\b(?:t|tr)\(\s*f?["']([a-z_.]+)["']""", path.read_text(encoding="utf-8")))
    assert len(used) > 20
    verdict_keys = {f"{part}.{kind}" for part in ("headline", "detail") for kind in ("PASS", "RECHECK", "FLAG")}
    assert (used | verdict_keys) - {k for k in used if k.endswith(".")} <= set(screen_i18n.catalog("en"))
    assert verdict_keys <= set(screen_i18n.catalog("de"))


@pytest.mark.parametrize(
    ("reason", "lang", "expected"),
    [
        (Reason(UNSCANNED_ITEM, "Scan 1× gum", gtin14=GUM, quantity=2), "de", "Scannen Sie 2× Kaugummi mit der App"),
        (Reason(UNSCANNED_ITEM, "Scan 1× gum", gtin14=GUM, quantity=2), "en", "Scan 2× Kaugummi with the app"),
        (
            Reason(QUANTITY_MISMATCH, "x", gtin14=GUM, quantity=1),
            "de",
            "Scannen Sie 1× Kaugummi zusätzlich (oder nehmen Sie sie heraus)",
        ),
        (
            Reason(MISSING_ITEM, "x", gtin14=GUM, quantity=1),
            "de",
            "Entfernen Sie 1× Kaugummi aus Ihrer Liste in der App (es ist nicht im Korb)",
        ),
        (
            Reason(PERSONAL_ITEMS, "x"),
            "de",
            "Nehmen Sie Ihre persönlichen Sachen (Handy, Schlüssel, Tasche …) aus dem Korb",
        ),
        # No product name: the reason's own (English) message is all there is.
        (Reason(UNSCANNED_ITEM, "Scan 1× something", gtin14="unknown", quantity=1), "de", "Scan 1× something"),
        # Any other reason: its sentence in the screen's language.
        (
            Reason.worded(WEIGHT_MISMATCH, "weight_less", grams=1250, ask="check_present"),
            "de",
            "Der Korb wiegt 1.250 g weniger als die gescannten Artikel: "
            "Bitte prüfen Sie, ob alles Gescannte im Korb ist.",
        ),
        (
            Reason.worded(PRODUCT_MISMATCH, "switch", gtin14=GUM, quantity=1, name="Gum", scanned_name="Möhren"),
            "de",
            "1× Möhren gescannt, aber stattdessen liegt 1× Kaugummi im Korb: Ein Mitarbeiter prüft den Korb.",
        ),
    ],
)
def test_prompts_are_built_from_the_reason_code(reason: Reason, lang: str, expected: str) -> None:
    assert prompt_text(reason, NAMES, lang) == expected


def ready_machine() -> Machine:
    m = Machine(Timing())
    m.reading(Reading(timestamp=-1.0, grams=0.0, stable=True, faults=frozenset()))
    return m


def test_screen_state_speaks_the_chosen_language(monkeypatch: pytest.MonkeyPatch) -> None:
    m = ready_machine()
    german = screen_state(m, None, qr_text="QR", has_trip=False, camera_ok=False, lang="de")
    assert (german.headline, german.detail) == (
        "Scannen Sie diesen Code mit der App",
        "Dann stellen Sie Ihren Korb hierher.",
    )
    assert german.notices == ("Kamera nicht verfügbar: Prüfung nur nach Gewicht",)
    english = screen_state(m, None, qr_text="QR", has_trip=False, camera_ok=True, lang="en")
    assert english.headline == "Scan this code with the app"
    monkeypatch.setenv(screen_i18n.LANG_ENV, "de-DE")  # the unit's setting, as `basketcheck demo` sets it
    assert screen_state(m, None, qr_text=None, has_trip=True, camera_ok=True).headline == (
        "Stellen Sie Ihren Korb auf die Waage"
    )


@pytest.mark.parametrize(
    ("value", "expected"), [(None, "en"), ("de", "de"), ("de_DE.UTF-8", "de"), ("EN-gb", "en"), ("fr", "en")]
)
def test_screen_language_from_the_setting(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str) -> None:
    if value is None:
        monkeypatch.delenv(screen_i18n.LANG_ENV, raising=False)
    else:
        monkeypatch.setenv(screen_i18n.LANG_ENV, value)
    assert screen_i18n.screen_language() == expected


def test_the_page_shell_is_german_when_the_unit_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(screen_i18n.LANG_ENV, "de")
    holder = ScreenStateHolder()
    holder.set(screen_state(ready_machine(), None, qr_text="QR", has_trip=False, camera_ok=True))
    text = TestClient(create_screen_app(holder.get, holder.wait_change)).get("/").text
    assert '<html lang="de">' in text
    assert "Öffnen Sie die basketcheck-App und scannen Sie diesen Code" in text
    assert "Scannen Sie diesen Code mit der App" in text
