"""Per-cell calibration of the load cells: the math (two-point, corner solve) and the file it is kept in.

A cell's calibration is two numbers: the raw count with nothing on the tray (``zero_counts``) and the grams per
count (``grams_per_count``). With four cells under one tray a known weight at the centre only tells their sum,
so the guided procedure puts the weight over each corner in turn and solves for the four sensitivities
(least squares when more placements than cells are given). Pure functions and a JSON file; no I/O elsewhere.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# A 20 kg, 2 mV/V load cell on an HX711 at gain 128, excited from the chip's own supply (ratiometric):
# counts = 2e-3 * (load / 20 kg) / (0.5 / 128) * 2**23 → 214.748 counts per gram. The nominal calibration and
# the simulator's default cells use exactly this, so an uncalibrated simulated scale reads true grams.
CELL_CAPACITY_G = 20000.0
NOMINAL_COUNTS_PER_GRAM = 2e-3 / CELL_CAPACITY_G * 128 / 0.5 * 2**23
FILE_VERSION = 1
DEFAULT_TRAY_MM = (600.0, 400.0)
# A sample whose cell is this far from the cell's median over an averaging window is a spike or a knock, not
# the load (~9 g at the nominal gain; the noise is ~38 counts rms, the firmware's spike threshold 20,000).
OUTLIER_COUNTS = 2000.0


class CalibrationError(ValueError):
    """Calibration data that cannot be right (a cell that did not move, a singular corner system, a bad file)."""


@dataclass(frozen=True, slots=True)
class CellCalibration:
    zero_counts: float
    grams_per_count: float

    def grams(self, counts: float) -> float:
        return (counts - self.zero_counts) * self.grams_per_count


def corner_positions(width_mm: float, depth_mm: float) -> tuple[tuple[float, float], ...]:
    """Cell positions for a tray on four corner cells, clockwise from the top-left (the protocol's order)."""
    return ((0.0, 0.0), (width_mm, 0.0), (width_mm, depth_mm), (0.0, depth_mm))


@dataclass(frozen=True, slots=True)
class Calibration:
    """The whole scale's calibration: one entry per cell, where the cells sit, and the scale's capacity."""

    cells: tuple[CellCalibration, ...]
    cell_positions_mm: tuple[tuple[float, float], ...]
    capacity_g: float = 30000.0
    created: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if not self.cells:
            raise CalibrationError("a calibration needs at least one cell")
        if len(self.cell_positions_mm) != len(self.cells):
            raise CalibrationError(
                f"{len(self.cells)} cells but {len(self.cell_positions_mm)} cell positions; give one (x, y) per cell"
            )
        for i, cell in enumerate(self.cells):
            if not cell.grams_per_count > 0:
                raise CalibrationError(f"cell {i}: grams_per_count must be > 0, got {cell.grams_per_count}")

    @classmethod
    def nominal(cls, channels: int = 4, tray_mm: tuple[float, float] = DEFAULT_TRAY_MM) -> Calibration:
        """Data-sheet calibration (zero 0, 214.748 counts/g): right for the simulator, ±1 % for real cells."""
        cells = tuple(CellCalibration(0.0, 1.0 / NOMINAL_COUNTS_PER_GRAM) for _ in range(channels))
        positions = corner_positions(*tray_mm) if channels == 4 else tuple((0.0, 0.0) for _ in range(channels))
        return cls(cells, positions, note="nominal (data sheet)")

    def cell_grams(self, counts: Sequence[float]) -> tuple[float, ...]:
        return tuple(c.grams(n) for c, n in zip(self.cells, counts, strict=True))

    def to_json(self) -> dict[str, object]:
        return {
            "version": FILE_VERSION,
            "created": self.created,
            "note": self.note,
            "capacity_g": self.capacity_g,
            "cells": [
                {"zero_counts": c.zero_counts, "grams_per_count": c.grams_per_count, "position_mm": list(p)}
                for c, p in zip(self.cells, self.cell_positions_mm, strict=True)
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Calibration:
        try:
            if data.get("version") != FILE_VERSION:
                raise CalibrationError(f"calibration file version {data.get('version')!r}, expected {FILE_VERSION}")
            raw_cells = data["cells"]
            assert isinstance(raw_cells, list)
            cells = tuple(CellCalibration(float(c["zero_counts"]), float(c["grams_per_count"])) for c in raw_cells)
            positions = tuple((float(c["position_mm"][0]), float(c["position_mm"][1])) for c in raw_cells)
            capacity = data.get("capacity_g", 30000.0)
            assert isinstance(capacity, int | float)
            return cls(cells, positions, float(capacity), str(data.get("created", "")), str(data.get("note", "")))
        except (KeyError, TypeError, ValueError, AssertionError, IndexError) as exc:
            if isinstance(exc, CalibrationError):
                raise
            raise CalibrationError(f"malformed calibration data: {exc!r}") from None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically (temp file + rename): a crash mid-write never leaves half a calibration."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".cal-", dir=target.parent)
        with os.fdopen(fd, "w") as fh:
            json.dump(self.to_json(), fh, indent=2)
            fh.write("\n")
        os.replace(tmp, target)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Calibration:
        try:
            data = json.loads(Path(path).read_text())
        except OSError as exc:
            raise CalibrationError(f"cannot read calibration file {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise CalibrationError(f"calibration file {path} is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise CalibrationError(f"calibration file {path} does not hold an object")
        return cls.from_json(data)


def robust_mean_counts(samples: Sequence[Sequence[int | float]]) -> tuple[float, ...]:
    """Per-cell mean of raw samples taken at rest, leaving out every sample with a cell more than
    :data:`OUTLIER_COUNTS` from that cell's median. Raises :class:`CalibrationError` when fewer than half of the
    samples are left (the load moved) or there are none."""
    if not samples:
        raise CalibrationError("no samples to average")
    cells = len(samples[0])
    medians = [sorted(s[i] for s in samples)[len(samples) // 2] for i in range(cells)]
    kept = [s for s in samples if all(abs(s[i] - medians[i]) <= OUTLIER_COUNTS for i in range(cells))]
    if 2 * len(kept) < len(samples):
        raise CalibrationError(
            f"the load moved while it was measured ({len(samples) - len(kept)} of {len(samples)} samples off)"
        )
    return tuple(sum(s[i] for s in kept) / len(kept) for i in range(cells))


def two_point(zero_counts: float, loaded_counts: float, known_g: float) -> CellCalibration:
    """One cell from an empty reading and a reading with ``known_g`` on it."""
    span = loaded_counts - zero_counts
    if known_g <= 0:
        raise CalibrationError(f"the known weight must be > 0 g, got {known_g}")
    if span <= 0:
        raise CalibrationError(f"the cell did not respond to the weight (span {span:+.0f} counts)")
    return CellCalibration(zero_counts, known_g / span)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting for a small square system."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-12 * max(1.0, max(abs(x) for row in m for x in row[:n])):
            raise CalibrationError("the placements do not determine every cell (put the weight over each corner)")
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def solve_corners(
    zero_counts: Sequence[float],
    placements: Sequence[Sequence[float]],
    known_g: float,
    cell_positions_mm: Sequence[tuple[float, float]],
    capacity_g: float = 30000.0,
) -> Calibration:
    """Per-cell sensitivities from the empty tray and the same known weight placed at several spots.

    Each placement k gives one equation Σᵢ sᵢ·(countsᵢₖ − zeroᵢ) = known_g in the unknown grams-per-count sᵢ;
    with as many placements as cells it is solved exactly, with more by least squares."""
    n = len(zero_counts)
    if known_g <= 0:
        raise CalibrationError(f"the known weight must be > 0 g, got {known_g}")
    if len(placements) < n:
        raise CalibrationError(f"{len(placements)} placements for {n} cells; place the weight over every corner")
    rows = [[p[i] - zero_counts[i] for i in range(n)] for p in placements]
    ata = [[sum(r[i] * r[j] for r in rows) for j in range(n)] for i in range(n)]
    atb = [sum(r[i] * known_g for r in rows) for i in range(n)]
    gains = _solve(ata, atb)
    for i, g in enumerate(gains):
        if g <= 0:
            raise CalibrationError(f"cell {i} came out with a non-positive sensitivity; is it wired backwards?")
    return Calibration(
        tuple(CellCalibration(float(z), g) for z, g in zip(zero_counts, gains, strict=True)),
        tuple(cell_positions_mm),
        capacity_g,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        note=f"corner calibration with {known_g:g} g",
    )
