"""Calibration math and file: two-point, corner solve, JSON round trip, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from firmware_bridge.calibration import (
    NOMINAL_COUNTS_PER_GRAM,
    Calibration,
    CalibrationError,
    CellCalibration,
    corner_positions,
    solve_corners,
    two_point,
)


def test_nominal_sensitivity_from_the_data_sheet() -> None:
    assert pytest.approx(214.748, abs=1e-3) == NOMINAL_COUNTS_PER_GRAM


@pytest.mark.parametrize(
    ("zero", "loaded", "known", "gpc", "error"),
    [
        (1000.0, 1000.0 + 2000 * 200, 2000.0, 1 / 200, None),
        (-5000.0, -5000.0 + 2000 * 250, 2000.0, 1 / 250, None),
        (1000.0, 900.0, 2000.0, None, "did not respond"),
        (1000.0, 5000.0, 0.0, None, "must be > 0"),
    ],
)
def test_two_point(zero: float, loaded: float, known: float, gpc: float | None, error: str | None) -> None:
    if error:
        with pytest.raises(CalibrationError, match=error):
            two_point(zero, loaded, known)
    else:
        cell = two_point(zero, loaded, known)
        assert cell.grams_per_count == pytest.approx(gpc)
        assert cell.grams(loaded) == pytest.approx(known)


def _counts(load_g: list[float], zero: list[float], cpg: list[float]) -> list[float]:
    return [z + g * c for z, g, c in zip(zero, load_g, cpg, strict=True)]


def _split(x: float, y: float, mass: float, w: float = 600, d: float = 400) -> list[float]:
    u, v = x / w, y / d
    return [mass * (1 - u) * (1 - v), mass * u * (1 - v), mass * u * v, mass * (1 - u) * v]


def test_solve_corners_recovers_each_cell() -> None:
    zero = [12000.0, -3000.0, 500.0, 40000.0]
    cpg = [210.0, 220.0, 214.0, 205.0]
    spots = [(60, 40), (540, 40), (540, 360), (60, 360), (300, 200)]
    placements = [_counts(_split(x, y, 2000), zero, cpg) for x, y in spots]
    cal = solve_corners(zero, placements, 2000, corner_positions(600, 400))
    for cell, c in zip(cal.cells, cpg, strict=True):
        assert cell.grams_per_count == pytest.approx(1 / c, rel=1e-9)
    assert sum(cal.cell_grams(_counts(_split(123, 321, 777), zero, cpg))) == pytest.approx(777)


def test_solve_corners_needs_every_corner() -> None:
    zero = [0.0] * 4
    same_spot = [_counts(_split(300, 200, 2000), zero, [214.0] * 4)] * 4
    with pytest.raises(CalibrationError, match="do not determine"):
        solve_corners(zero, same_spot, 2000, corner_positions(600, 400))
    with pytest.raises(CalibrationError, match="3 placements for 4 cells"):
        solve_corners(zero, same_spot[:3], 2000, corner_positions(600, 400))


def test_file_round_trip(tmp_path: Path) -> None:
    cal = Calibration((CellCalibration(1.5, 0.004), CellCalibration(-2.0, 0.005)), ((0, 0), (10, 0)), note="t")
    path = tmp_path / "sub" / "cal.json"
    cal.save(path)
    assert Calibration.load(path) == cal
    assert not list(path.parent.glob(".cal-*"))  # the temp file was renamed, not left behind


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "does not hold an object"),
        ('{"version": 9, "cells": []}', "version 9"),
        ('{"version": 1}', "malformed"),
        ('{"version": 1, "cells": [{"zero_counts": 0, "grams_per_count": -1, "position_mm": [0, 0]}]}', "> 0"),
    ],
)
def test_bad_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "cal.json"
    path.write_text(content)
    with pytest.raises(CalibrationError, match=message):
        Calibration.load(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CalibrationError, match="cannot read"):
        Calibration.load(tmp_path / "nope.json")


def test_json_layout_is_documented() -> None:
    data = Calibration.nominal().to_json()
    assert json.loads(json.dumps(data))["cells"][2]["position_mm"] == [600.0, 400.0]


def test_robust_mean_leaves_out_a_spike_the_firmware_let_through() -> None:
    from firmware_bridge.calibration import robust_mean_counts

    samples = [(100_000 + (i % 3), 200_000 - (i % 2)) for i in range(40)]
    plain = robust_mean_counts(samples)
    samples[17] = (100_000 ^ (1 << 18), 200_000)  # two spikes in a row pass a median-of-3 filter
    assert robust_mean_counts(samples) == pytest.approx(plain, abs=0.5)


def test_robust_mean_refuses_a_load_that_moved() -> None:
    from firmware_bridge.calibration import CalibrationError, robust_mean_counts

    with pytest.raises(CalibrationError, match="moved"):
        robust_mean_counts([(0,)] * 10 + [(50_000,)] * 12 + [(90_000,)] * 10)
    with pytest.raises(CalibrationError):
        robust_mean_counts([])
