"""Why a verdict is what it is: the reason codes, and each reason worded for people in their language.

A reason travels as plain data: ``code`` (what is wrong, :class:`ReasonCode`), ``key`` (which sentence says it)
and ``params`` (the numbers and names in it), plus ``gtin14``/``quantity``/``box``, and an English ``message``
for logs and old readers. The unit words it on its screen, the backend on the staff dashboard, the app on the
shopper's phone: each calls :func:`word` with its own language, so a German store never reads English reasons.

Texts live in ``reason_locales/<lang>.json`` (``reason.<key>`` sentences, ``why.*``/``ask.*`` parts); a test
checks every key and placeholder exists in every language. Pure apart from reading those files once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from backend.domain.locale_texts import LocaleTexts


class ReasonCode(StrEnum):
    """What is wrong with a basket (also the scenario files' ``expect.reasons``)."""

    UNSCANNED_ITEM = "unscanned_item"  # something in the basket was not scanned
    MISSING_ITEM = "missing_item"  # something scanned is not in the basket
    QUANTITY_MISMATCH = "quantity_mismatch"  # a product is there, but more of it than scanned
    PRODUCT_MISMATCH = "product_mismatch"  # a different product than scanned (barcode switch)
    WEIGHT_MISMATCH = "weight_mismatch"  # the weight disagrees and nothing seen explains it
    PERSONAL_ITEMS = "personal_items"  # non-merchandise (phone, bag…) in the basket
    CAMERA_UNAVAILABLE = "camera_unavailable"  # decided on weight only
    SCALE_FAULT = "scale_fault"  # the weight cannot be trusted
    AUDIT = "audit"  # a random audit chosen by the store's trust policy


LANGUAGES = ("de", "en")
_TEXTS = LocaleTexts(Path(__file__).parent / "reason_locales", LANGUAGES)
catalog = _TEXTS.catalog  # every reason text of one language, key → text

# The parts a sentence's params may name by key: ``why`` (why the unit thinks so) and ``ask`` (what to do).
_PART_PARAMS = ("why", "ask")


def number(value: float, lang: str) -> str:
    """A whole number as ``lang`` writes it: ``1.534`` in German, ``1,534`` in English (no sign)."""
    text = f"{round(abs(value)):,}"
    return text.replace(",", ".") if lang == "de" else text


def pieces(items: Sequence[Sequence[Any]], lang: str) -> str:
    """``1× A and 2× B`` (``und`` in German) from ``[[quantity, name], …]``."""
    parts = [f"{int(k)}× {name}" for k, name in items]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " " + _TEXTS.tr("part.and", lang) + " " + parts[-1]


def _fill(reason: Mapping[str, Any], lang: str, names: Mapping[str, str]) -> dict[str, Any]:
    """The sentence's placeholders: numbers written the language's way, then the parts (which may use them)."""
    params: Mapping[str, Any] = reason["params"]
    out: dict[str, Any] = {"qty": reason.get("quantity") or 1}
    for name, value in params.items():
        if name == "grams":
            out[name] = number(float(value), lang)
        elif name == "items":
            out[name] = pieces(value, lang)
        elif name not in _PART_PARAMS:
            out[name] = value
    gtin14 = reason.get("gtin14")
    if gtin14 and names.get(gtin14):
        out["name"] = names[gtin14]  # the surface's own name for the product wins
    for name in _PART_PARAMS:
        if name in params:
            out[name] = _TEXTS.tr(f"{name}.{params[name]}", lang, **out)
    return out


def word(reason: Mapping[str, Any], lang: str, names: Mapping[str, str] | None = None) -> str:
    """A reason (its dict form) as a sentence in ``lang``. Reasons without a known ``key`` (from older units)
    keep their ``message``. ``names`` (GTIN-14 → product name) overrides the name the unit used."""
    key = reason.get("key")
    params = reason.get("params")
    if not isinstance(key, str) or f"reason.{key}" not in catalog("en") or not isinstance(params, Mapping):
        return str(reason.get("message", ""))
    try:
        return _TEXTS.tr(f"reason.{key}", lang, **_fill(reason, lang, names or {}))
    except (KeyError, IndexError, ValueError):  # params that do not fit the sentence: the unit's own words
        return str(reason.get("message", ""))


def english(key: str, gtin14: str | None = None, quantity: int | None = None, **params: Any) -> str:
    """The English sentence for a reason being made (the message it carries for logs and older readers). Unlike
    :func:`word`, an unknown ``key`` or params that do not fill the sentence raise ``KeyError``: a mistake in the
    code that makes the reason, not a reason from elsewhere."""
    text = catalog("en").get(f"reason.{key}")
    if text is None:
        raise KeyError(f"no reason sentence {key!r} in reason_locales/en.json")
    return text.format(**_fill({"key": key, "params": params, "gtin14": gtin14, "quantity": quantity}, "en", {}))
