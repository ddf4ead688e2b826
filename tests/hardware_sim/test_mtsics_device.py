"""The simulated MT-SICS balance: its interpreter byte for byte, and the device on a real pty."""

from __future__ import annotations

import time

import pytest
import serial

from firmware_bridge.calibration import NOMINAL_COUNTS_PER_GRAM, Calibration
from firmware_bridge.weighing import WeighingEngine
from hardware_sim.mtsics_device import STABLE_TIMEOUT_S, MtSicsResponder, SimulatedMtSicsDevice
from hardware_sim.scene import PlacedItem, Scene

P = 1 / 80


class Balance:
    """A responder on a weighing engine we feed with exact loads."""

    def __init__(self) -> None:
        self.engine = WeighingEngine(Calibration.nominal())
        self.responder = MtSicsResponder(self.engine)
        self.t = 0.0
        self.load(0.0, 40)

    def load(self, grams: float, n: int = 1, spread: float = 0.0) -> list[str]:
        out: list[str] = []
        for k in range(n):
            self.t += P
            g = grams + (spread if k % 2 else -spread)
            counts = [g / 4 * NOMINAL_COUNTS_PER_GRAM] * 4
            out += self.responder.on_reading(self.engine.process(self.t, counts, frozenset(), self.t), self.t)
        return out

    def send(self, line: str) -> list[str]:
        return self.responder.on_line(line.encode(), self.t)


@pytest.mark.parametrize(
    ("command", "replies"),
    [
        ("@", ['I4 A "B021002593"']),
        ("I4", ['I4 A "B021002593"']),
        ("S", ["S S          0 g"]),
        ("SI", ["S S          0 g"]),
        ("Z", ["Z A"]),
        ("TA", ["TA A          0 g"]),
        ("TA 10.00 g", ["TA A         10 g"]),
        ("TA 0.512 kg", ["TA A        510 g"]),
        ("TA 10.00 lb", ["TA L"]),
        ("TA -5 g", ["TA L"]),
        ("TAC", ["TAC A"]),
        ("T", ["T -"]),  # nothing on the balance: below the taring range
        ("XYZ", ["ES"]),
        ("s", ["ES"]),  # commands are upper case
        ("Z 1", ["EL"]),
        ("S\x07", ["ET"]),
    ],
)
def test_replies_on_an_empty_stable_balance(command: str, replies: list[str]) -> None:
    assert Balance().send(command) == replies


def test_stable_commands_wait_for_stability() -> None:
    b = Balance()
    b.load(812.0, 10)  # just landed: not stable for another few samples
    assert b.send("S") == []
    assert b.send("T") == []
    assert b.send("SI") == ["S D        810 g"]
    out = b.load(812.0, 40)
    assert out[:2] == ["S S        810 g", "T S        810 g"]
    assert b.load(812.0, 30)[-1:] == [] and b.send("SI") == ["S S          0 g"]


def test_unstable_until_timeout_gives_I() -> None:
    b = Balance()
    b.load(100.0, 5, spread=20.0)
    assert b.send("Z") == []
    out = b.load(100.0, int(STABLE_TIMEOUT_S / P) + 5, spread=20.0)
    assert out == ["Z I"]


def test_zero_out_of_range() -> None:
    b = Balance()
    b.load(2000.0, 40)
    assert b.send("Z") == ["Z +"]


def test_sir_repeats_until_cancelled() -> None:
    b = Balance()
    assert b.send("SIR") == ["S S          0 g"]
    assert b.load(0.0, 20) == ["S S          0 g"] * 5
    assert b.send("@") == ['I4 A "B021002593"']
    assert b.load(0.0, 20) == []


def test_overload() -> None:
    b = Balance()
    b.load(31000.0, 40)
    assert b.send("SI") == ["S +"]
    assert b.send("S") == ["S +"]
    assert b.send("T") == ["T +"]


def test_device_on_a_pty() -> None:
    scene = Scene()
    with (
        SimulatedMtSicsDevice(scene, seed=1, speed=20) as dev,
        serial.serial_for_url(dev.port, baudrate=9600, timeout=0.5) as host,
    ):
        host.write(b"I4\r\n")
        assert host.read_until(b"\r\n") == b'I4 A "B021002593"\r\n'
        time.sleep(0.3)  # initial zero (a certified balance warms up too)
        scene.place(PlacedItem(0, "product", "x", 1234.0, 200, 100))
        time.sleep(0.05)  # 1 s of simulated time: S answers the next stable weight, not one from before the load
        host.reset_input_buffer()
        host.write(b"S\r\n")
        assert host.read_until(b"\r\n") == b"S S       1235 g\r\n"
        host.write(b"NOPE\r\n")
        assert host.read_until(b"\r\n") == b"ES\r\n"
