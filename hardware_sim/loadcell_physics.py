"""Load-cell physics of the simulated tray: what force each of the four cells feels at a given moment.

Pure model, no I/O and no clock of its own: the caller says when the scene changed and asks for the loads at
a time (seconds of simulated time). What it models:

* Load split by item position: a rigid tray on four cells at its corners, so an item at (x, y) loads each
  cell bilinearly (the centre of load computed back from the cells is the item's position).
* Settling: a change in load is an under-damped step: the tray rings at 4–15 Hz (lower under heavier loads)
  with an exponential envelope (time constant 20–52 ms), plus the overshoot of an item that lands. The
  ringing of a full 15 kg basket thus dies away (below 1 g) over 0.2–0.5 s; a light item's sooner.
* Creep: under a new load the cells creep towards +0.02 % of it (time constant 10 min), and back on unloading.
* Drift and temperature: each cell's zero drifts slowly (together ~2 g per 15 min) and moves with the room's
  temperature (±1.5 °C over an hour).

Noise, spikes and ADC behaviour belong to the simulated HX711 (:mod:`hardware_sim.hx711_sim`), not here.
"""

from __future__ import annotations

import math
import random
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from hardware_sim.scene import PlacedItem, SceneSnapshot

CELLS = 4
# Cell order: clockwise from the camera's top-left corner (0,0); the same order in firmware and host.
CORNERS = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
CREEP_FRACTION = 0.0002
CREEP_TAU_S = 600.0


def split_load(items: Sequence[PlacedItem], width_mm: float, depth_mm: float) -> tuple[float, ...]:
    """Grams on each corner cell for items at their positions (positions outside the tray are clamped)."""
    loads = [0.0] * CELLS
    for item in items:
        u = min(max(item.x_mm / width_mm, 0.0), 1.0)
        v = min(max(item.y_mm / depth_mm, 0.0), 1.0)
        loads[0] += item.mass_g * (1 - u) * (1 - v)
        loads[1] += item.mass_g * u * (1 - v)
        loads[2] += item.mass_g * u * v
        loads[3] += item.mass_g * (1 - u) * v
    return tuple(loads)


def ring_frequency_hz(total_load_g: float) -> float:
    """Natural frequency of the loaded tray: a mass on a spring, so heavier loads ring slower (15 → 4 Hz)."""
    return min(15.0, max(4.0, 15.0 * math.sqrt(1100.0 / (1100.0 + total_load_g))))


@dataclass(frozen=True, slots=True)
class Transient:
    """The ringing and creep that follow one change of load."""

    start_s: float
    delta_g: tuple[float, ...]  # per-cell change of static load
    freq_hz: float
    tau_s: float  # envelope time constant
    kick: float  # extra swing from the impact, relative to the step
    step: bool = True  # False: a bump (a knock on the tray) that rings around an unchanged load

    def ringing(self, t: float) -> float:
        """Relative offset from the new static load: -1 at the start, 0 once settled."""
        dt = t - self.start_s
        if dt < 0:
            return 0.0  # not yet started: caller adds nothing (the old load is still in place)
        w = 2 * math.pi * self.freq_hz * dt
        if not self.step:
            return math.exp(-dt / self.tau_s) * math.sin(w)
        return math.exp(-dt / self.tau_s) * (-math.cos(w) + self.kick * math.sin(w))

    def creep(self, t: float) -> float:
        dt = t - self.start_s
        if dt <= 0 or not self.step:
            return 0.0
        return CREEP_FRACTION * (1 - math.exp(-dt / CREEP_TAU_S))

    def settled(self, t: float) -> bool:
        return t - self.start_s > 12 * self.tau_s


@dataclass(frozen=True, slots=True)
class PhysicsOptions:
    """Knobs of the model (defaults: a 600 x 400 mm tray on four 20 kg cells in a shop)."""

    tray_mass_g: float = 1800.0  # dead load of the tray itself, on the cells from the start
    tau_range_s: tuple[float, float] = (0.02, 0.052)  # 15 kg rings down below 1 g in 9.5 tau = 0.19–0.49 s
    kick_range: tuple[float, float] = (0.0, 0.6)
    drift_g_per_15min: float = 2.0
    temperature_amplitude_c: float = 1.5
    temperature_period_s: float = 3600.0
    zero_tc_g_per_c: float = 0.3  # per cell, random sign


class LoadCellPhysics:
    """Forces on the four cells over simulated time; thread-safe (the scene changes from other threads)."""

    def __init__(self, width_mm: float, depth_mm: float, rng: random.Random, options: PhysicsOptions | None = None):
        self.width_mm = width_mm
        self.depth_mm = depth_mm
        self.options = options or PhysicsOptions()
        self._rng = rng
        self._lock = threading.Lock()
        tray = self.options.tray_mass_g / CELLS
        self._static: tuple[float, ...] = (tray,) * CELLS
        self._settled_creep = [0.0] * CELLS  # creep of transients already folded away
        self._transients: list[Transient] = []
        # The whole scale drifts by drift_g_per_15min (either way), unevenly shared by the cells.
        weights = [rng.uniform(0.2, 1.0) for _ in range(CELLS)]
        rate = rng.choice((-1, 1)) * self.options.drift_g_per_15min / 900.0
        self._drift_rate = [rate * w / sum(weights) for w in weights]
        self._zero_tc = [rng.choice((-1, 1)) * self.options.zero_tc_g_per_c * rng.uniform(0.5, 1) for _ in range(CELLS)]
        self._temp_phase = rng.uniform(0, 2 * math.pi)
        self.changes: list[tuple[float, int, float]] = []  # (time, scene version, new total) for benchmarks
        # Every transient, kept (bounded) so the ringing at a past moment can be told after the model has
        # folded settled ones away: benchmarks judge readings that lag the simulation by up to seconds.
        self._history: deque[Transient] = deque(maxlen=2000)

    def set_scene(self, t: float, snapshot: SceneSnapshot, instant: bool = False) -> None:
        """The scene changed at time ``t``: start the transient towards its new static loads.

        ``instant``: the load was already there (the tray's state when the simulation starts), no ringing."""
        tray = self.options.tray_mass_g / CELLS
        loads = tuple(tray + g for g in split_load(snapshot.items, self.width_mm, self.depth_mm))
        with self._lock:
            delta = tuple(new - old for new, old in zip(loads, self._static, strict=True))
            self._static = loads
            if instant:
                return
            lo, hi = self.options.tau_range_s
            kmin, kmax = self.options.kick_range
            # An item that is put down lands (overshoot); one that is lifted off does not kick as hard.
            kick = self._rng.uniform(kmin, kmax) * (1.0 if sum(delta) > 0 else 0.3)
            transient = Transient(t, delta, ring_frequency_hz(sum(loads)), self._rng.uniform(lo, hi), kick)
            self._transients.append(transient)
            self._history.append(transient)
            self.changes.append((t, snapshot.version, snapshot.total_mass_g))

    def bump(self, t: float, peak_g: float = 300.0) -> None:
        """Someone knocks the tray at ``t``: it rings (about ``peak_g`` at first) and the load stays as it was."""
        with self._lock:
            lo, hi = self.options.tau_range_s
            tau = self._rng.uniform(lo, hi)
            share = tuple(peak_g / CELLS for _ in range(CELLS))
            transient = Transient(t, share, ring_frequency_hz(sum(self._static)), tau, 0.0, step=False)
            self._transients.append(transient)
            self._history.append(transient)

    def temperature_c(self, t: float) -> float:
        o = self.options
        return 22.0 + o.temperature_amplitude_c * math.sin(2 * math.pi * t / o.temperature_period_s + self._temp_phase)

    def loads_at(self, t: float) -> list[float]:
        """Grams each cell feels at time ``t`` (static load, ringing, creep, drift, temperature)."""
        with self._lock:
            loads = list(self._static)
            for i in range(CELLS):
                loads[i] += self._settled_creep[i]
            keep: list[Transient] = []
            for tr in self._transients:
                ring = tr.ringing(t)
                creep = tr.creep(t)
                for i, d in enumerate(tr.delta_g):
                    loads[i] += d * (ring + creep)
                # Creep keeps going for minutes; only fold a transient away once it is settled *and* old.
                if tr.settled(t) and t - tr.start_s > 10 * CREEP_TAU_S:
                    for i, d in enumerate(tr.delta_g):
                        self._settled_creep[i] += d * CREEP_FRACTION
                else:
                    keep.append(tr)
            if len(keep) != len(self._transients):
                self._transients = keep
            # Bound the work per sample: transients far in the past contribute only creep; merge them.
            if len(self._transients) > 32:
                self._merge_old(t)
        dtemp = self.temperature_c(t) - 22.0
        for i in range(CELLS):
            loads[i] += self._drift_rate[i] * t + self._zero_tc[i] * dtemp
        return loads

    def _merge_old(self, t: float) -> None:
        old = [tr for tr in self._transients if tr.settled(t)]
        for tr in old:
            c = tr.creep(t)
            for i, d in enumerate(tr.delta_g):
                self._settled_creep[i] += d * c  # freeze its creep so far (approximation for long runs)
        self._transients = [tr for tr in self._transients if not tr.settled(t)]

    def true_total_at(self, t: float) -> float:
        """The noise-free total the cells carry at ``t`` minus the tray (what an ideal scale would show)."""
        return sum(self.loads_at(t)) - self.options.tray_mass_g

    def ringing_total_at(self, t: float) -> float:
        """How far (grams, signed) the ringing of recent changes moves the total from its static value at ``t``."""
        with self._lock:
            total = 0.0
            for tr in reversed(self._history):
                if t - tr.start_s > 2.0:  # older ones have long died away (12 tau < 1 s)
                    break
                total += sum(tr.delta_g) * tr.ringing(t)
            return total

    def static_total(self) -> float:
        """The settled load on the tray now (scene truth), tray excluded."""
        with self._lock:
            return sum(self._static) - self.options.tray_mass_g
