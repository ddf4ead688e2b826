"""The hypotheses: the basket as scanned, and the small edits of it a shopper's mistake or fraud makes.

Each :class:`Hypothesis` says how the tray's content differs from the scan (pieces by GTIN-14, personal items,
or an unknown weight) and carries its prior. The priors are the policy's ``prior_not_as_scanned`` split over the
kinds by :data:`KIND_SHARES`, then evenly over the products each kind could be about (and over piece counts by
:data:`PIECES`): no product is favoured, the evidence decides which one it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from math import log
from typing import Literal

from validation_unit.basket import Product

HypothesisKind = Literal["scanned", "unscanned", "quantity", "missing", "switch", "personal", "other"]

# How the prior of "not as scanned" is shared between the kinds of edit (they add up to 1). A switch is the rarest
# mistake and the one a detector's confident misreading imitates best: at 0.15 (as likely as a missing piece) it
# made half the false alarms on the fitting suite (`bench decision --replay`, generated seed 31).
KIND_SHARES: Mapping[str, float] = {
    "unscanned": 0.35,
    "quantity": 0.15,
    "missing": 0.15,
    "switch": 0.05,
    "personal": 0.2,
    "other": 0.1,
}
# How an edit's prior is shared between piece counts.
PIECES: Mapping[str, tuple[float, ...]] = {
    "unscanned": (0.8, 0.2),
    "quantity": (0.4, 0.25, 0.15, 0.12, 0.08),
    "missing": (0.8, 0.15, 0.05),
    "personal": (0.7, 0.3),
}
PERSONAL_G = (10.0, 1500.0)  # a personal item's weight: anything in this range (a key ring to a handbag)
OTHER_G = 3000.0  # "something else": the content is off by an unknown amount within ± this


@dataclass(frozen=True)
class Hypothesis:
    """One explanation of the tray: the scanned content with ``change`` applied (GTIN-14 → pieces added, < 0
    removed), ``personal`` personal items added, or (``other``) an unknown weight on top."""

    kind: HypothesisKind
    log_prior: float
    change: Mapping[str, int] = field(default_factory=dict)
    personal: int = 0
    gtin14: str | None = None  # the product it is about (added, removed, or placed instead)
    replaced: str | None = None  # a switch: the scanned product that is not there
    pieces: int = 0

    def content(self, scanned: Mapping[str, int]) -> dict[str, int]:
        out = dict(scanned)
        for g, k in self.change.items():
            out[g] = out.get(g, 0) + k
        return {g: n for g, n in out.items() if n > 0}


def hypotheses(
    scanned: Mapping[str, int],
    fixed: Mapping[str, int],
    catalog: Mapping[str, Product],
    prior_not_as_scanned: float,
    with_weight: bool = True,
    with_camera: bool = True,
) -> list[Hypothesis]:
    """The scan and its edits. ``scanned``: pieces by GTIN-14; ``fixed``: of those, the fixed-weight pieces (a
    weighed line's bag is not counted in pieces nor switched); ``catalog``: the products that could be added or
    placed instead. ``with_weight`` False (no scale): no "something else", which only the weight can tell;
    ``with_camera`` False (no picture): no personal items, which only a picture tells from "something else"."""
    p = min(max(prior_not_as_scanned, 1e-9), 0.5)
    out = [Hypothesis("scanned", log(1.0 - p))]
    shares = dict(KIND_SHARES)
    if not with_weight:
        shares.pop("other")
    if not with_camera:
        shares.pop("personal")
    total = sum(shares.values())

    def prior(kind: str) -> float:
        return p * shares[kind] / total

    extra = [g for g in catalog if g not in scanned]
    if extra:
        for g in extra:
            for k, share in enumerate(PIECES["unscanned"], 1):
                out.append(
                    Hypothesis("unscanned", log(prior("unscanned") * share / len(extra)), {g: k}, gtin14=g, pieces=k)
                )
    if fixed:
        for g in fixed:
            for k, share in enumerate(PIECES["quantity"], 1):
                out.append(
                    Hypothesis("quantity", log(prior("quantity") * share / len(fixed)), {g: k}, gtin14=g, pieces=k)
                )
            shares_missing = PIECES["missing"][: fixed[g]]  # no more pieces missing than scanned
            for k, share in enumerate(shares_missing, 1):
                p_k = prior("missing") * share / sum(shares_missing) / len(fixed)
                out.append(Hypothesis("missing", log(p_k), {g: -k}, gtin14=g, pieces=k))
        others = [h for h in catalog if not catalog[h].by_weight]
        pairs = [(a, b) for a in fixed for b in others if b != a]
        for a, b in pairs:
            out.append(
                Hypothesis("switch", log(prior("switch") / len(pairs)), {a: -1, b: 1}, gtin14=b, replaced=a, pieces=1)
            )
    if with_camera:
        for k, share in enumerate(PIECES["personal"], 1):
            out.append(Hypothesis("personal", log(prior("personal") * share), personal=k, pieces=k))
    if with_weight:
        out.append(Hypothesis("other", log(prior("other"))))
    return out
