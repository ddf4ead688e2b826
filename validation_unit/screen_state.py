"""What the shopper screen shows for a state of the station: words, the QR code, the verdict and prompts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from validation_unit.basket import (
    MISSING_ITEM,
    PERSONAL_ITEMS,
    PRODUCT_MISMATCH,
    QUANTITY_MISMATCH,
    UNSCANNED_ITEM,
    Reason,
)
from validation_unit.screen import Prompt, ScreenState
from validation_unit.state_machine import STARTING, Machine, Phase

if TYPE_CHECKING:
    from validation_unit.station import Outcome

HEADLINES = {
    "PASS": "All good — thank you!",
    "RECHECK": "Almost there: please check your basket",
    "FLAG": "Please wait: a staff member will come to help you",
}


def screen_state(
    machine: Machine,
    outcome: Outcome | None,
    *,
    qr_text: str | None,
    has_trip: bool,
    camera_ok: bool,
    source_problem: str = "",
    names: Mapping[str, str] | None = None,
) -> ScreenState:
    """``names``: product names by GTIN-14 (for the prompts), besides the ones in the scanned basket."""
    notices: list[str] = []
    if not camera_ok:
        notices.append("Camera unavailable: checking by weight only")
    if source_problem:
        notices.append("No connection to the store system: retrying")
    phase = machine.phase
    if phase is Phase.OUT_OF_SERVICE and machine.notice == STARTING:
        return ScreenState(
            "out_of_service", "Starting", "One moment: the scale is getting ready.", notices=tuple(notices)
        )
    if phase is Phase.OUT_OF_SERVICE:
        return ScreenState(
            "out_of_service", "Out of service", f"Please use another unit. ({machine.notice})", notices=tuple(notices)
        )
    if phase is Phase.IDLE:
        if has_trip:
            return ScreenState("ready", "Put your basket on the scale", notices=tuple(notices))
        if qr_text:
            return ScreenState(
                "ready", "Scan this code with the app", "Then put your basket here.", qr_text, notices=tuple(notices)
            )
        return ScreenState("ready", "Welcome", "Starting a check-out needs the store system.", notices=tuple(notices))
    if phase in (Phase.ARRIVING, Phase.SETTLING):
        if machine.notice.startswith("scan"):
            return ScreenState(
                "ready",
                "Scan this code with the app",
                "Your basket is on the scale; scan the code to check out.",
                qr_text,
                notices=tuple(notices),
            )
        detail = "Please keep the basket still." if machine.notice else "Weighing…"
        return ScreenState("weighing", "Checking your basket…", detail, progress=0.3, notices=tuple(notices))
    if phase is Phase.CAPTURE or outcome is None:
        return ScreenState("deciding", "Checking your basket…", "Looking at the items…", progress=0.7)
    decision = outcome.decision
    kind = decision.kind
    if kind == "PASS":
        detail = "You can take your basket. Your receipt is in the app."
    elif kind == "RECHECK":
        detail = "Fix what is listed below, then put the basket back on the scale."
    else:
        detail = "Please leave the basket on the scale."
    return ScreenState(
        "verdict",
        HEADLINES[kind],
        detail,
        verdict=kind,
        prompts=prompts_for(outcome, names or {}) if kind == "RECHECK" else (),
        notices=tuple(notices),
    )


def prompts_for(outcome: Outcome, names: Mapping[str, str]) -> tuple[Prompt, ...]:
    """The shopper's to-do list for a RECHECK, each with a crop of the item when the camera saw it (cached)."""
    cached: tuple[Prompt, ...] | None = getattr(outcome, "_prompts", None)
    if cached is not None:
        return cached
    known = {**names, **{line.gtin14: line.name for line in outcome.expected.lines}}
    prompts = tuple(Prompt(prompt_text(r, known), _crop(outcome.frame, r)) for r in outcome.decision.reasons)
    prompts = tuple(p for p in prompts if p.text)
    object.__setattr__(outcome, "_prompts", prompts)
    return prompts


def prompt_text(reason: Reason, names: Mapping[str, str]) -> str:
    """What the shopper should do about a reason, in their words (the reason's message otherwise)."""
    name = names.get(reason.gtin14 or "", "")
    qty = reason.quantity or 1
    if reason.code == UNSCANNED_ITEM and name:
        return f"Scan {qty}× {name} with the app"
    if reason.code == QUANTITY_MISMATCH and name:
        return f"Scan {qty} more × {name} (or take them out)"
    if reason.code == MISSING_ITEM and name:
        return f"Remove {qty}× {name} from your list in the app (it is not in the basket)"
    if reason.code == PERSONAL_ITEMS:
        return "Take your personal items (phone, keys, bag …) out of the basket"
    if reason.code == PRODUCT_MISMATCH:
        return reason.message
    if reason.code == "camera_unavailable":
        return ""
    return reason.message


def _crop(frame: Any, reason: Reason) -> bytes | None:
    if frame is None or reason.box is None:
        return None
    from validation_unit.evidence import crop_jpeg

    try:
        return crop_jpeg(frame, reason.box)
    except ValueError:
        return None
