"""Learning each product's weight from passed baskets: a weighted running mean and variance (Welford).

Only weighings that identify one product count (a basket of n identical items gives the item's weight as
net / n); observations far from what is known are rejected as outliers; staff-confirmed weighings count
more. The validation unit uses the learned figures once enough weighings back them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_WEIGHINGS = 5.0  # below this, the catalog's figures stand
OUTLIER_SIGMAS = 4.0
STAFF_CONFIRMED_WEIGHT = 3.0


@dataclass(frozen=True)
class Stats:
    n: float = 0.0  # weighted count
    mean_g: float = 0.0
    m2: float = 0.0

    @property
    def sd_g(self) -> float:
        return math.sqrt(self.m2 / self.n) if self.n > 1 else 0.0


def is_outlier(observed_g: float, mean_g: float, sd_g: float, scale_e_g: float = 5.0) -> bool:
    """Far from the known weight: more than 4 σ, with σ floored at a scale interval and 2 % of the mean."""
    spread = max(sd_g, scale_e_g, 0.02 * mean_g)
    return abs(observed_g - mean_g) > OUTLIER_SIGMAS * spread


def update(stats: Stats, observed_g: float, weight: float = 1.0) -> Stats:
    """West's weighted incremental mean and variance."""
    if weight <= 0 or not math.isfinite(observed_g):
        raise ValueError("an observation needs a positive weight and a finite value")
    n = stats.n + weight
    delta = observed_g - stats.mean_g
    mean = stats.mean_g + delta * weight / n
    m2 = stats.m2 + weight * delta * (observed_g - mean)
    return Stats(n, mean, m2)


def effective(catalog_mean_g: float, catalog_sd_g: float, learned: Stats | None) -> tuple[float, float]:
    """The mean and σ the unit should expect: learned once there are enough weighings, else the catalog's."""
    if learned is None or learned.n < MIN_WEIGHINGS:
        return catalog_mean_g, catalog_sd_g
    return learned.mean_g, max(learned.sd_g, 0.25 * catalog_sd_g)


def identifiable_item_weight(lines: list[tuple[str, int, bool]], net_g: float) -> tuple[str, float] | None:
    """(gtin14, weight of one item) when the basket holds only one product sold by piece, else None.

    ``lines`` are (gtin14, quantity, sold_by_piece)."""
    if len(lines) != 1:
        return None
    gtin14, quantity, by_piece = lines[0]
    if not by_piece or quantity < 1:
        return None
    return gtin14, net_g / quantity
