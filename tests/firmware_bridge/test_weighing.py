"""The weighing engine with plain numbers: initial zero, zero, tare, zero tracking, faults, centre of load."""

from __future__ import annotations

import pytest

from firmware_bridge.calibration import Calibration, CellCalibration, corner_positions
from firmware_bridge.dynamic_weighing import DYNAMIC_ON, DynamicCriteria
from firmware_bridge.reading import Reading
from firmware_bridge.weighing import ScaleError, WeighingEngine

P = 1 / 80
CPG = 200.0  # counts per gram in these tests
CAL = Calibration(tuple(CellCalibration(0.0, 1 / CPG) for _ in range(4)), corner_positions(600, 400))


class Feeder:
    def __init__(self, engine: WeighingEngine) -> None:
        self.engine = engine
        self.t = 0.0

    def feed(self, cells_g: list[float], n: int = 1, faults: frozenset[str] = frozenset()) -> Reading:
        reading = None
        for _ in range(n):
            self.t += P
            reading = self.engine.process(self.t, [g * CPG for g in cells_g], faults, self.t)
        assert reading is not None
        return reading


def _zeroed(tray: float = 450.0, dynamic: DynamicCriteria | None = None) -> tuple[WeighingEngine, Feeder]:
    engine = WeighingEngine(CAL, dynamic=dynamic)
    f = Feeder(engine)
    f.feed([tray] * 4, 30)
    assert engine.zeroed
    return engine, f


def test_initial_zero_takes_the_empty_tray() -> None:
    engine = WeighingEngine(CAL)
    f = Feeder(engine)
    first = f.feed([450.0] * 4)
    assert first.faults == {"zero_not_set"} and first.grams is None
    r = f.feed([450.0] * 4, 40)
    assert r.ok and r.stable and r.grams == 0.0
    r = f.feed([450.0 + 250.0] * 4, 40)
    assert r.grams == 1000.0 and r.stable


def test_initial_zero_refuses_a_load_beyond_20_percent() -> None:
    engine = WeighingEngine(CAL)
    r = Feeder(engine).feed([2000.0] * 4, 40)
    assert "initial_zero_out_of_range" in r.faults and not engine.zeroed


def test_zero_only_when_stable_and_in_range() -> None:
    engine, f = _zeroed()
    f.feed([450.0 + 10] * 4, 1)  # a jump: not stable
    with pytest.raises(ScaleError, match="not stable"):
        engine.zero()
    f.feed([450.0 + 10] * 4, 30)
    engine.zero()
    assert f.feed([450.0 + 10] * 4, 30).grams == 0.0
    f.feed([450.0 + 200] * 4, 30)  # 800 g: beyond ±2 % of 30 kg
    with pytest.raises(ScaleError, match="outside"):
        engine.zero()


def test_tare_and_preset_tare() -> None:
    engine, f = _zeroed()
    f.feed([450.0 + 100] * 4, 30)
    assert engine.tare() == pytest.approx(400.0, abs=0.01)
    r = f.feed([450.0 + 100 + 50] * 4, 30)
    assert r.grams == 200.0 and r.tare_g == pytest.approx(400.0, abs=0.01)
    with pytest.raises(ScaleError, match="clear the tare"):
        engine.zero()
    assert engine.preset_tare(512.3) == 510.0
    engine.clear_tare()
    assert f.feed([450.0 + 150] * 4, 30).grams == 600.0
    f.feed([450.0] * 4, 30)
    with pytest.raises(ScaleError, match="positive"):
        engine.tare()
    with pytest.raises(ScaleError, match="outside"):
        engine.preset_tare(-1)


def test_tare_refused_while_moving() -> None:
    engine, f = _zeroed()
    f.feed([600.0] * 4, 1)
    with pytest.raises(ScaleError, match="not stable"):
        engine.tare()


def test_zero_tracking_follows_slow_drift_at_most_half_e_per_second() -> None:
    _engine, f = _zeroed()
    # 2 g of drift over the whole scale: well inside ±0.5 e, so zero tracking takes it, but slowly.
    r = f.feed([450.0 + 0.5] * 4, 2)
    seconds = 0.0
    while abs(r.gross_g or 0) > 0.05 and seconds < 10:
        before = r.gross_g or 0
        r = f.feed([450.0 + 0.5] * 4, 80)
        seconds += 1
        assert before - (r.gross_g or 0) <= 0.5 * 5.0 + 1e-6
    assert abs(r.gross_g or 0) <= 0.05
    assert seconds >= 1


def test_zero_tracking_leaves_real_loads_alone() -> None:
    _engine, f = _zeroed()
    r = f.feed([450.0 + 1.0] * 4, 400)  # 4 g: ≥ 0.5 e, a real (small) load
    assert r.gross_g == pytest.approx(4.0, abs=0.01)


def test_faults_blank_the_weight_and_stability() -> None:
    _engine, f = _zeroed()
    r = f.feed([700.0] * 4, 30, faults=frozenset({"cell1:no_data"}))
    assert r.grams is None and not r.stable and r.faults == {"cell1:no_data"}
    assert f.feed([450.0 + 7600] * 4, 30).faults == {"overload"}
    assert f.feed([450.0 - 30] * 4, 30).faults == {"underload"}


def test_centre_of_load() -> None:
    _engine, f = _zeroed()
    # 1000 g at (150, 300): bilinear split over the corners
    u, v = 150 / 600, 300 / 400
    split = [1000 * (1 - u) * (1 - v), 1000 * u * (1 - v), 1000 * u * v, 1000 * (1 - u) * v]
    r = f.feed([450.0 + s for s in split], 30)
    assert r.centre_mm == pytest.approx((150.0, 300.0))
    assert f.feed([450.0] * 4, 30).centre_mm is None


def test_multi_interval_above_15_kg() -> None:
    _engine, f = _zeroed()
    r = f.feed([450.0 + 4001.6] * 4, 30)
    assert r.e_g == 10.0 and r.grams == 16010.0


def test_reading_invariants() -> None:
    with pytest.raises(ValueError, match="grams=None"):
        Reading(0.0, 5.0, False, frozenset({"x"}))
    with pytest.raises(ValueError, match="stable reading needs"):
        Reading(0.0, None, True)


# -- dynamic weighing ------------------------------------------------------------------------------------


def _ringing_feed(
    engine: WeighingEngine, f: Feeder, mass: float, seconds: float, seed: int = 3, already: float = 0.0
) -> list[Reading]:
    """Put ``mass`` down (centred, on top of ``already``) and let it ring at 6 Hz, τ 45 ms, 0.1 g noise per cell."""
    import math
    import random

    rng = random.Random(seed)
    out = []
    t0 = f.t
    while f.t - t0 < seconds:
        f.t += P
        dt = f.t - t0
        ring = mass * math.exp(-dt / 0.045) * -math.cos(2 * math.pi * 6.0 * dt)
        cells = [(450.0 + (already + mass + ring) / 4 + rng.gauss(0, 0.1)) * CPG for _ in range(4)]
        out.append(engine.process(f.t, cells, frozenset(), f.t))
    return out


def test_a_ringing_load_is_trusted_early_by_the_fit_then_by_the_stability_rule() -> None:
    engine, f = _zeroed(dynamic=DYNAMIC_ON)
    readings = _ringing_feed(engine, f, 6000.0, 1.0)
    first = next(r for r in readings if r.stable)
    first_classic = next(r for r in readings if r.settled_by == "stability")
    assert first.settled_by == "dynamic"
    assert first.timestamp < first_classic.timestamp - 0.1
    for r in readings:
        if r.stable:
            assert r.grams is not None and abs(r.grams - 6000.0) <= 5.0
        else:
            assert r.settled_by is None


def test_zero_and_tare_wait_for_the_stability_rule() -> None:
    engine, f = _zeroed(dynamic=DYNAMIC_ON)
    readings = _ringing_feed(engine, f, 100.0, 0.3)
    dynamic = [r for r in readings if r.settled_by == "dynamic"]
    assert dynamic and readings[-1].settled_by == "dynamic"  # trusted, but not yet at rest
    with pytest.raises(ScaleError, match="not stable"):
        engine.tare()
    with pytest.raises(ScaleError, match="not stable"):
        engine.zero()
    _ringing_feed(engine, f, 0.0, 0.5, already=100.0)  # the same load, now at rest
    assert engine.last is not None and engine.last.settled_by == "stability"
    assert engine.tare() == pytest.approx(100.0, abs=0.5)


def test_dynamic_weighing_is_off_unless_asked_for() -> None:
    engine, f = _zeroed()  # as the simulated MT-SICS balance builds it: the classic rule alone
    readings = _ringing_feed(engine, f, 6000.0, 1.0)
    assert all(r.settled_by in (None, "stability") for r in readings)
    assert any(r.settled_by == "stability" for r in readings)


def test_settled_by_only_on_stable_readings() -> None:
    with pytest.raises(ValueError, match="only a stable reading"):
        Reading(timestamp=0.0, grams=1.0, stable=False, settled_by="dynamic")
    with pytest.raises(ValueError, match="settled_by must be"):
        Reading(timestamp=0.0, grams=1.0, stable=True, settled_by="guess")
