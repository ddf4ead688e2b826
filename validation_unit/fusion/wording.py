"""The model's words: reasons for the shopper and staff, and the explanation paragraph, from the posterior's top
alternatives. Reasons use the shared sentence keys (``backend/domain/reason_locales``); the explanation is
English, for the record and for staff."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from validation_unit.basket import (
    MISSING_ITEM,
    PERSONAL_ITEMS,
    PRODUCT_MISMATCH,
    QUANTITY_MISMATCH,
    UNSCANNED_ITEM,
    WEIGHT_MISMATCH,
    Reason,
    SeenObject,
)
from validation_unit.fusion.hypotheses import Hypothesis

Box = tuple[float, float, float, float]
Names = Callable[[str], str]


def pieces_text(items: Sequence[tuple[str, int]], name: Names) -> str:
    """``1× A and 2× B``."""
    parts = [f"{k}× {name(g)}" for g, k in items]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def describe(h: Hypothesis, name: Names) -> str:
    """One hypothesis in a few words, for the explanation."""
    if h.kind == "scanned":
        return "the basket as scanned"
    if h.kind == "unscanned":
        return f"{h.pieces}× {name(h.gtin14 or '')} not scanned"
    if h.kind == "quantity":
        return f"{h.pieces}× more {name(h.gtin14 or '')} than scanned"
    if h.kind == "missing":
        return f"{h.pieces}× {name(h.gtin14 or '')} scanned but not there"
    if h.kind == "switch":
        return f"{name(h.gtin14 or '')} in place of {name(h.replaced or '')}"
    if h.kind == "personal":
        return f"{h.pieces} personal item{'s' if h.pieces > 1 else ''}"
    return "something no small change of the scan explains"


def explanation(
    weight_sentence: str, ranked: Sequence[tuple[Hypothesis, float]], p_scanned: float, name: Names, limit: int = 3
) -> str:
    """``weight_sentence`` then the probability of the scan and the likeliest alternatives."""
    alternatives = [(h, p) for h, p in ranked if h.kind != "scanned" and p >= 0.01][:limit]
    text = f"Probability that the basket is as scanned: {p_scanned:.3f}."
    if alternatives:
        text += " Likeliest otherwise: " + "; ".join(f"{describe(h, name)} ({p:.3f})" for h, p in alternatives) + "."
    return " ".join(part for part in (weight_sentence, text) if part)


def weight_sentence(residual_g: float | None, expected_g: float | None, sigma_g: float | None, camera: bool) -> str:
    if residual_g is None or expected_g is None or sigma_g is None:
        return "Decided on the camera only (no weight)."
    prefix = "The" if camera else "Weighed without the camera: the"
    expected = f"expected {round(expected_g):,} g, σ {sigma_g:.1f} g"
    if abs(residual_g) <= 3 * sigma_g:
        return f"{prefix} basket weight matches the scanned items ({expected})."
    more = "more" if residual_g > 0 else "less"
    return f"{prefix} basket weighs {round(abs(residual_g)):,} g {more} than the scanned items ({expected})."


def reasons_for(
    best: Sequence[Hypothesis],
    *,
    name: Names,
    scanned: dict[str, int],
    seen: dict[str, int],
    best_object: Callable[[str | None], SeenObject | None],
    residual_g: float | None,
    recheck: bool,
) -> list[Reason]:
    """The reasons for the likeliest kind of edit; ``best`` are its top hypotheses (the first the likeliest)."""
    h = best[0]
    grams = round(abs(residual_g)) if residual_g is not None else 0

    def box(gtin14: str | None) -> Box | None:
        obj = best_object(gtin14)
        return None if obj is None else obj.box

    if h.kind == "personal":
        obj = best_object(None)
        return [
            Reason.worded(
                PERSONAL_ITEMS, "personal", box=box(None), label=(obj.label if obj else "") or "personal item"
            )
        ]
    if h.kind == "switch":
        g, a = h.gtin14 or "", h.replaced or ""
        return [
            Reason.worded(
                PRODUCT_MISMATCH,
                "switch",
                gtin14=g,
                quantity=1,
                box=box(g),
                name=name(g),
                scanned_name=name(a),
                scanned_gtin14=a,
            )
        ]
    if h.kind in ("unscanned", "quantity"):
        g, k = h.gtin14 or "", h.pieces
        if seen.get(g, 0) >= scanned.get(g, 0) + k:  # the camera saw them: say so
            why = "seen_weight" if residual_g is not None else "seen"
            if h.kind == "unscanned":
                return [
                    Reason.worded(UNSCANNED_ITEM, "unscanned", gtin14=g, quantity=k, box=box(g), name=name(g), why=why)
                ]
            n = scanned.get(g, 0)
            return [
                Reason.worded(
                    QUANTITY_MISMATCH,
                    "quantity",
                    gtin14=g,
                    quantity=k,
                    box=box(g),
                    name=name(g),
                    why=why,
                    scanned=n,
                    total=n + k,
                )
            ]
        # The weight's suggestion: name the likeliest products of that weight.
        items = [[c.pieces, name(c.gtin14 or "")] for c in best[:2]]
        out = []
        for c in best[:2]:
            code = QUANTITY_MISMATCH if c.kind == "quantity" else WEIGHT_MISMATCH
            ask = "staff" if recheck else ("scan_more_" if c.kind == "quantity" else "scan_if_present_")
            if not recheck:
                ask += "one" if c.pieces == 1 else "other"
            out.append(
                Reason.worded(
                    code,
                    "could_be",
                    gtin14=c.gtin14,
                    quantity=c.pieces,
                    box=box(c.gtin14),
                    name=name(c.gtin14 or ""),
                    grams=grams,
                    items=items,
                    ask=ask,
                )
            )
        return out
    if h.kind == "missing":
        g, k = h.gtin14 or "", h.pieces
        return [Reason.worded(MISSING_ITEM, "missing", gtin14=g, quantity=k, name=name(g), grams=grams)]
    # "other": a weight no edit explains
    key = "weight_more" if (residual_g or 0) > 0 else "weight_less"
    ask = "staff" if recheck else ("check_scanned" if key == "weight_more" else "check_present")
    return [Reason.worded(WEIGHT_MISMATCH, key, grams=grams, ask=ask)]


def label_reason(grams: int) -> Reason:
    """A weighed item's label may not match its bag (``grams`` unexplained): staff, not the shopper, checks it."""
    return Reason.worded(WEIGHT_MISMATCH, "label_weight", grams=grams)
