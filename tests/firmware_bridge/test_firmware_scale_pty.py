"""End to end over a real pty: the simulated MCU (real firmware loop) → pyserial → link → FirmwareScale."""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware_bridge.calibration import Calibration
from firmware_bridge.firmware_scale import FirmwareScale
from firmware_bridge.link import LinkState
from firmware_bridge.messages import Hello, Sample, encode_message
from firmware_bridge.scale import ScaleError, open_scale
from hardware_sim.scale_device import SimulatedScaleDevice
from hardware_sim.scene import PlacedItem, Scene

SPEED = 20.0


def _item(mass: float, x: float = 300.0, y: float = 200.0) -> PlacedItem:
    return PlacedItem(0, "product", "05000112545807", mass, x, y)


@pytest.fixture
def scene() -> Scene:
    return Scene()


@pytest.fixture
def device(scene: Scene) -> Iterator[SimulatedScaleDevice]:
    with SimulatedScaleDevice(scene, seed=11, speed=SPEED) as dev:
        yield dev


@pytest.fixture
def scale(device: SimulatedScaleDevice) -> Iterator[FirmwareScale]:
    with FirmwareScale.open(device.port) as sc:
        sc.wait_for(lambda r: r.ok and r.stable, 5)
        yield sc


def test_open_scale_reads_true_grams_on_a_fresh_device(scene: Scene, device: SimulatedScaleDevice) -> None:
    with open_scale(device.port, calibration_path=None) as scale:
        assert scale.wait_for(lambda r: r.ok and r.stable, 5).grams == 0.0
        scene.place(_item(1234.0, 150, 100))
        r = scale.wait_for(lambda r: r.stable and (r.grams or 0) > 100, 5)
        assert r.grams == 1235.0  # 1234 g shown to the nearest 5 g
        assert r.centre_mm == pytest.approx((150, 100), abs=3)
        # The cells are the sample's own values: they add up to the load once the tray is at rest (a weight
        # dynamic weighing trusts early comes from the fit while the cells still ring).
        r = scale.wait_for(lambda r: r.settled_by == "stability" and (r.grams or 0) > 100, 5)
        assert len(r.cells_g) == 4 and sum(r.cells_g) == pytest.approx(1234, abs=2.5)
        assert scale.info.device == "basketcheck-fw 1.0.0" and scale.info.channels == 4


def test_readings_stream_with_device_time(scale: FirmwareScale) -> None:
    it = scale.readings(timeout=2)
    got = [next(it) for _ in range(40)]
    times = [r.device_time_s for r in got if r.device_time_s is not None]
    assert len(times) == 40 and all(b > a for a, b in itertools.pairwise(times))
    assert scale.link.stats.decoder.bad_crc == 0 and scale.link.stats.seq_gaps == 0


def test_tare_and_zero_through_the_interface(scene: Scene, scale: FirmwareScale) -> None:
    [basket] = scene.place(_item(650.0, 300, 200))
    # Tare and zero need the load at rest (the classic rule), not a weight dynamic weighing trusts early.
    scale.wait_for(lambda r: r.settled_by == "stability" and (r.grams or 0) > 600, 5)
    assert scale.tare() == pytest.approx(650, abs=2.5)
    scene.place(_item(500.0, 100, 300))
    r = scale.wait_for(lambda r: r.stable and r.tare_g > 0 and 400 < (r.grams or 0) < 600, 5)
    assert r.grams == 500.0 and r.tare_g == pytest.approx(650, abs=2.5)
    scale.clear_tare()
    scene.remove(basket.item_id)
    scene.clear()
    scale.wait_for(lambda r: r.settled_by == "stability" and r.tare_g == 0 and r.grams == 0.0, 5)
    scale.zero()


def test_rate_command_round_trip(scale: FirmwareScale) -> None:
    scale.link.set_rate(10)
    r0 = scale.wait_for(lambda r: r.device_time_s is not None, 2)
    it = scale.readings(timeout=2)
    got = [next(it) for _ in range(6)]
    gaps = [b.device_time_s - a.device_time_s for a, b in itertools.pairwise(got)]  # type: ignore[operator]
    assert r0 is not None and all(g == pytest.approx(0.1, rel=0.02) for g in gaps)
    scale.link.set_rate(80)


def test_garbage_on_the_line_is_survived(device: SimulatedScaleDevice, scale: FirmwareScale) -> None:
    device.inject_garbage(20_000)
    deadline = time.monotonic() + 10
    while device.garbage_sent < 20_000 and time.monotonic() < deadline:
        time.sleep(0.02)
    stats = scale.link.stats.decoder
    assert stats.bad_cobs + stats.bad_crc > 0
    assert scale.wait_for(lambda r: r.ok and r.stable, 5).grams == 0.0


def test_unplug_replug_reconnects(device: SimulatedScaleDevice, scale: FirmwareScale) -> None:
    boot_id = scale.link.hello.boot_id if scale.link.hello else None
    device.unplug()
    r = scale.wait_for(lambda r: "link_down" in r.faults, 3)
    assert r.grams is None
    assert not Path(device.port).exists()
    device.replug()
    assert scale.wait_for(lambda r: r.ok, 3).grams == 0.0
    assert scale.link.stats.reconnects == 1
    assert scale.link.hello is not None and scale.link.hello.boot_id != boot_id  # power cycle = new boot


def test_mcu_reboot_is_detected_by_boot_id(device: SimulatedScaleDevice, scale: FirmwareScale) -> None:
    first = scale.link.hello
    device.reboot()
    scale.wait_for(lambda r: scale.link.stats.reboots == 1 and r.ok, 3)
    assert scale.link.hello is not None and first is not None and scale.link.hello.boot_id != first.boot_id
    assert scale.link.stats.reconnects == 0  # same port, no reconnect needed


def test_reboot_command_and_rate_restored(scale: FirmwareScale) -> None:
    scale.rate_sps = 10
    scale.link.set_rate(10)
    scale.link.reboot()  # the MCU comes back at its default 80 SPS; the scale puts its rate back
    scale.wait_for(lambda r: scale.link.stats.reboots == 1 and r.ok, 3)
    deadline = time.monotonic() + 3
    while scale.link.hello is not None and time.monotonic() < deadline:
        if scale.info.rate_sps == 10:
            break
        time.sleep(0.02)
    assert scale.info.rate_sps == 10


@pytest.mark.parametrize("how", ["open_bridge", "no_data"])
def test_dead_cell_is_a_fault(device: SimulatedScaleDevice, scale: FirmwareScale, how: str) -> None:
    device.set_dead_cell(2, how)
    expected = "cell2:saturated" if how == "open_bridge" else "cell2:no_data"
    r = scale.wait_for(lambda r: expected in r.faults, 3)
    assert r.grams is None and not r.stable
    device.set_dead_cell(None)
    assert scale.wait_for(lambda r: r.ok, 3).faults == frozenset()


def test_calibration_file_is_used(tmp_path: Path, scene: Scene) -> None:
    with SimulatedScaleDevice(scene, seed=5, speed=SPEED, cell_gain_spread=0.03) as dev:
        path = dev.write_calibration(tmp_path / "cal.json")
        scene.place(_item(3000.0, 500, 80))
        with open_scale(dev.port, calibration_path=path, initial_zero=False) as sc:
            assert sc.wait_for(lambda r: r.stable, 5).grams == 3000.0
        with open_scale(dev.port, calibration_path=None, initial_zero=False) as sc:  # nominal: off by the spread
            r = sc.wait_for(lambda r: r.stable, 5)
            assert r.grams != 3000.0


def test_unknown_port_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScaleError, match="cannot open"):
        open_scale(str(tmp_path / "ttyNOPE"))


@contextlib.contextmanager
def _raw_pty() -> Iterator[tuple[int, str]]:
    """A raw pty: (master fd, slave path). Our slave fd stays open meanwhile: a pty nobody holds reads EIO."""
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        yield master, os.ttyname(slave)
    finally:
        os.close(master)
        os.close(slave)


def test_link_down_after_one_second_of_silence() -> None:
    with _raw_pty() as (master, path):
        hello = encode_message(Hello(7, (1, 0, 0), 4, 80), 0)
        sample = encode_message(Sample(1000, (0, 0, 0, 0)), 1)
        states: list[tuple[float, LinkState]] = []
        threading.Timer(0.05, lambda: os.write(master, hello + sample)).start()
        with FirmwareScale(path, Calibration.nominal()) as sc:
            original = sc.link._on_state
            assert original is not None

            def spy(state: LinkState) -> None:
                states.append((time.monotonic(), state))
                original(state)

            sc.link._on_state = spy
            t0 = time.monotonic()
            sc.start(timeout=2)
            r = sc.wait_for(lambda r: "link_down" in r.faults, 3)
            assert 0.9 <= r.timestamp - t0 <= 1.6
            assert states[-1][1] is LinkState.DOWN
            # While down it keeps asking the MCU to identify itself
            time.sleep(1.1)
            asked = os.read(master, 4096)
            assert asked.count(b"\x00") >= 2


def test_other_protocol_version_is_refused() -> None:
    with _raw_pty() as (master, path):
        hello = encode_message(Hello(7, (2, 0, 0), 4, 80, True, protocol_version=2), 0)
        threading.Timer(0.05, lambda: os.write(master, hello)).start()
        with pytest.raises(ScaleError, match="protocol v2"):
            FirmwareScale.open(path, timeout=0.5)
