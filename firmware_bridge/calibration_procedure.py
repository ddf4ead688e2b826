"""Guided corner calibration of a four-cell firmware scale: what the technician is told and what is measured.

Steps: empty tray (zero counts of every cell), then the known weight over each corner in turn (the step
waits until a stable load of about the known weight shows up over *that* corner, so no key presses are
needed and a weight on the wrong corner is pointed out), then the weight in the middle as a check. The
sensitivities come from :func:`firmware_bridge.calibration.solve_corners` (least squares over all five
placements). The result is checked against the known weight before anyone saves it.

A tray that is not empty at the first step would become the new zero, and every weighing after would miss
that load. Two checks refuse it: with an earlier calibration (the scale's current one is not the data-sheet
one), the "empty" tray must weigh within :data:`EMPTY_TOLERANCE_G` of that calibration's empty tray; and at the
end, with the weight taken off, the tray must weigh what it weighed at the first step, not less (something was
removed with the weight). Only the very first calibration of a scale with an item left on it throughout
cannot be told from a heavier tray.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from firmware_bridge.calibration import Calibration, CalibrationError, solve_corners
from firmware_bridge.firmware_scale import FirmwareScale
from firmware_bridge.reading import Reading
from firmware_bridge.weighing import ScaleError

CORNER_NAMES = ("top-left", "top-right", "bottom-right", "bottom-left")
AVERAGE_S = 0.5
MAX_ERROR_FRACTION = 0.001  # after calibration every placement must read within 0.1 % of the known weight
# An empty tray reads within this of the last calibration's empty tray (drift, dust, temperature): far below
# any product, far above the scale's noise.
EMPTY_TOLERANCE_G = 20.0


class TrayNotEmptyError(CalibrationError):
    """The step that measures the empty tray found a load on it."""


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    calibration: Calibration
    check_errors_g: tuple[float, ...]  # per placement: computed − known, with the new calibration


class CornerCalibration:
    """Runs the guided procedure on an open :class:`FirmwareScale`; ``say`` tells the technician what to do."""

    def __init__(
        self, scale: FirmwareScale, known_g: float, say: Callable[[str], None] = print, step_timeout: float = 120.0
    ) -> None:
        if known_g <= 0:
            raise CalibrationError(f"the known weight must be > 0 g, got {known_g:g}")
        self.scale = scale
        self.known_g = known_g
        self.say = say
        self.step_timeout = step_timeout
        self._empty_gross: float | None = None
        self._empty_cells: tuple[float, ...] = ()
        self._warned: int | None = None  # the wrong corner already pointed out (once, not on every reading)

    def _stable(self, predicate: Callable[[Reading], bool], what: str) -> Reading:
        """Wait for a stable load that satisfies ``predicate``, then for AVERAGE_S more of it at rest.

        Stability (1 e) allows a little leftover ringing; calibration wants the load quite still, so the
        counts are averaged only over a stretch that starts once the scale first calls it stable. A weight
        dynamic weighing trusts while the tray still rings (``settled_by="dynamic"``) is not enough: the
        counts averaged here are the raw ones, so the load must be at rest by the classic rule."""

        def at_rest(r: Reading) -> bool:
            return r.settled_by != "dynamic" and r.stable and predicate(r)

        try:
            first = self.scale.wait_for(at_rest, self.step_timeout)
            t0 = first.device_time_s or 0.0
            return self.scale.wait_for(
                lambda r: at_rest(r) and (r.device_time_s or 0.0) >= t0 + AVERAGE_S + 0.2,
                self.step_timeout,
            )
        except ScaleError:
            raise CalibrationError(f"gave up waiting for {what} after {self.step_timeout:g} s") from None

    def run(self) -> CalibrationResult:
        cells = len(self.scale.calibration.cells)
        if cells != len(CORNER_NAMES):
            raise CalibrationError(f"corner calibration needs 4 cells, this scale has {cells}")
        self.say("Clear the tray completely.")
        empty = self._stable(lambda r: True, "an empty, still tray")
        self._empty_gross = empty.gross_g or 0.0
        self._empty_cells = empty.cells_g
        if self._calibrated_before() and self._empty_gross > EMPTY_TOLERANCE_G:
            raise TrayNotEmptyError(
                f"the tray is not empty: it weighs {self._empty_gross:.0f} g more than the empty tray of the last "
                "calibration; take everything off it and start again (nothing was saved)"
            )
        zero = self.scale.mean_counts(AVERAGE_S)
        self.say(f"Empty tray measured. Now the {self.known_g:g} g weight, one corner after the other.")
        placements = []
        for corner, name in enumerate(CORNER_NAMES):
            self.say(f"Put the {self.known_g:g} g weight over the {name} corner (cell {corner}).")
            self._stable(functools.partial(self._over_corner, corner=corner), f"the weight over the {name} corner")
            placements.append(self.scale.mean_counts(AVERAGE_S))
            self.say(f"  {name}: measured.")
        self.say(f"Put the {self.known_g:g} g weight in the middle of the tray.")
        self._stable(lambda r: self._in_middle(r), "the weight in the middle")
        placements.append(self.scale.mean_counts(AVERAGE_S))
        calibration = solve_corners(
            zero,
            placements,
            self.known_g,
            self.scale.calibration.cell_positions_mm,
            self.scale.calibration.capacity_g,
        )
        errors = tuple(sum(calibration.cell_grams(p)) - self.known_g for p in placements)
        worst = max(abs(e) for e in errors)
        if worst > MAX_ERROR_FRACTION * self.known_g:
            raise CalibrationError(
                f"placements disagree by up to {worst:.1f} g after calibration; check the weight and the cells"
            )
        self.say("Remove the weight: the tray must be empty again for a last check.")
        after = self._stable(lambda r: self._delta(r)[0] < 0.5 * self.known_g, "the tray without the weight")
        lighter = -self._delta(after)[0]
        if lighter > max(EMPTY_TOLERANCE_G, MAX_ERROR_FRACTION * self.known_g):
            raise TrayNotEmptyError(
                f"the tray was not empty at the start: it now weighs {lighter:.0f} g less than it did then; "
                "clear it completely and calibrate again (nothing was saved)"
            )
        self.say("Done.")
        return CalibrationResult(calibration, errors)

    def _calibrated_before(self) -> bool:
        # The data-sheet calibration's zero is 0 counts: its "empty tray" includes the tray and the cells' offsets.
        return any(c.zero_counts != 0.0 for c in self.scale.calibration.cells)

    def _delta(self, r: Reading) -> tuple[float, list[float]]:
        assert self._empty_gross is not None
        total = (r.gross_g or 0.0) - self._empty_gross
        per_cell = [c - e for c, e in zip(r.cells_g, self._empty_cells, strict=True)]
        return total, per_cell

    def _near_known(self, total: float) -> bool:
        # The old calibration may be off by a few per cent; anything within 20 % is the weight.
        return abs(total - self.known_g) <= 0.2 * self.known_g

    def _over_corner(self, r: Reading, *, corner: int) -> bool:
        total, cells = self._delta(r)
        if not self._near_known(total):
            return False
        if cells[corner] < 0.5 * total:
            heaviest = max(range(len(cells)), key=lambda i: cells[i])
            if heaviest != corner and cells[heaviest] >= 0.5 * total and heaviest != self._warned:
                self._warned = heaviest
                self.say(f"  That is the {CORNER_NAMES[heaviest]} corner; the {CORNER_NAMES[corner]} one, please.")
            return False
        return True

    def _in_middle(self, r: Reading) -> bool:
        total, cells = self._delta(r)
        return self._near_known(total) and max(cells) < 0.5 * total
