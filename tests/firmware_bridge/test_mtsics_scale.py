"""The MT-SICS client against the simulated balance over a real pty, and against scripted byte exchanges."""

from __future__ import annotations

import os
import threading
import time
import tty
from collections.abc import Iterator

import pytest

from firmware_bridge.mtsics_scale import MtSicsScale
from firmware_bridge.scale import ScaleError, open_scale
from hardware_sim.mtsics_device import SimulatedMtSicsDevice
from hardware_sim.scene import PlacedItem, Scene


@pytest.fixture
def scene() -> Scene:
    return Scene()


@pytest.fixture
def balance(scene: Scene) -> Iterator[SimulatedMtSicsDevice]:
    with SimulatedMtSicsDevice(scene, seed=4, speed=20) as dev:
        yield dev


@pytest.fixture
def scale(balance: SimulatedMtSicsDevice) -> Iterator[MtSicsScale]:
    with open_scale(balance.port, kind="mtsics", e_g=5.0) as sc:
        assert isinstance(sc, MtSicsScale)
        sc.wait_for(lambda r: r.stable and r.grams == 0.0, 5)
        yield sc


def test_streams_and_weighs(scene: Scene, scale: MtSicsScale) -> None:
    assert scale.info.device == "B021002593"
    scene.place(PlacedItem(0, "product", "x", 2222.0, 400, 300))
    r = scale.wait_for(lambda r: r.stable and (r.grams or 0) > 1000, 5)
    assert r.grams == 2220.0 and r.e_g == 5.0 and r.cells_g == ()
    assert scale.stats.bad_lines == 0


def test_zero_tare_preset_clear(scene: Scene, scale: MtSicsScale) -> None:
    scene.place(PlacedItem(0, "product", "basket", 640.0, 300, 200))
    time.sleep(0.05)
    assert scale.tare() == 640.0  # T waits inside the balance until it is stable
    scene.place(PlacedItem(0, "product", "x", 300.0, 100, 100))
    r = scale.wait_for(lambda r: r.stable and r.tare_g == 640.0 and (r.grams or 0) > 200, 5)
    assert r.grams == 300.0
    assert scale.preset_tare(512.0) == 510.0
    scale.clear_tare()
    scene.clear()
    time.sleep(0.05)
    scale.zero()


def test_zero_refused_out_of_range(scene: Scene, scale: MtSicsScale) -> None:
    scene.place(PlacedItem(0, "product", "x", 5000.0, 300, 200))
    time.sleep(0.05)
    with pytest.raises(ScaleError, match="above the zero-setting range"):
        scale.zero()


def test_overload_is_a_fault(scene: Scene, scale: MtSicsScale) -> None:
    scene.place(PlacedItem(0, "product", "x", 31000.0, 300, 200))
    r = scale.wait_for(lambda r: "overload" in r.faults, 5)
    assert r.grams is None


def test_kind_checks() -> None:
    with pytest.raises(ScaleError, match="own calibration"):
        open_scale("loop://", kind="mtsics", calibration_path="x.json")
    with pytest.raises(ScaleError, match="unknown scale kind"):
        open_scale("loop://", kind="analog")


class ScriptedBalance:
    """A pty that answers exact command lines with exact reply bytes (a script taken from the manual)."""

    def __init__(self, script: dict[bytes, bytes], stream: bytes = b"") -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)  # our slave fd stays open: a pty nobody holds reads EIO
        self.script = script
        self.stream = stream
        self.received: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import select

        buf = b""
        streaming = False
        while not self._stop:
            r, _w, _x = select.select([self.master], [], [], 0.02)
            if streaming and self.stream:
                os.write(self.master, self.stream)
            if not r:
                continue
            try:
                buf += os.read(self.master, 1024)
            except OSError:
                return
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                self.received.append(line)
                if line == b"SIR":
                    streaming = True
                reply = self.script.get(line)
                if reply:
                    os.write(self.master, reply)

    def close(self) -> None:
        self._stop = True
        self._thread.join(1)
        os.close(self.master)
        os.close(self._slave)


def test_exchange_byte_exact_with_a_scripted_balance() -> None:
    # The client's bytes and the balance's replies as the MT-SICS reference prints them.
    balance = ScriptedBalance(
        {
            b"@": b'I4 A "B021002593"\r\n',
            b"Z": b"S D     129.07 g\r\nZ A\r\n",  # a SIR line may come before the command's reply
            b"T": b"T S     100.00 g\r\n",
            b"TA 10.00 g": b"TA A      10.00 g\r\n",
            b"TAC": b"TAC A\r\n",
        },
        stream=b"S S     100.00 g\r\n",
    )
    try:
        with MtSicsScale.open(balance.path) as sc:
            r = sc.wait_for(lambda r: r.stable, 2)
            assert r.grams == 100.0 and r.e_g == 0.01
            sc.zero()
            assert sc.tare() == 100.0
            assert sc.preset_tare(10) == 10.0
            sc.clear_tare()
        assert balance.received[:6] == [b"@", b"SIR", b"Z", b"T", b"TA 10.00 g", b"TAC"]
    finally:
        balance.close()


def test_error_replies_become_scale_errors() -> None:
    balance = ScriptedBalance({b"@": b'I4 A "X1"\r\n', b"Z": b"ES\r\n", b"T": b"T I\r\n"})
    try:
        with MtSicsScale.open(balance.path) as sc:
            with pytest.raises(ScaleError, match="ES"):
                sc.zero()
            with pytest.raises(ScaleError, match="not stable"):
                sc.tare()
    finally:
        balance.close()


def test_silent_port_is_not_an_mtsics_balance() -> None:
    balance = ScriptedBalance({})
    try:
        with pytest.raises(ScaleError, match="no MT-SICS answer"):
            MtSicsScale.open(balance.path, timeout=0.3)
    finally:
        balance.close()


def test_link_down_when_the_stream_stops() -> None:
    balance = ScriptedBalance({b"@": b'I4 A "X1"\r\n'})
    try:
        with MtSicsScale.open(balance.path) as sc:
            r = sc.wait_for(lambda r: "link_down" in r.faults, 3)
            assert r.grams is None
    finally:
        balance.close()


def test_reconnects_after_unplug(balance: SimulatedMtSicsDevice, scale: MtSicsScale) -> None:
    balance.unplug()
    assert scale.wait_for(lambda r: "link_down" in r.faults, 3).grams is None
    balance.replug()
    assert scale.wait_for(lambda r: r.stable and r.grams == 0.0, 3).ok
    assert scale.stats.reconnects == 1


def test_noise_on_the_line_is_skipped(balance: SimulatedMtSicsDevice, scale: MtSicsScale) -> None:
    balance.inject_garbage(2000)
    assert scale.wait_for(lambda r: r.stable and r.grams == 0.0 and scale.stats.bad_lines > 0, 3).ok
