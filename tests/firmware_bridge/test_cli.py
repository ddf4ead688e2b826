"""``basketcheck scale …`` and ``basketcheck sim scale`` against simulated devices on real ptys."""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.cli import main
from firmware_bridge.calibration import Calibration
from firmware_bridge.calibration_procedure import CornerCalibration, TrayNotEmptyError
from firmware_bridge.firmware_scale import FirmwareScale
from hardware_sim import scale_cli
from hardware_sim.mtsics_device import SimulatedMtSicsDevice
from hardware_sim.scale_device import SimulatedScaleDevice
from hardware_sim.scene import PlacedItem, Scene

CORNERS = ((25.0, 20.0), (575.0, 20.0), (575.0, 380.0), (25.0, 380.0))


@pytest.fixture
def scene() -> Scene:
    return Scene()


@pytest.fixture
def device(scene: Scene) -> Iterator[SimulatedScaleDevice]:
    with SimulatedScaleDevice(scene, seed=21, speed=20, cell_gain_spread=0.03) as dev:
        yield dev


def test_monitor_json(scene: Scene, device: SimulatedScaleDevice, capsys: pytest.CaptureFixture[str]) -> None:
    scene.place(PlacedItem(0, "product", "x", 1500.0, 300, 200))
    assert main(["scale", "monitor", device.port, "--seconds", "1", "--json", "--rate", "20"]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) >= 5
    assert set(lines[-1]) >= {"grams", "stable", "cells_g", "faults", "centre_mm"}
    assert "frames" in err and "seq gaps 0" in err


def test_monitor_weighs_a_load_already_on_a_calibrated_tray(
    scene: Scene, device: SimulatedScaleDevice, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device.calibration().save(tmp_path / "cal.json")
    scene.place(PlacedItem(0, "product", "x", 1500.0, 300, 200))
    args = ["scale", "monitor", device.port, "--seconds", "1", "--json", "--calibration", str(tmp_path / "cal.json")]
    assert main(args) == 0
    out, err = capsys.readouterr()
    last = json.loads(out.splitlines()[-1])
    assert last["grams"] == 1500.0 and "a load already on it is shown" in err


def test_monitor_without_calibration_says_it_zeroed_the_tray(
    scene: Scene,
    device: SimulatedScaleDevice,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BASKETCHECK_SCALE_CALIBRATION", str(tmp_path / "none.json"))
    scene.place(PlacedItem(0, "product", "x", 1500.0, 300, 200))
    assert main(["scale", "monitor", device.port, "--seconds", "1", "--json"]) == 0
    assert "zeroed itself at start" in capsys.readouterr().err


def test_monitor_table_shows_faults(device: SimulatedScaleDevice, capsys: pytest.CaptureFixture[str]) -> None:
    device.set_dead_cell(1)
    assert main(["scale", "monitor", device.port, "--seconds", "0.8"]) == 0
    assert "FAULT" in capsys.readouterr().out


def test_monitor_mtsics(scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    with SimulatedMtSicsDevice(scene, seed=2, speed=20) as balance:
        assert main(["scale", "monitor", balance.port, "--kind", "mtsics", "--seconds", "0.6"]) == 0
    assert " g  " in capsys.readouterr().out


def test_monitor_bad_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scale", "monitor", str(tmp_path / "ttyNONE")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("basketcheck scale: cannot open") and err.count("\n") == 1


def test_info(device: SimulatedScaleDevice, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scale", "info", device.port]) == 0
    assert "channels  4" in capsys.readouterr().out


def _technician(scene: Scene, prompts: list[str], forgotten: PlacedItem | None = None) -> threading.Thread:
    """Does what the prompts say: clear the tray, the weight over each corner, in the middle, then off again.

    ``forgotten``: an item the technician leaves on the tray when told to clear it, and takes off with the weight.
    """
    left = scene.place(forgotten)[0].item_id if forgotten is not None else None

    def act() -> None:
        done = 0
        weight: int | None = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            while done < len(prompts):
                text = prompts[done]
                done += 1
                at = None
                if "corner (cell" in text:
                    at = CORNERS[int(text.split("(cell ")[1].rstrip(")."))]
                elif "middle" in text:
                    at = (300.0, 200.0)
                elif text.startswith("Remove the weight"):
                    scene.remove(*(i for i in (weight, left) if i is not None))
                    return
                if at is not None:
                    if weight is not None:
                        scene.remove(weight)
                    weight = scene.place(PlacedItem(0, "product", "2kg", 2000.0, *at))[0].item_id
            time.sleep(0.005)

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread


def test_corner_calibration_procedure(scene: Scene, device: SimulatedScaleDevice) -> None:
    prompts: list[str] = []
    tech = _technician(scene, prompts)
    with FirmwareScale.open(device.port, initial_zero=False, zero_tracking=False) as sc:
        result = CornerCalibration(sc, 2000.0, say=prompts.append, step_timeout=10).run()
    tech.join(5)
    truth = device.calibration()
    for got, want in zip(result.calibration.cells, truth.cells, strict=True):
        assert got.grams_per_count == pytest.approx(want.grams_per_count, rel=5e-4)
    assert max(abs(e) for e in result.check_errors_g) < 2.0
    assert prompts[0] == "Clear the tray completely."


def test_calibrate_command_writes_a_file_that_weighs_right(
    scene: Scene,
    device: SimulatedScaleDevice,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "cal.json"
    prompts: list[str] = []
    original = CornerCalibration.__init__

    def spy(self: CornerCalibration, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        say = self.say

        def tee(text: str) -> None:  # the technician reads the same prompts the command prints
            prompts.append(text)
            say(text)

        self.say = tee

    monkeypatch.setattr(CornerCalibration, "__init__", spy)
    tech = _technician(scene, prompts)
    code = main(["scale", "calibrate", device.port, "--known", "2000", "--calibration", str(path), "--timeout", "10"])
    tech.join(5)
    assert code == 0
    out = capsys.readouterr().out
    assert "saved" in out and "middle check" in out
    cal = Calibration.load(path)
    with FirmwareScale.open(device.port, calibration_path=path) as sc:
        sc.wait_for(lambda r: r.stable and r.grams == 0.0, 5)
        scene.place(PlacedItem(0, "product", "x", 4321.0, 100, 333))
        # at rest (a dynamic estimate while the tray still rings may be 1 e off: that is its promise, not this one's)
        r = sc.wait_for(lambda r: r.stable and r.settled_by != "dynamic" and (r.grams or 0) > 4000, 5)
    assert r.grams == 4320.0
    assert len(cal.cells) == 4


def test_calibration_refuses_a_tray_that_was_not_empty(scene: Scene, device: SimulatedScaleDevice) -> None:
    prompts: list[str] = []
    tech = _technician(scene, prompts, forgotten=PlacedItem(0, "product", "cola", 1580.0, 450.0, 120.0))
    with (
        FirmwareScale.open(device.port, initial_zero=False, zero_tracking=False) as sc,
        pytest.raises(TrayNotEmptyError, match=r"now weighs 1[56]\d\d g less"),
    ):
        CornerCalibration(sc, 2000.0, say=prompts.append, step_timeout=10).run()
    tech.join(5)
    assert not any(text.startswith("Done") for text in prompts)


def test_calibrating_again_refuses_a_loaded_tray_at_once(
    scene: Scene, device: SimulatedScaleDevice, tmp_path: Path
) -> None:
    device.calibration().save(tmp_path / "cal.json")
    scene.place(PlacedItem(0, "product", "cola", 1580.0, 450.0, 120.0))
    with (
        FirmwareScale.open(device.port, calibration_path=tmp_path / "cal.json", initial_zero=False) as sc,
        pytest.raises(TrayNotEmptyError, match=r"weighs 1[56]\d\d g more than the empty tray"),
    ):
        CornerCalibration(sc, 2000.0, say=lambda _: None, step_timeout=10).run()


def test_calibrate_rejects_bad_known(device: SimulatedScaleDevice, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scale", "calibrate", device.port, "--known", "0"]) == 2
    assert "--known" in capsys.readouterr().err


def test_sim_scale_prints_its_port_and_stops(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    scale_cli.configure(parser)
    args = parser.parse_args(
        ["--seconds", "0.3", "--link", str(tmp_path / "ttySIM"), "--calibration-out", str(tmp_path / "c.json")]
    )
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert out.strip() == str(tmp_path / "ttySIM")
    assert (tmp_path / "c.json").exists() and not (tmp_path / "ttySIM").exists()


def test_sim_scale_mtsics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    scale_cli.configure(parser)
    args = parser.parse_args(["--mtsics", "--seconds", "0.2", "--load", "500"])
    assert args.handler(args) == 0
    assert "ttyMTSICS0" in capsys.readouterr().out
