"""Scale intervals and rounding of a multi-interval scale (OIML R76): e = 5 g up to 15 kg, 10 g up to 30 kg.

A multi-interval instrument picks the interval by the *net* load (it changes with each tare), and blanks
the display above Max + 9 e (overload) and below −20 e (underload).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Interval:
    """Up to ``max_g`` the scale shows multiples of ``e_g``."""

    max_g: float
    e_g: float


MULTI_INTERVAL: tuple[Interval, ...] = (Interval(15000.0, 5.0), Interval(30000.0, 10.0))


def capacity(intervals: Sequence[Interval] = MULTI_INTERVAL) -> float:
    return intervals[-1].max_g


def interval_for(net_g: float, intervals: Sequence[Interval] = MULTI_INTERVAL) -> float:
    """The interval e that applies to a net load (negative loads use the smallest)."""
    for iv in intervals:
        if net_g <= iv.max_g:
            return iv.e_g
    return intervals[-1].e_g


def round_to(value_g: float, e_g: float) -> float:
    """Nearest multiple of e, halves away from zero (what an indicator shows; never banker's rounding)."""
    q = abs(value_g) / e_g
    rounded = math.floor(q + 0.5) * e_g
    return math.copysign(rounded, value_g) if rounded else 0.0


def display(net_g: float, intervals: Sequence[Interval] = MULTI_INTERVAL) -> tuple[float, float]:
    """The displayed value and the interval it was rounded to."""
    e = interval_for(net_g, intervals)
    shown = round_to(net_g, e)
    # Rounding may carry a value just under an interval boundary onto it; re-check with the rounded value.
    e2 = interval_for(shown, intervals)
    if e2 != e:
        e, shown = e2, round_to(net_g, e2)
    return shown, e


def is_overload(gross_g: float, intervals: Sequence[Interval] = MULTI_INTERVAL) -> bool:
    return gross_g > capacity(intervals) + 9 * intervals[-1].e_g


def is_underload(gross_g: float, intervals: Sequence[Interval] = MULTI_INTERVAL) -> bool:
    return gross_g < -20 * intervals[0].e_g
