"""The simulated scale device at the OS boundary: a raw pty pyserial opens, a stable path, faults, calibration."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import serial

from firmware_bridge.calibration import NOMINAL_COUNTS_PER_GRAM, Calibration
from firmware_bridge.framing import FrameDecoder
from firmware_bridge.messages import Hello, Sample, decode_message
from hardware_sim.pty_port import PtyPort
from hardware_sim.scale_device import SimulatedScaleDevice
from hardware_sim.scene import PlacedItem, Scene


def test_pty_is_raw_every_byte_passes(tmp_path: Path) -> None:
    port = PtyPort(tmp_path / "ttyTEST")
    path = port.plug()
    try:
        all_bytes = bytes(range(256)) * 4  # NUL, ^C, ^S/^Q, CR/LF, DEL: no echo, no translation
        with serial.serial_for_url(path, timeout=1) as host:
            assert port.write(all_bytes)
            got = b""
            while len(got) < len(all_bytes):
                chunk = host.read(len(all_bytes) - len(got))
                assert chunk, "timed out"
                got += chunk
            assert got == all_bytes
            host.write(all_bytes)
            host.flush()
            back = b""
            deadline = time.monotonic() + 2
            while len(back) < len(all_bytes) and time.monotonic() < deadline:
                back += port.read() or b""
            assert back == all_bytes
    finally:
        port.unplug()
    assert not (tmp_path / "ttyTEST").exists()


def test_stable_path_across_unplug_and_replug(tmp_path: Path) -> None:
    port = PtyPort(tmp_path / "ttyTEST")
    first = port.plug()
    tty1 = port.tty_path
    with serial.serial_for_url(first, timeout=0.2) as host:
        port.unplug()
        with pytest.raises(serial.SerialException):
            host.read(10)  # the host sees the hang-up like a pulled USB cable
    assert port.plug() == first  # same path for the host, whatever /dev/pts/N the kernel gave this time
    assert tty1 is not None and tty1.startswith("/dev/pts/")
    assert Path(first).resolve() == Path(port.tty_path or "").resolve()
    port.unplug()


def test_streams_hello_and_samples_of_the_scene() -> None:
    scene = Scene()
    scene.place(PlacedItem(0, "product", "x", 2000.0, 0.0, 0.0))  # all on cell 0
    with SimulatedScaleDevice(scene, seed=3, speed=20) as dev, serial.serial_for_url(dev.port, timeout=0.2) as host:
        dec = FrameDecoder()
        messages: list[object] = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and sum(isinstance(m, Sample) for m in messages) < 20:
            messages += [decode_message(f) for f in dec.feed(host.read(512))]
        cal = dev.calibration()
        samples = [m for m in messages if isinstance(m, Sample)]
        grams = cal.cell_grams(samples[-1].counts)
        assert grams[0] == pytest.approx(2000, abs=3)
        assert grams[1:] == pytest.approx((0, 0, 0), abs=3)
        host.write(bytes.fromhex("04 10 00 03 01 01 00"))  # a frame with a bad CRC: ignored by the firmware
        assert dev.frames_sent > 20


def test_reboot_gives_a_new_boot_id() -> None:
    with SimulatedScaleDevice(Scene(), seed=3, speed=20) as dev:
        fw = dev.firmware
        assert fw is not None
        first = fw.boot_id
        dev.reboot()
        deadline = time.monotonic() + 3
        while (dev.firmware is None or dev.firmware.boot_id == first) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert dev.firmware is not None and dev.firmware.boot_id != first and dev.boots == 2
        with serial.serial_for_url(dev.port, timeout=0.2) as host:
            dev.reboot()
            dec = FrameDecoder()
            hellos: list[Hello] = []
            deadline = time.monotonic() + 3
            while not hellos and time.monotonic() < deadline:
                hellos += [m for m in (decode_message(f) for f in dec.feed(host.read(512))) if isinstance(m, Hello)]
            assert hellos and hellos[0].channels == 4 and hellos[0].rate_sps == 80


def test_default_cells_are_nominal_and_spread_is_seeded(tmp_path: Path) -> None:
    dev = SimulatedScaleDevice(Scene(), seed=9)
    assert all(a.spec.counts_per_gram == NOMINAL_COUNTS_PER_GRAM for a in dev.adcs)
    spread = SimulatedScaleDevice(Scene(), seed=9, cell_gain_spread=0.02)
    again = SimulatedScaleDevice(Scene(), seed=9, cell_gain_spread=0.02)
    assert [a.spec for a in spread.adcs] == [a.spec for a in again.adcs]
    assert {a.spec.counts_per_gram for a in spread.adcs} != {NOMINAL_COUNTS_PER_GRAM}
    path = spread.write_calibration(tmp_path / "cal.json")
    assert Calibration.load(path) == spread.calibration()


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="speed"):
        SimulatedScaleDevice(Scene(), speed=0)
    dev = SimulatedScaleDevice(Scene())
    with pytest.raises(ValueError, match=r"0\.\.3"):
        dev.set_dead_cell(4)
    with pytest.raises(ValueError, match="open_bridge"):
        dev.set_dead_cell(1, "melted")


def test_scheduled_changes_happen_at_exact_simulated_times() -> None:
    scene = Scene()
    with SimulatedScaleDevice(scene, seed=2, fast=True) as dev:
        dev.at(5.0, lambda: scene.place(PlacedItem(0, "product", "x", 700.0, 10.0, 10.0)))
        dev.at(6.5, scene.clear)
        deadline = time.monotonic() + 5
        with serial.serial_for_url(dev.port, timeout=0.1) as host:
            while len(dev.physics.changes) < 2 and time.monotonic() < deadline:
                host.read(4096)  # keep the pty drained so the fast device runs on
        assert [(t, mass) for t, _v, mass in dev.physics.changes] == [(5.0, 700.0), (6.5, 0.0)]
