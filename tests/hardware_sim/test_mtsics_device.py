"""The simulated MT-SICS balance: its interpreter byte for byte, and the device on a real pty."""

from __future__ import annotations

import time

import pytest
import serial

from firmware_bridge.calibration import NOMINAL_COUNTS_PER_GRAM, Calibration
from firmware_bridge.mtsics import parse_reply
from hardware_sim.mtsics_device import (
    COMMANDS,
    STABLE_TIMEOUT_S,
    BalanceEngine,
    MtSicsResponder,
    SimulatedMtSicsDevice,
)
from hardware_sim.scene import PlacedItem, Scene

P = 1 / 80


class Balance:
    """A responder on a weighing engine we feed with exact loads."""

    def __init__(self) -> None:
        self.engine = BalanceEngine(Calibration.nominal())
        self.responder = MtSicsResponder(self.engine)
        self.t = 0.0
        self.load(0.0, 40)

    def load(self, grams: float, n: int = 1, spread: float = 0.0) -> list[str]:
        """``n`` samples of ``grams`` (± ``spread`` alternating: a load that never settles)."""
        out: list[str] = []
        for k in range(n):
            self.t += P
            g = grams + (spread if k % 2 else -spread)
            counts = [g / 4 * NOMINAL_COUNTS_PER_GRAM] * 4
            out += self.responder.on_reading(self.engine.process(self.t, counts, frozenset(), self.t), self.t)
        return out

    def send(self, line: str) -> list[str]:
        return self.responder.on_line(line.encode(), self.t)


I0_LINES = [f'I0 {"A" if k == len(COMMANDS) - 1 else "B"} {level} "{cmd}"' for k, (level, cmd) in enumerate(COMMANDS)]


@pytest.mark.parametrize(
    ("command", "replies"),
    [
        ("@", ['I4 A "B021002593"']),
        ("I0", I0_LINES),
        ("I1", ['I1 A "01" "2.30" "2.20" "1.00" ""']),
        ("I2", ['I2 A "BC30 Basketcheck 30000 g"']),
        ("I3", ['I3 A "1.00 20.30.0.1"']),
        ("I4", ['I4 A "B021002593"']),
        ("I5", ['I5 A "30100001A"']),
        ("I10", ['I10 A ""']),
        ('I10 "Lane 3"', ["I10 A"]),
        ('I10 "a name of 21 letters!"', ["I10 L"]),
        ("I11", ['I11 A "BC30"']),
        ("S", ["S S          0 g"]),
        ("SI", ["S S          0 g"]),
        ("SIR", ["S S          0 g"]),
        ("SR", ["S S          0 g"]),
        ("SR 100 g", ["S S          0 g"]),
        ("SR x g", ["EL"]),
        ("Z", ["Z A"]),
        ("ZI", ["ZI S"]),
        ("T", ["T S          0 g"]),  # the empty pan tares to 0 (the old simulator refused: "T -")
        ("TI", ["TI S          0 g"]),
        ("TA", ["TA A          0 g"]),
        ("TA 10.00 g", ["TA A         10 g"]),
        ("TA 0.512 kg", ["TA A        510 g"]),
        ("TA 10.00 lb", ["TA L"]),
        ("TA -5 g", ["TA L"]),
        ("TA 31 kg", ["TA L"]),
        ("TA ten g", ["TA L"]),
        ("TAC", ["TAC A"]),
        ('D "HELLO"', ["D A"]),
        ('D ""', ["D A"]),
        ("D", ["D L"]),
        ("DW", ["DW A"]),
        ("K 1", ["K A"]),
        ("K 4", ["K A"]),
        ("K 5", ["K L"]),
        ("K", ["K L"]),
        ("XYZ", ["ES"]),
        ("s", ["ES"]),  # commands are upper case
        ("Z 1", ["EL"]),
        ("I4 x", ["EL"]),
        ("S\x07", ["ET"]),
        ("S" * 80, ["ET"]),
    ],
)
def test_replies_on_an_empty_stable_balance(command: str, replies: list[str]) -> None:
    out = Balance().send(command)
    assert out == replies
    for line in out:
        parse_reply(line)  # what the simulator says, the client's codec reads


def test_stable_commands_wait_for_stability() -> None:
    b = Balance()
    b.load(812.0, 10)  # just landed: not stable for another few samples
    assert b.send("S") == []
    assert b.send("T") == []
    assert b.send("SI") == ["S D        810 g"]
    out = b.load(812.0, 40)
    assert out[:2] == ["S S        810 g", "T S        810 g"]
    assert b.load(812.0, 30)[-1:] == [] and b.send("SI") == ["S S          0 g"]
    assert b.send("TA") == ["TA A        810 g"]


@pytest.mark.parametrize("command", ["Z", "T", "S"])
def test_unstable_until_timeout_gives_I(command: str) -> None:
    b = Balance()
    b.load(100.0, 5, spread=20.0)
    assert b.send(command) == []
    out = b.load(100.0, int(STABLE_TIMEOUT_S / P) + 5, spread=20.0)
    assert out == [f"{command} I"]


def test_immediate_zero_and_tare_take_the_moving_value() -> None:
    b = Balance()
    b.load(400.0, 10)  # landed, not yet stable
    assert b.send("SI") == ["S D        400 g"]
    assert b.send("TI") == ["TI D        400 g"]
    assert b.engine.tare_g == 400.0
    b.load(400.0, 40)
    assert b.send("SI") == ["S S          0 g"]
    b.send("TAC")
    b.load(80.0, 10)  # a small moving load, within the ±2 % zero-setting range
    assert b.send("ZI") == ["ZI D"]
    b.load(80.0, 40)
    assert b.send("SI") == ["S S          0 g"]
    b.load(80.0, 40)
    assert b.send("ZI") == ["ZI S"]


def test_zero_clears_the_tare() -> None:
    b = Balance()
    assert b.send("TA 500 g") == ["TA A        500 g"]
    b.load(0.0, 40)
    assert b.send("SI") == ["S S       -500 g"]
    assert b.send("Z") == ["Z A"]
    assert b.engine.tare_g == 0.0
    b.load(0.0, 40)
    assert b.send("SI") == ["S S          0 g"]


def test_tare_below_zero_and_empty_pan() -> None:
    b = Balance()
    b.load(640.0, 40)
    assert b.send("T") == ["T S        640 g"]
    b.load(0.0, 40)  # the basket is lifted: net -640, gross 0
    assert b.send("SI") == ["S S       -640 g"]
    assert b.send("T") == ["T S          0 g"]  # taring the empty pan clears the tare
    assert b.engine.tare_g == 0.0
    b.load(-50.0, 40)  # the pan lifted a little: gross below zero
    assert b.send("T") == ["T -"]
    assert b.send("TI") == ["TI -"]


@pytest.mark.parametrize(
    ("grams", "command", "reply"),
    [
        (2000.0, "Z", ["Z +"]),
        (2000.0, "ZI", ["ZI +"]),
        (-700.0, "Z", ["Z -"]),
        (31000.0, "SI", ["S +"]),
        (31000.0, "S", ["S +"]),
        (31000.0, "T", ["T +"]),
        (31000.0, "TI", ["TI +"]),
        (31000.0, "Z", ["Z +"]),
        (31000.0, "SIR", ["S +"]),
        (-200.0, "SI", ["S -"]),
        (-200.0, "T", ["T -"]),
        (-200.0, "ZI", ["ZI -"]),
    ],
)
def test_out_of_range(grams: float, command: str, reply: list[str]) -> None:
    b = Balance()
    b.load(grams, 40)
    assert b.send(command) == reply


def test_sir_repeats_until_cancelled() -> None:
    b = Balance()
    assert b.send("SIR") == ["S S          0 g"]
    assert b.load(0.0, 20) == ["S S          0 g"] * 5
    assert b.send("@") == ['I4 A "B021002593"']
    assert b.load(0.0, 20) == []
    b.send("SIR")
    assert b.send("SI") == ["S S          0 g"] and b.load(0.0, 20) == []  # SI ends SIR too


def test_sr_sends_on_each_weight_change() -> None:
    b = Balance()
    assert b.send("SR") == ["S S          0 g"]
    assert b.load(0.0, 40) == []  # no change, nothing sent
    # the first moving value past the change (30 e = 150 g from 0), then the next stable one
    assert b.load(1000.0, 60) == ["S D        250 g", "S S       1000 g"]
    assert b.load(1010.0, 60) == []  # 10 g is below 12.5 % of 1000 g
    assert b.load(0.0, 60) == ["S D        760 g", "S S          0 g"]
    assert b.send("SR 5 g") == ["S S          0 g"]  # a preset change of 5 g
    assert b.load(10.0, 60) == ["S D          5 g", "S S         10 g"]


def test_reset_clears_tare_display_keys_and_pending() -> None:
    b = Balance()
    b.send("TA 200 g")
    b.send('D "SCAN ITEM"')
    b.send("K 3")
    assert b.responder.display_text == "SCAN ITEM" and b.responder.key_mode == 3
    b.load(300.0, 5)
    assert b.send("Z") == []  # waiting for stability
    assert b.send("@") == ['I4 A "B021002593"']
    assert b.engine.tare_g == 0.0 and b.responder.display_text is None and b.responder.key_mode == 1
    assert b.load(300.0, 60) == []  # the Z waiting before @ was cancelled


def test_display_text_and_weight() -> None:
    b = Balance()
    assert b.send('D "PLEASE SCAN THE COLA BOTTLE"') == ["D A"]
    assert b.responder.display_text == "PLEASE SCAN THE COLA"  # cut to what fits
    assert b.send("DW") == ["DW A"] and b.responder.display_text is None


def test_balance_id_is_kept() -> None:
    b = Balance()
    assert b.send('I10 "Checkout 7"') == ["I10 A"]
    assert b.send("I10") == ['I10 A "Checkout 7"']
    assert b.send("@") and b.send("I10") == ['I10 A "Checkout 7"']  # @ does not forget it


def test_warming_up_is_not_ready() -> None:
    engine = BalanceEngine(Calibration.nominal())
    responder = MtSicsResponder(engine)
    assert responder.on_line(b"SI", 0.0) == []  # no sample yet: the next one answers
    assert responder.on_line(b"TI", 0.0) == [] and responder.on_line(b"ZI", 0.0) == []
    first = engine.process(P, [0.0] * 4, frozenset(), P)  # before the initial zero: "zero_not_set"
    assert responder.on_reading(first, P) == ["S I", "TI I", "ZI I"]
    assert responder.on_line(b"Z", P) == []
    assert responder.on_reading(first, P + STABLE_TIMEOUT_S) == ["Z I"]


def test_immediate_commands_right_after_a_tare_wait_for_the_next_sample() -> None:
    b = Balance()
    b.load(500.0, 40)
    assert b.send("TA 200 g") == ["TA A        200 g"]
    assert b.send("SI") == []  # the last sample was before the new tare
    assert b.send("TI") == []
    assert b.load(500.0, 1) == ["S S        300 g", "TI S        500 g"]
    assert b.send("SI") == [] and b.load(500.0, 1) == ["S S          0 g"]


def test_device_on_a_pty() -> None:
    scene = Scene()
    with (
        SimulatedMtSicsDevice(scene, seed=1, speed=20) as dev,
        serial.serial_for_url(dev.port, baudrate=9600, timeout=0.5) as host,
    ):
        host.write(b"I4\r\n")
        assert host.read_until(b"\r\n") == b'I4 A "B021002593"\r\n'
        host.write(b"I2\r\n")
        assert host.read_until(b"\r\n") == b'I2 A "BC30 Basketcheck 30000 g"\r\n'
        time.sleep(0.3)  # initial zero (a certified balance warms up too)
        scene.place(PlacedItem(0, "product", "x", 1234.0, 200, 100))
        time.sleep(0.05)  # 1 s of simulated time: S answers the next stable weight, not one from before the load
        host.reset_input_buffer()
        host.write(b"S\r\n")
        assert host.read_until(b"\r\n") == b"S S       1235 g\r\n"
        host.write(b"NOPE\r\n")
        assert host.read_until(b"\r\n") == b"ES\r\n"
        host.write(b"I0\r\n")
        lines = [host.read_until(b"\r\n") for _ in COMMANDS]
        assert lines[0] == b'I0 B 0 "@"\r\n' and lines[-1] == b'I0 A 2 "I11"\r\n'
