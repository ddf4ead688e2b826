"""What the shopper screen shows for a state of the station: words, the QR code, the verdict and prompts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from backend.domain.reasons import word
from validation_unit.basket import (
    CAMERA_UNAVAILABLE,
    MISSING_ITEM,
    PERSONAL_ITEMS,
    QUANTITY_MISMATCH,
    UNSCANNED_ITEM,
    Reason,
)
from validation_unit.screen import Prompt, ScreenState
from validation_unit.screen_i18n import screen_language, tr
from validation_unit.state_machine import STARTING, Machine, Phase

if TYPE_CHECKING:
    from validation_unit.station import Outcome

AGE_CHECK_STATES = ("open", "confirmed", "refused", "cancelled")


def screen_state(
    machine: Machine,
    outcome: Outcome | None,
    *,
    qr_text: str | None,
    has_trip: bool,
    camera_ok: bool,
    source_problem: str = "",
    names: Mapping[str, str] | None = None,
    lang: str | None = None,
    age_check: str | None = None,
) -> ScreenState:
    """``names``: product names by GTIN-14 (for the prompts), besides the ones in the scanned basket. ``lang``:
    the screen's language (``de``/``en``; by default the unit's, see :mod:`validation_unit.screen_i18n`).
    ``age_check``: the status of this unit's staff age check (#19) from the backend: ``open`` (the shopper waits
    for staff), or the decision of a moment ago (``confirmed``, ``refused``, ``cancelled``); None: none."""
    lang = lang or screen_language()

    def t(key: str, **params: object) -> str:
        return tr(key, lang, **params)

    notices: list[str] = []
    if not camera_ok:
        notices.append(t("notice.camera"))
    if source_problem:
        notices.append(t("notice.backend"))
    phase = machine.phase
    if age_check in AGE_CHECK_STATES and phase is not Phase.OUT_OF_SERVICE and not has_trip:
        if age_check == "open":
            return ScreenState("age_check", t("age_check.headline"), t("age_check.detail"), notices=tuple(notices))
        if phase is Phase.IDLE and qr_text:  # the basket is gone: the next shopper may bind meanwhile
            return ScreenState("ready", t(f"age_check.{age_check}"), t("ready.scan"), qr_text, notices=tuple(notices))
        return ScreenState(
            "age_check", t(f"age_check.{age_check}"), t(f"age_check.{age_check}.detail"), notices=tuple(notices)
        )
    if phase is Phase.OUT_OF_SERVICE and machine.notice == STARTING:
        return ScreenState("out_of_service", t("starting.headline"), t("starting.detail"), notices=tuple(notices))
    if phase is Phase.OUT_OF_SERVICE:
        # The state machine's notice (why the unit is out of service) is an English text with no code: shown
        # as it is, inside a translated sentence.
        return ScreenState(
            "out_of_service",
            t("out_of_service.headline"),
            t("out_of_service.detail", notice=machine.notice),
            notices=tuple(notices),
        )
    if phase is Phase.IDLE:
        if has_trip:
            return ScreenState("ready", t("ready.put_basket"), notices=tuple(notices))
        if qr_text:
            return ScreenState("ready", t("ready.scan"), t("ready.then_basket"), qr_text, notices=tuple(notices))
        return ScreenState("ready", t("ready.welcome"), t("ready.needs_backend"), notices=tuple(notices))
    if phase in (Phase.ARRIVING, Phase.SETTLING):
        if machine.notice.startswith("scan"):
            return ScreenState("ready", t("ready.scan"), t("ready.basket_waiting"), qr_text, notices=tuple(notices))
        detail = t("checking.still") if machine.notice else t("checking.weighing")
        return ScreenState("weighing", t("checking"), detail, progress=0.3, notices=tuple(notices))
    if phase is Phase.CAPTURE or outcome is None:
        return ScreenState("deciding", t("checking"), t("checking.looking"), progress=0.7)
    decision = outcome.decision
    kind = decision.kind
    return ScreenState(
        "verdict",
        t(f"headline.{kind}"),
        t(f"detail.{kind}"),
        verdict=kind,
        prompts=prompts_for(outcome, names or {}, lang) if kind == "RECHECK" else (),
        notices=tuple(notices),
    )


def prompts_for(outcome: Outcome, names: Mapping[str, str], lang: str | None = None) -> tuple[Prompt, ...]:
    """The shopper's to-do list for a RECHECK, each with a crop of the item when the camera saw it (cached
    per language)."""
    lang = lang or screen_language()
    cache: dict[str, tuple[Prompt, ...]] = getattr(outcome, "_prompts", None) or {}
    if lang in cache:
        return cache[lang]
    known = {**names, **{line.gtin14: line.name for line in outcome.expected.lines}}
    prompts = tuple(
        Prompt(prompt_text(r, known, lang), _crop(outcome.picture(r.camera), r)) for r in outcome.decision.reasons
    )
    prompts = tuple(p for p in prompts if p.text)
    object.__setattr__(outcome, "_prompts", {**cache, lang: prompts})
    return prompts


def prompt_text(reason: Reason, names: Mapping[str, str], lang: str | None = None) -> str:
    """What the shopper should do about a reason, in their words and language, built from the reason's code,
    product and quantity; any other reason is its sentence in that language (:func:`backend.domain.reasons.word`)."""
    name = names.get(reason.gtin14 or "", "")
    qty = reason.quantity or 1
    if reason.code == UNSCANNED_ITEM and name:
        return tr("prompt.unscanned", lang, qty=qty, name=name)
    if reason.code == QUANTITY_MISMATCH and name:
        return tr("prompt.quantity", lang, qty=qty, name=name)
    if reason.code == MISSING_ITEM and name:
        return tr("prompt.missing", lang, qty=qty, name=name)
    if reason.code == PERSONAL_ITEMS:
        return tr("prompt.personal", lang)
    if reason.code == CAMERA_UNAVAILABLE:
        return ""
    return word(reason.to_dict(), lang or screen_language(), names)


def _crop(frame: Any, reason: Reason) -> bytes | None:
    if frame is None or reason.box is None:
        return None
    from validation_unit.evidence import crop_jpeg

    try:
        return crop_jpeg(frame, reason.box)
    except ValueError:
        return None
