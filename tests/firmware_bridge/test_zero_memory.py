"""The zero kept across restarts: a restart with a basket on the tray weighs it; a stale or foreign zero is not used."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from firmware_bridge.calibration import Calibration, CellCalibration, corner_positions
from firmware_bridge.weighing import WeighingEngine
from firmware_bridge.zero_memory import ZeroMemory, fingerprint
from tests.firmware_bridge.test_weighing import CAL, CPG, Feeder, _zeroed

TRAY = 450.0  # g per cell of dead load: the tray's weight, zeroed away
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def restarted(memory: ZeroMemory, now: dt.datetime = NOW) -> WeighingEngine:
    saved = memory.load(CAL, now=now)
    return WeighingEngine(CAL, restored_zero=(saved.zero_counts, saved.reference_counts) if saved else None)


@pytest.fixture
def memory(tmp_path: Path) -> ZeroMemory:
    engine, _ = _zeroed(TRAY)
    memory = ZeroMemory(tmp_path / "zero.json")
    memory.save(engine.zero_counts, engine.reference_counts, CAL, now=NOW - dt.timedelta(seconds=30))
    return memory


def test_a_restart_with_a_basket_on_the_tray_weighs_the_basket(memory: ZeroMemory) -> None:
    engine = restarted(memory)
    assert engine.zeroed  # weighs at once, no zero_not_set
    r = Feeder(engine).feed([TRAY + 400.0] * 4, 40)  # a 1.6 kg basket was left on the tray
    assert r.stable and r.grams == 1600.0 and r.faults == frozenset()


def test_a_restart_on_an_empty_tray_takes_a_fresh_zero_for_small_drift(memory: ZeroMemory) -> None:
    engine = restarted(memory)
    f = Feeder(engine)
    f.feed([TRAY + 2.0] * 4, 40)  # 8 g of drift since the save: within 4 e, re-zeroed
    r = f.feed([TRAY + 2.0] * 4, 40)
    assert r.grams == 0.0
    assert f.feed([TRAY + 2.0 + 25.0] * 4, 40).grams == 100.0


def test_a_restored_zero_above_the_empty_tray_is_dropped_for_a_fresh_one(memory: ZeroMemory) -> None:
    engine = restarted(memory)
    f = Feeder(engine)
    f.feed([TRAY - 100.0] * 4, 40)  # reads −400 g: the restored zero cannot be right
    assert f.feed([TRAY - 100.0] * 4, 40).grams == 0.0


def test_the_zero_is_not_restored_when_stale_foreign_or_corrupt(memory: ZeroMemory, tmp_path: Path) -> None:
    assert memory.load(CAL, now=NOW) is not None
    assert memory.load(CAL, now=NOW + dt.timedelta(hours=1)) is None  # a power-on later: the tray is empty
    other = Calibration(tuple(CellCalibration(0.0, 1 / (CPG + 1)) for _ in range(4)), corner_positions(600, 400))
    assert fingerprint(other) != fingerprint(CAL) and memory.load(other, now=NOW) is None
    memory.path.write_text("{not json")
    assert memory.load(CAL, now=NOW) is None
    memory.path.write_text(json.dumps({"version": 1, "zero_counts": [1, 2], "reference_counts": [1, 2]}))
    assert memory.load(CAL, now=NOW) is None
    assert ZeroMemory(tmp_path / "missing.json").load(CAL) is None
    # Without a usable zero the engine starts as from cold: the first stable load is zero.
    engine = restarted(memory)
    assert not engine.zeroed
    f = Feeder(engine)
    f.feed([TRAY + 400.0] * 4, 40)
    assert f.feed([TRAY + 400.0] * 4, 40).grams == 0.0
