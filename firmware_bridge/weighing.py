"""The weighing engine: raw per-cell counts in, readings out, with zero, tare, zero tracking and stability.

Pure logic (no I/O, no clock: the caller passes the device time and the host timestamp), so every rule is
tested with plain numbers. Rules, after OIML R76:

* initial zero-setting: the first stable load after start becomes zero if within ±20 % of Max; until then
  readings carry the fault ``zero_not_set``. Started from a restored zero (the zero it had before a restart,
  see ``zero_memory``), the scale weighs at once and re-zeroes at its first stable load only when that load
  is within ±4 e of the restored zero (drift on an empty tray), or below it (the restored zero is wrong);
  a larger load is what was left on the tray, and is weighed;
* zero-setting (``zero()``) only when stable, without tare, and within ±2 % of Max of the initial zero;
* zero tracking: while stable and within ±0.5 e of zero, zero follows drift at no more than 0.5 e per second,
  and never beyond ±2 % of Max of the initial zero;
* tare (``tare()``) only when stable and the gross load is positive; preset tare rounded to e;
* dynamic weighing (with ``dynamic`` criteria; the firmware scale turns it on): while the load still rings, a
  trusted estimate of its final weight (:mod:`firmware_bridge.dynamic_weighing`) makes the reading stable early
  (``settled_by="dynamic"``); zero-setting, tare, the initial zero and zero tracking still wait for the load to
  be at rest (the classic rule, ``settled_by="stability"``), as a real scale zeroes only at rest;
* display rounded to the interval of the net load (multi-interval), blanked on overload (> Max + 9 e) and
  underload (< −20 e).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from firmware_bridge.calibration import Calibration
from firmware_bridge.centre_of_load import centre_of_load
from firmware_bridge.dynamic_weighing import DynamicCriteria, DynamicWeigher
from firmware_bridge.intervals import (
    MULTI_INTERVAL,
    Interval,
    capacity,
    display,
    interval_for,
    is_overload,
    is_underload,
)
from firmware_bridge.reading import Reading
from firmware_bridge.stability import StabilityCriteria, StabilityDetector

INITIAL_ZERO_RANGE = 0.20
ZERO_SETTING_RANGE = 0.02
ZERO_TRACKING_RATE_E_PER_S = 0.5
ZERO_TRACKING_BAND_E = 0.5
RESTORED_ZERO_BAND_E = 4.0
DISPLAY_SAMPLES = 8  # moving average for the (unstable) display: 100 ms at 80 SPS


class ScaleError(Exception):
    """A scale operation that cannot be done now (not stable, out of range, no link); the message says why."""


class WeighingEngine:
    """Turns samples of raw counts into :class:`Reading` objects and keeps zero and tare."""

    def __init__(
        self,
        calibration: Calibration,
        intervals: Sequence[Interval] = MULTI_INTERVAL,
        criteria: StabilityCriteria | None = None,
        initial_zero: bool = True,
        zero_tracking: bool = True,
        restored_zero: tuple[Sequence[float], Sequence[float]] | None = None,
        dynamic: DynamicCriteria | None = None,
    ) -> None:
        """``restored_zero``: (zero counts, reference counts) per cell from before a restart, or None.
        ``dynamic``: the criteria of dynamic weighing, None (the default here) for the classic stability rule alone.
        :class:`~firmware_bridge.firmware_scale.FirmwareScale` turns it on; the simulated MT-SICS balance, which
        builds on this engine, keeps the classic rule (a balance has its own)."""
        self.calibration = calibration
        self.intervals = tuple(intervals)
        self.capacity_g = capacity(self.intervals)
        self.zero_tracking = zero_tracking
        n = len(calibration.cells)
        self._gpc = [c.grams_per_count for c in calibration.cells]
        self._zero = [c.zero_counts for c in calibration.cells]  # counts that read 0 g, per cell
        self._zero_ref = list(self._zero)  # the initial zero: zero-setting and tracking stay near it
        self._zeroed = not initial_zero
        self._check_restored = False
        if restored_zero is not None and initial_zero:
            zero, reference = restored_zero
            if len(zero) != n or len(reference) != n:
                raise ValueError(f"a restored zero of {len(zero)} cells for a {n}-cell calibration")
            self._zero, self._zero_ref = [float(c) for c in zero], [float(c) for c in reference]
            self._zeroed = True
            self._check_restored = True
        self._tare = 0.0
        self._stability = StabilityDetector(criteria)
        self._dynamic = DynamicWeigher(dynamic) if dynamic is not None else None
        self._window_s = self._stability.criteria.window_s
        self._history: deque[tuple[float, tuple[float, ...]]] = deque()  # (t, counts) over the stability window
        self._recent: deque[float] = deque(maxlen=DISPLAY_SAMPLES)
        self._last_t: float | None = None
        self._channels = n
        self.last: Reading | None = None

    # -- state -------------------------------------------------------------------------------------------

    @property
    def tare_g(self) -> float:
        return self._tare

    @property
    def zeroed(self) -> bool:
        return self._zeroed

    @property
    def zero_counts(self) -> tuple[float, ...]:
        return tuple(self._zero)

    @property
    def reference_counts(self) -> tuple[float, ...]:
        return tuple(self._zero_ref)

    @property
    def dynamic_criteria(self) -> DynamicCriteria | None:
        return self._dynamic.criteria if self._dynamic is not None else None

    def reset_motion(self) -> None:
        """Forget the recent past (after a reconnect or an MCU reboot: the device clock restarted)."""
        self._stability.reset()
        if self._dynamic is not None:
            self._dynamic.reset()
        self._history.clear()
        self._recent.clear()
        self._last_t = None

    def _mean_counts(self) -> list[float]:
        n = len(self._history)
        return [sum(c[i] for _, c in self._history) / n for i in range(self._channels)]

    def _gross_cells(self, counts: Sequence[float]) -> list[float]:
        return [(counts[i] - self._zero[i]) * self._gpc[i] for i in range(self._channels)]

    def _shift_from_reference_g(self, zero: Sequence[float]) -> float:
        return sum((zero[i] - self._zero_ref[i]) * self._gpc[i] for i in range(self._channels))

    # -- operations (the caller holds whatever lock guards the engine) ------------------------------------

    def zero(self) -> None:
        if not self._stability.stable or not self._history:
            raise ScaleError("cannot zero: the load is not stable")
        if self._tare:
            raise ScaleError("cannot zero while a tare is set; clear the tare first")
        new_zero = self._mean_counts()
        shift = self._shift_from_reference_g(new_zero)
        if abs(shift) > ZERO_SETTING_RANGE * self.capacity_g:
            raise ScaleError(
                f"cannot zero: {shift:+.0f} g from the initial zero is outside the ±{ZERO_SETTING_RANGE:.0%} range"
            )
        self._zero = new_zero
        self._stability.reset()
        if self._dynamic is not None:
            self._dynamic.reset()  # its samples are of the old zero
        self._recent.clear()

    def tare(self) -> float:
        """Take the current gross load as tare; returns it."""
        if not self._stability.stable or not self._history:
            raise ScaleError("cannot tare: the load is not stable")
        if not self._zeroed:
            raise ScaleError("cannot tare before the scale has found its zero")
        gross = sum(self._gross_cells(self._mean_counts()))
        if gross <= 0:
            raise ScaleError(f"cannot tare a gross load of {gross:.0f} g (must be positive)")
        if gross > self.capacity_g:
            raise ScaleError(f"cannot tare {gross:.0f} g: above the capacity of {self.capacity_g:.0f} g")
        self._tare = gross
        self._recent.clear()
        return gross

    def preset_tare(self, grams: float) -> float:
        """Set a known tare (e.g. the basket's, from its QR code); returns it rounded to the scale interval."""
        if not 0 <= grams <= self.capacity_g:
            raise ScaleError(f"preset tare {grams:g} g is outside 0..{self.capacity_g:.0f} g")
        shown, _e = display(grams, self.intervals)
        self._tare = shown
        self._recent.clear()
        return shown

    def clear_tare(self) -> None:
        self._tare = 0.0
        self._recent.clear()

    # -- the stream ------------------------------------------------------------------------------------

    def process(
        self, device_time_s: float, counts: Sequence[float], faults: frozenset[str], timestamp: float
    ) -> Reading:
        if len(counts) != self._channels:
            raise ValueError(f"{len(counts)} counts for a {self._channels}-cell calibration")
        t = device_time_s
        n = self._channels
        found = set(faults)
        self._history.append((t, tuple(counts)))
        while len(self._history) > 2 and t - self._history[1][0] >= self._window_s:
            self._history.popleft()
        cells = self._gross_cells(counts)
        gross = sum(cells)
        self._recent.append(gross)
        e = interval_for(gross - self._tare, self.intervals)
        if found:
            self._stability.reset()
            if self._dynamic is not None:
                self._dynamic.reset()
            stable = False
        else:
            stable = self._stability.update(t, gross, e)

        if self._check_restored and stable:
            self._check_restored = False
            # Near the restored zero: drift on an empty tray, zero it. Far below it: the restored zero is wrong
            # (nothing weighs less than nothing), zero as at a cold start. Far above: a load left on the tray.
            if gross <= RESTORED_ZERO_BAND_E * interval_for(0.0, self.intervals):
                self._zeroed = False
        if not self._zeroed and stable:
            shift = sum((counts[i] - self.calibration.cells[i].zero_counts) * self._gpc[i] for i in range(n))
            if abs(shift) <= INITIAL_ZERO_RANGE * self.capacity_g:
                self._zero = self._mean_counts()
                self._zero_ref = list(self._zero)
                self._zeroed = True
                self._stability.reset()
                if self._dynamic is not None:
                    self._dynamic.reset()
                self._recent.clear()
                cells = self._gross_cells(counts)
                gross = sum(cells)
                stable = False
            else:
                found.add("initial_zero_out_of_range")
        elif self._zeroed and stable and self.zero_tracking:
            self._track_zero(t, gross, e)

        if self._last_t is not None and t < self._last_t:
            self.reset_motion()
        self._last_t = t

        if not self._zeroed:
            found.add("zero_not_set")
        if is_overload(gross, self.intervals):
            found.add("overload")
        elif is_underload(gross, self.intervals):
            found.add("underload")

        # Dynamic weighing only while the classic rule says "moving", and only once zeroed (before that the
        # gross is relative to the calibration's zero, and the first stable load becomes the zero instead).
        estimate = None
        if self._dynamic is not None:
            if stable or found or not self._zeroed:
                if not found:
                    self._dynamic.observe(t, gross)
            else:
                # A raw value repeated exactly (noise makes that rare) is the spike filter's stand-in for a crest
                # or a stale cell: a value from another moment than the sample's time.
                prev = self._history[-2][1] if len(self._history) > 1 else None
                doubtful = prev is not None and any(a == b for a, b in zip(counts, prev, strict=True))
                estimate = self._dynamic.update(t, gross, e, doubtful)
        settled_by: str | None = None
        if stable:
            mean = self._stability.mean()
            value_gross = gross if mean is None else mean
            settled_by = "stability"
        elif estimate is not None:
            value_gross = estimate.grams
            settled_by = "dynamic"
        else:
            value_gross = sum(self._recent) / len(self._recent) if self._recent else gross
        net = value_gross - self._tare
        shown, e = display(net, self.intervals)
        frozen = frozenset(found)
        trusted = settled_by is not None and not frozen
        reading = Reading(
            timestamp=timestamp,
            grams=None if frozen else shown,
            stable=trusted,
            settled_by=settled_by if trusted else None,
            faults=frozen,
            cells_g=tuple(cells),
            net_g=net,
            gross_g=value_gross,
            tare_g=self._tare,
            e_g=e,
            device_time_s=t,
            centre_mm=centre_of_load(cells, self.calibration.cell_positions_mm, min_total_g=20 * e),
        )
        self.last = reading
        return reading

    def _track_zero(self, t: float, gross: float, e: float) -> None:
        if self._last_t is None or t <= self._last_t:
            return
        mean = self._stability.mean()
        band = ZERO_TRACKING_BAND_E * e
        # Both the window's mean and the newest value must be near zero: a small real load that just arrived
        # inside a stable window (a step below the band) is not drift.
        if mean is None or abs(mean) >= band or abs(gross) >= band or self._tare:
            return
        # Move each cell's zero towards its current reading, the whole scale by at most 0.5 e/s.
        budget = ZERO_TRACKING_RATE_E_PER_S * e * (t - self._last_t)
        step = max(-budget, min(budget, mean))
        if abs(self._shift_from_reference_g(self._zero) + step) > ZERO_SETTING_RANGE * self.capacity_g:
            return
        # Spread over the cells equally: the drift of each cell is not observable on its own near zero.
        for i in range(self._channels):
            self._zero[i] += step / self._channels / self._gpc[i]
