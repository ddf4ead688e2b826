"""Load-cell physics: the split by position, ringing that dies away, creep, drift, bumps."""

from __future__ import annotations

import math
import random

import pytest

from hardware_sim.loadcell_physics import LoadCellPhysics, PhysicsOptions, ring_frequency_hz, split_load
from hardware_sim.scene import PlacedItem, Scene


def _item(mass: float, x: float, y: float) -> PlacedItem:
    return PlacedItem(1, "product", "x", mass, x, y)


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (0, 0, (1000, 0, 0, 0)),
        (600, 0, (0, 1000, 0, 0)),
        (600, 400, (0, 0, 1000, 0)),
        (0, 400, (0, 0, 0, 1000)),
        (300, 200, (250, 250, 250, 250)),
        (-50, 900, (0, 0, 0, 1000)),  # outside the tray: clamped onto its edge
    ],
)
def test_split_load(x: float, y: float, expected: tuple[float, ...]) -> None:
    assert split_load([_item(1000, x, y)], 600, 400) == pytest.approx(expected)


def test_split_conserves_mass_and_centre() -> None:
    rng = random.Random(1)
    items = [_item(rng.uniform(10, 3000), rng.uniform(0, 600), rng.uniform(0, 400)) for _ in range(12)]
    loads = split_load(items, 600, 400)
    total = sum(i.mass_g for i in items)
    assert sum(loads) == pytest.approx(total)
    cx = (loads[1] + loads[2]) * 600 / total
    cy = (loads[2] + loads[3]) * 400 / total
    assert cx == pytest.approx(sum(i.mass_g * i.x_mm for i in items) / total)
    assert cy == pytest.approx(sum(i.mass_g * i.y_mm for i in items) / total)


@pytest.mark.parametrize(("load", "lo", "hi"), [(0, 14.9, 15), (100, 14, 15), (15000, 4, 4.1), (30000, 4, 4)])
def test_heavier_rings_slower(load: float, lo: float, hi: float) -> None:
    assert lo <= ring_frequency_hz(load) <= hi


def _physics(seed: int = 0, **options: float) -> LoadCellPhysics:
    return LoadCellPhysics(600, 400, random.Random(seed), PhysicsOptions(drift_g_per_15min=0, zero_tc_g_per_c=0))


def test_step_rings_then_settles_within_half_a_second() -> None:
    for seed in range(20):
        scene = Scene()
        phys = _physics(seed)
        scene.place(_item(15000, 300, 200))
        phys.set_scene(1.0, scene.snapshot())
        assert phys.true_total_at(1.0) == pytest.approx(0, abs=1e-6)  # the old load at the instant of change
        swing = max(abs(phys.true_total_at(1.0 + k / 400) - 15000) for k in range(1, 100))
        assert swing > 100  # it rings
        assert abs(phys.ringing_total_at(1.5)) < 1.0  # and is below a gram after 0.5 s


def test_creep_is_small_and_slow() -> None:
    scene = Scene()
    phys = _physics()
    scene.place(_item(10000, 300, 200))
    phys.set_scene(0.0, scene.snapshot())
    assert phys.true_total_at(600.0) - 10000 == pytest.approx(10000 * 0.0002 * (1 - math.exp(-1)), rel=1e-3)


def test_drift_is_about_two_grams_per_quarter_hour() -> None:
    drifts = []
    for seed in range(30):
        phys = LoadCellPhysics(600, 400, random.Random(seed), PhysicsOptions(zero_tc_g_per_c=0))
        drifts.append(abs(phys.true_total_at(900.0) - phys.true_total_at(0.0)))
    assert drifts == pytest.approx([2.0] * 30)


def test_bump_rings_around_the_same_load() -> None:
    scene = Scene()
    phys = _physics()
    scene.place(_item(2000, 300, 200))
    phys.set_scene(0.0, scene.snapshot(), instant=True)
    phys.bump(1.0, 300)
    assert max(abs(phys.true_total_at(1.0 + k / 200) - 2000) for k in range(1, 20)) > 50
    assert phys.true_total_at(2.0) == pytest.approx(2000, abs=0.5)
