"""The reasons' words: every sentence in German and English with the same placeholders, every sentence the
unit's decision uses exists and fills, numbers and lists written each language's way, old reasons kept."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from backend.domain import reasons
from backend.domain.locale_texts import placeholders
from validation_unit.basket import Reason

FUSION = Path(reasons.__file__).resolve().parents[2] / "validation_unit" / "fusion"  # the package: every decider


def fusion_code() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(FUSION.glob("*.py")))


# Representative params for every sentence (what fusion passes).
SAMPLES: dict[str, dict[str, object]] = {
    "unscanned": {"name": "Milch", "why": "seen_weight"},
    "quantity": {"name": "Milch", "scanned": 1, "total": 3, "why": "seen_light"},
    "personal": {"label": "phone"},
    "switch": {"name": "Rinderfilet", "scanned_name": "Möhren", "scanned_gtin14": "0" * 14},
    "label_weight": {"grams": 1534},
    "could_be": {"name": "Milch", "grams": 2050, "items": [[1, "Milch"], [2, "Brot"]], "ask": "scan_more_other"},
    "weight_more": {"grams": 890, "ask": "check_scanned"},
    "weight_less": {"grams": 890, "ask": "staff"},
    "missing": {"name": "Milch", "grams": 1040},
    "missing_unseen": {"name": "Milch", "grams": 1040},
    "scale_fault": {},
    "scale_fault_detail": {"fault": "cell 2 dead"},
    "camera_unavailable": {},
    "camera_unavailable_problem": {"problem": "no picture"},
    "audit": {},
}


def test_every_language_has_every_text_with_the_same_placeholders() -> None:
    english = reasons.catalog("en")
    for lang in reasons.LANGUAGES:
        texts = reasons.catalog(lang)
        assert set(texts) == set(english), lang
        for key, text in texts.items():
            assert placeholders(text) == placeholders(english[key]), f"{lang} {key}"
    assert not [k for k, v in reasons.catalog("de").items() if v == english[k] and "{" not in v[:2]]


def test_every_sentence_the_decision_uses_exists_and_has_a_sample() -> None:
    used = set(re.findall(r"""Reason\.worded\(\s*\w+,\s*"(\w+)\"""", fusion_code()))
    sentences = {k.removeprefix("reason.") for k in reasons.catalog("en") if k.startswith("reason.")}
    assert len(used) >= 10 and used <= sentences
    assert set(SAMPLES) == sentences
    asks = {k.removeprefix("ask.") for k in reasons.catalog("en") if k.startswith("ask.")}
    whys = {k.removeprefix("why.") for k in reasons.catalog("en") if k.startswith("why.")}
    code = fusion_code()
    for part in asks | whys:
        assert part.split("_one")[0].split("_other")[0] in code, part  # no sentence part is dead


@pytest.mark.parametrize("key", sorted(SAMPLES))
@pytest.mark.parametrize("lang", reasons.LANGUAGES)
def test_every_sentence_fills_in_every_language(key: str, lang: str) -> None:
    text = reasons.word({"code": "x", "message": "", "key": key, "params": SAMPLES[key], "quantity": 2}, lang)
    assert text and not any(field for _, field, _, _ in string.Formatter().parse(text) if field), text
    english = reasons.word({"code": "x", "message": "", "key": key, "params": SAMPLES[key], "quantity": 2}, "en")
    assert (text != english) == (lang != "en"), text


def test_numbers_lists_and_parts_the_german_way() -> None:
    reason = Reason.worded("weight_mismatch", "could_be", gtin14="1" * 14, quantity=2, **SAMPLES["could_be"])
    assert reason.message == "+2,050 g ≈ 1× Milch and 2× Brot: if you have 2 more than scanned, please scan them."
    german = reasons.word(reason.to_dict(), "de")
    assert german == "+2.050 g ≈ 1× Milch und 2× Brot: Falls Sie 2 mehr als gescannt haben, scannen Sie sie bitte."


def test_the_surfaces_name_wins_and_old_reasons_keep_their_words() -> None:
    reason = Reason.worded("unscanned_item", "unscanned", gtin14="1" * 14, quantity=1, name="Milk", why="seen")
    assert reasons.word(reason.to_dict(), "de", {"1" * 14: "Frische Vollmilch"}).startswith(
        "Bitte scannen Sie 1× Frische Vollmilch:"
    )
    assert reasons.word({"code": "test", "message": "FLAG by test"}, "de") == "FLAG by test"
    broken = {"code": "x", "message": "the unit's words", "key": "weight_more", "params": {"ask": "check_scanned"}}
    assert reasons.word(broken, "de") == "the unit's words"  # a sentence without its numbers is not made up
    unknown = {"code": "x", "message": "newer unit", "key": "from_the_future", "params": {}}
    assert reasons.word(unknown, "de") == "newer unit"


def test_a_reason_made_with_a_wrong_sentence_fails_loudly() -> None:
    with pytest.raises(KeyError, match="no reason sentence"):
        Reason.worded("weight_mismatch", "weight_moer", grams=3, ask="staff")
    with pytest.raises(KeyError):  # the sentence needs its grams
        Reason.worded("weight_mismatch", "weight_more", ask="staff")
