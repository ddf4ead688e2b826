"""Stability detection as OIML R76 understands a stable equilibrium: the load no longer moves.

Stable when the values of the last ``window_s`` seconds stay within ``band_e`` scale intervals (max − min) and
their least-squares slope is below ``max_slope_e_per_s`` (``hold_slope_e_per_s`` once stable: hysteresis).
Times are the device's (so simulated time runs faster than the wall clock without changing the verdict).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StabilityCriteria:
    # At least half a period of the slowest ringing (4 Hz): a window that short of it could sit on a crest
    # and see a flat top while the load still swings.
    window_s: float = 0.15
    # R76: the load moves by no more than 1 e. At 80 SPS a 15 Hz ringing is sampled 5.3 times a period, and the
    # samples can miss its crests by up to 1 − cos(π·15/80) ≈ 17 %: a sampled band of 0.8 e keeps the true swing
    # within 1 e.
    band_e: float = 0.8
    # Hysteresis on the slope. To *become* stable the window's slope must be below 1 e/s: the tail of a ringing
    # that already fits the band still tilts the window, and this catches it. To *stay* stable it may reach
    # 3 e/s: the slope of a 0.15 s window of quiet noise (~0.4 g rms) scatters by ~3 g/s, and a stable
    # reading must not flicker on noise, while a real creep of 15 g/s leaves the band within 0.3 s anyway.
    max_slope_e_per_s: float = 1.0
    hold_slope_e_per_s: float = 3.0


class StabilityDetector:
    """Feed it (time, grams, e); it says whether the load is at rest and gives the window's mean."""

    def __init__(self, criteria: StabilityCriteria | None = None) -> None:
        self.criteria = criteria or StabilityCriteria()
        self._window: deque[tuple[float, float]] = deque()
        self.stable = False

    def reset(self) -> None:
        self._window.clear()
        self.stable = False

    def update(self, t: float, value_g: float, e_g: float) -> bool:
        c = self.criteria
        w = self._window
        if w and t < w[-1][0]:  # time went backwards (MCU reboot): the old window means nothing
            w.clear()
        w.append((t, value_g))
        while len(w) > 2 and t - w[1][0] >= c.window_s:
            w.popleft()
        self.stable = self._judge(e_g)
        return self.stable

    def _judge(self, e_g: float) -> bool:
        w = self._window
        c = self.criteria
        if len(w) < 3 or w[-1][0] - w[0][0] < c.window_s:
            return False  # not seen long enough to judge
        values = [v for _, v in w]
        if max(values) - min(values) > c.band_e * e_g:
            return False
        limit = c.hold_slope_e_per_s if self.stable else c.max_slope_e_per_s
        return abs(self._slope()) <= limit * e_g

    def _slope(self) -> float:
        w = self._window
        n = len(w)
        t0 = w[0][0]
        mt = sum(t - t0 for t, _ in w) / n
        mv = sum(v for _, v in w) / n
        num = sum((t - t0 - mt) * (v - mv) for t, v in w)
        den = sum((t - t0 - mt) ** 2 for t, _ in w)
        return num / den if den else 0.0

    def mean(self) -> float | None:
        """Mean of the window (the value a stable reading reports: it averages noise and leftover ringing)."""
        if not self._window:
            return None
        return sum(v for _, v in self._window) / len(self._window)
