"""A simulated HX711 with the firmware driver's interface (``is_ready``/``read``/``power_down``/``power_up``).

It converts the force the physics model puts on its load cell into raw counts the way the real chip and cell
do: a 2 mV/V, 20 kg cell at gain 128 gives ~214.7 counts per gram, plus the cell's zero balance, ~38 counts
rms of noise at 80 SPS (~21 at 10 SPS), occasional spike reads (a flipped high bit, 1–5 % of reads), the
24-bit rails, and a free-running conversion clock of its own (each chip's oscillator is a little off).
Faults: a dead cell (open bridge: reads sit on a rail) or a dead chip (DOUT never goes low: no data).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from firmware_bridge.calibration import NOMINAL_COUNTS_PER_GRAM

RAIL_HIGH = 0x7FFFFF
RAIL_LOW = -0x800000
NOISE_RMS_COUNTS = {80: 38.0, 10: 21.0}


@dataclass(frozen=True, slots=True)
class CellSpec:
    """One simulated cell + HX711: its true sensitivity and zero balance (what a calibration would find)."""

    counts_per_gram: float = NOMINAL_COUNTS_PER_GRAM
    zero_counts: int = 0


class SimHX711:
    """One HX711 on one load cell, read by the firmware loop through the driver interface."""

    def __init__(
        self,
        index: int,
        spec: CellSpec,
        load_g: Callable[[float], float],
        clock: Callable[[], float],
        rng: random.Random,
        spike_rate: float = 0.02,
        rate_sps: int = 80,
        clock_error: float = 0.0,
    ) -> None:
        self.index = index
        self.spec = spec
        self._load_g = load_g
        self._clock = clock
        self._rng = rng
        self.spike_rate = spike_rate
        self.rate_sps = rate_sps
        self._clock_error = clock_error  # relative: +0.003 converts 0.3 % slower
        self._powered = True
        self._next = clock() + self.period_s * rng.random()
        self.dead: str | None = None  # None, "open_bridge" or "no_data"
        self.reads = 0
        self.spikes = 0

    @property
    def period_s(self) -> float:
        return (1.0 / self.rate_sps) * (1.0 + self._clock_error)

    def next_ready_s(self) -> float:
        """Simulated time of the next conversion (infinity when the chip will never signal one)."""
        if not self._powered or self.dead == "no_data":
            return math.inf
        return self._next

    def set_rate(self, sps: int) -> None:
        self.rate_sps = sps
        self._next = self._clock() + self.period_s

    # -- the driver interface ----------------------------------------------------------------------------

    def is_ready(self) -> bool:
        return self._clock() >= self.next_ready_s()

    def read(self) -> int | None:
        now = self._clock()
        # The chip keeps converting whether or not anyone reads: a late read gets the latest conversion.
        missed = max(0, math.floor((now - self._next) / self.period_s))
        conversion_t = self._next + missed * self.period_s
        self._next = conversion_t + self.period_s
        self.reads += 1
        if self.dead == "open_bridge":
            return RAIL_HIGH
        noise = self._rng.gauss(0.0, NOISE_RMS_COUNTS.get(self.rate_sps, 38.0))
        counts = round(self.spec.zero_counts + self._load_g(conversion_t) * self.spec.counts_per_gram + noise)
        counts = max(RAIL_LOW, min(RAIL_HIGH, counts))
        if self._rng.random() < self.spike_rate:
            # A disturbed read shifts in one wrong high-order bit.
            self.spikes += 1
            counts ^= 1 << self._rng.randint(15, 22)
            counts = max(RAIL_LOW, min(RAIL_HIGH, counts))
        return counts

    def power_down(self) -> None:
        self._powered = False

    def power_up(self) -> None:
        if not self._powered:
            self._powered = True
            self._next = self._clock() + self.period_s
