"""The MT-SICS client against the simulated balance over a real pty, and against scripted byte exchanges."""

from __future__ import annotations

import os
import threading
import time
import tty
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext

import pytest

from firmware_bridge.mtsics import MtSicsError
from firmware_bridge.mtsics_scale import (
    BalanceBusy,
    BalanceData,
    BalanceLogicalError,
    BalanceOverload,
    BalanceParameterError,
    BalanceSyntaxError,
    BalanceTransmissionError,
    BalanceUnderload,
    ImmediateTare,
    MtSicsCommandError,
    MtSicsLevel,
    MtSicsScale,
    parse_balance_data,
)
from firmware_bridge.scale import ScaleError, open_scale
from hardware_sim.loadcell_physics import PhysicsOptions
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
    with pytest.raises(BalanceOverload, match="above the upper limit of the zero-setting range"):
        scale.zero()


def test_overload_is_a_fault(scene: Scene, scale: MtSicsScale) -> None:
    scene.place(PlacedItem(0, "product", "x", 31000.0, 300, 200))
    r = scale.wait_for(lambda r: "overload" in r.faults, 5)
    assert r.grams is None


def test_identity_from_the_simulator(scale: MtSicsScale) -> None:
    identity = scale.identity()
    assert identity.serial_number == "B021002593" and identity.balance_type == "BC30"
    assert identity.level == MtSicsLevel("01", ("2.30", "2.20", "1.00", ""))
    assert identity.data == BalanceData("BC30 Basketcheck", 30000.0, "g", 0)
    assert identity.software == "1.00 20.30.0.1" and identity.software_id == "30100001A"
    assert identity.balance_id == ""
    commands = scale.commands()
    assert commands[0] == (0, "@") and (0, "ZI") in commands and (1, "TI") in commands and len(commands) == 22
    scale.set_balance_id("Checkout 7")
    assert scale.balance_id() == "Checkout 7"
    with pytest.raises(BalanceParameterError):
        scale.set_balance_id("a name of 21 letters!")


def test_immediate_zero_and_tare_on_a_still_pan(scene: Scene, scale: MtSicsScale) -> None:
    assert scale.zero_immediately() is True  # ZI S: the pan was still
    scene.place(PlacedItem(0, "product", "basket", 640.0, 300, 200))
    scale.wait_for(lambda r: r.stable and r.grams == 640.0, 5)
    assert scale.tare_immediately() == ImmediateTare(640.0, stable=True)
    assert scale.tare_value() == 640.0
    r = scale.wait_for(lambda r: r.stable and r.tare_g == 640.0, 5)
    assert r.grams == 0.0 and r.gross_g == 640.0


def test_tare_on_an_empty_pan_and_zero_clears_tare(
    scene: Scene, balance: SimulatedMtSicsDevice, scale: MtSicsScale
) -> None:
    assert scale.tare() == 0.0  # a real balance tares an empty pan to 0 (the old simulator said T -)
    assert scale.preset_tare(300) == 300.0
    scale.wait_for(lambda r: r.stable and r.grams == -300.0, 5)
    scale.zero()  # Z: "all weight values, the tare included, are measured from the new zero"
    assert balance.engine.tare_g == 0.0
    assert scale.wait_for(lambda r: r.stable and r.grams == 0.0, 5).tare_g == 0.0
    with pytest.raises(BalanceParameterError):
        scale.preset_tare(-5)


def test_display_and_keys(balance: SimulatedMtSicsDevice, scale: MtSicsScale) -> None:
    scale.display_text("SCAN COLA 1.5 L")
    assert balance.responder.display_text == "SCAN COLA 1.5 L"
    scale.display_weight()
    assert balance.responder.display_text is None
    scale.set_key_mode(2)
    assert balance.responder.key_mode == 2


def test_overload_refuses_zero_and_tare(scene: Scene, scale: MtSicsScale) -> None:
    scene.place(PlacedItem(0, "product", "x", 31000.0, 300, 200))
    scale.wait_for(lambda r: "overload" in r.faults, 5)
    with pytest.raises(BalanceOverload):
        scale.zero()
    with pytest.raises(BalanceOverload):
        scale.tare_immediately()


def test_reconnect_puts_the_tare_back(balance: SimulatedMtSicsDevice, scale: MtSicsScale) -> None:
    assert scale.preset_tare(510) == 510.0
    balance.unplug()
    scale.wait_for(lambda r: "link_down" in r.faults, 3)
    balance.replug()
    r = scale.wait_for(lambda r: r.stable and r.grams == -510.0, 3)  # the client's @ cleared it, TA put it back
    assert r.tare_g == 510.0 and balance.engine.tare_g == 510.0


def test_a_load_that_keeps_moving(scene: Scene) -> None:
    # A tray that rings for a minute: Z and T wait 3 s inside the balance and give up (I); ZI and TI do it now (D).
    ringing = PhysicsOptions(tau_range_s=(60.0, 60.0), kick_range=(0.3, 0.3))
    with (
        SimulatedMtSicsDevice(scene, seed=4, speed=20, physics=ringing) as balance,
        open_scale(balance.port, kind="mtsics", e_g=5.0) as sc,
    ):
        assert isinstance(sc, MtSicsScale)
        sc.wait_for(lambda r: r.stable and r.grams == 0.0, 5)
        scene.place(PlacedItem(0, "product", "x", 300.0, 300, 200))
        sc.wait_for(lambda r: r.grams is not None and r.grams > 100 and not r.stable, 5)
        with pytest.raises(BalanceBusy, match="'Z'"):
            sc.zero()
        with pytest.raises(BalanceBusy, match="'T'"):
            sc.tare()
        taken = sc.tare_immediately()
        assert taken.stable is False and 0 < taken.grams < 600
        assert balance.engine.tare_g == taken.grams
        sc.clear_tare()
        assert sc.zero_immediately() is False  # ZI D: zeroed at the moving value
        assert balance.engine.tare_g == 0.0


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


@pytest.mark.parametrize(
    ("command", "reply", "error", "words"),
    [
        (b"Z", b"ES\r\n", BalanceSyntaxError, "syntax error"),
        (b"Z", b"Z I\r\n", BalanceBusy, "not executable now"),
        (b"Z", b"Z +\r\n", BalanceOverload, "zero-setting range"),
        (b"Z", b"Z -\r\n", BalanceUnderload, "zero-setting range"),
        (b"ZI", b"ZI I\r\n", BalanceBusy, "not executable now"),
        (b"T", b"T I\r\n", BalanceBusy, "not stable before its timeout"),
        (b"T", b"T +\r\n", BalanceOverload, "taring range"),
        (b"T", b"T -\r\n", BalanceUnderload, "taring range"),
        (b"T", b"ET\r\n", BalanceTransmissionError, "damaged command"),
        (b"T", b"T S     100.00 lb\r\n", MtSicsCommandError, "unit 'lb'"),  # never a wrong weight
        (b"T", b"T A\r\n", MtSicsCommandError, "T A"),
        (b"TI", b"TI L\r\n", BalanceParameterError, "parameter"),
        (b"TA 10.00 g", b"TA L\r\n", BalanceParameterError, "parameter"),
        (b"TAC", b"EL\r\n", BalanceLogicalError, "cannot execute"),
        (b'D "HI"', b"D I\r\n", BalanceBusy, "not executable now"),
        (b"DW", b"ES\r\n", BalanceSyntaxError, "does not know"),
        (b"K 3", b"K L\r\n", BalanceParameterError, "parameter"),
        (b'I10 "Lane 3"', b"I10 L\r\n", BalanceParameterError, "parameter"),
        (b"I2", b'I2 A "no capacity"\r\n', MtSicsCommandError, "not 'type capacity unit'"),
        (b"I0", b"I0 I\r\n", BalanceBusy, "not executable now"),
    ],
)
def test_error_replies_become_clear_exceptions(
    command: bytes, reply: bytes, error: type[MtSicsCommandError], words: str
) -> None:
    balance = ScriptedBalance({b"@": b'I4 A "X1"\r\n', command: reply})
    calls = {
        b"Z": lambda sc: sc.zero(),
        b"ZI": lambda sc: sc.zero_immediately(),
        b"T": lambda sc: sc.tare(),
        b"TI": lambda sc: sc.tare_immediately(),
        b"TA 10.00 g": lambda sc: sc.preset_tare(10),
        b"TAC": lambda sc: sc.clear_tare(),
        b'D "HI"': lambda sc: sc.display_text("HI"),
        b"DW": lambda sc: sc.display_weight(),
        b"K 3": lambda sc: sc.set_key_mode(3),
        b'I10 "Lane 3"': lambda sc: sc.set_balance_id("Lane 3"),
        b"I2": lambda sc: sc.balance_data(),
        b"I0": lambda sc: sc.commands(),
    }
    try:
        with MtSicsScale.open(balance.path) as sc:
            with pytest.raises(error, match=words) as caught:
                calls[command](sc)
            assert caught.value.command == command.split()[0].decode()
            assert isinstance(caught.value, ScaleError)  # the validation unit catches ScaleError
    finally:
        balance.close()


def test_client_reads_the_manuals_replies() -> None:
    # Reply strings as the MT-SICS manuals print them (OHAUS 7000 quotes I1-I4; I0/ZI/TI as drivers test them)
    balance = ScriptedBalance(
        {
            b"@": b'I4 A "123456"\r\n',
            b"I0": b'I0 B 0 "I0"\r\nI0 B 0 "I1"\r\nI0 B 1 "D"\r\nI0 A 3 "SM4"\r\n',
            b"I1": b'I1 A "" "2.2x" "2.2x" "" ""\r\n',
            b"I2": b'I2 A "T72XW Standard 50.00 kg"\r\n',
            b"I3": b'I3 A "1.00"\r\n',
            b"I4": b'I4 A "123456"\r\n',
            b"I5": b"ES\r\n",  # a terminal without I5
            b"I10": b'I10 A "My Balance"\r\n',
            b"I11": b'I11 A "XS205DU"\r\n',
            b"ZI": b"ZI D\r\n",
            b"TI": b"TI D     117.57 g\r\n",
            b"TA": b"TA A     117.57 g\r\n",
            b'D "SCAN COLA"': b"D A\r\n",
            b"DW": b"DW A\r\n",
            b"K 4": b"K A\r\n",
            b'I10 "Lane 3"': b"I10 A\r\n",
        }
    )
    try:
        with MtSicsScale.open(balance.path) as sc:
            assert sc.info.device == "123456"
            assert sc.commands() == [(0, "I0"), (0, "I1"), (1, "D"), (3, "SM4")]
            identity = sc.identity()
            assert identity.serial_number == "123456"
            assert identity.level == MtSicsLevel("", ("2.2x", "2.2x", "", ""))
            assert identity.data == BalanceData("T72XW Standard", 50.0, "kg", 2)
            assert identity.software == "1.00" and identity.software_id is None
            assert identity.balance_id == "My Balance" and identity.balance_type == "XS205DU"
            assert sc.zero_immediately() is False
            assert sc.tare_immediately() == ImmediateTare(117.57, stable=False)
            assert sc.tare_value() == 117.57
            sc.display_text("SCAN COLA")
            sc.display_weight()
            sc.set_key_mode(4)
            sc.set_balance_id("Lane 3")
            with pytest.raises(ValueError, match="key mode"):
                sc.set_key_mode(5)
            with pytest.raises(ValueError, match="double quote"):
                sc.display_text('say "hi"')
        assert b'D "SCAN COLA"' in balance.received and b"K 4" in balance.received
    finally:
        balance.close()


def test_garbage_reply_is_no_answer() -> None:
    balance = ScriptedBalance({b"@": b'I4 A "X1"\r\n', b"I11": b"\x8f\xff I11 A\r\nI11 Q zz\r\n"})
    try:
        with MtSicsScale.open(balance.path, query_timeout_s=0.3) as sc:
            with pytest.raises(ScaleError, match="no answer to 'I11'"):
                sc.balance_type()
            assert sc.stats.bad_lines == 2
    finally:
        balance.close()


def test_stream_in_a_unit_we_do_not_convert_is_a_fault() -> None:
    balance = ScriptedBalance({b"@": b'I4 A "X1"\r\n'}, stream=b"S S     100.00 lb\r\n")
    try:
        with MtSicsScale.open(balance.path) as sc:
            r = sc.wait_for(lambda r: bool(r.faults), 2)
            assert r.faults == frozenset({"unit"}) and r.grams is None
    finally:
        balance.close()


def test_stream_in_kg_has_e_in_grams() -> None:
    balance = ScriptedBalance({b"@": b'I4 A "X1"\r\n'}, stream=b"S S     12.345 kg\r\n")
    try:
        with MtSicsScale.open(balance.path) as sc:
            r = sc.wait_for(lambda r: r.stable, 2)
            assert r.grams == pytest.approx(12345.0) and r.e_g == pytest.approx(1.0)
    finally:
        balance.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WMS404C-L/10 WMS 410.0090 g", nullcontext(BalanceData("WMS404C-L/10 WMS", 410.009, "g", 4))),
        ("T72XW Standard 50.00 kg", nullcontext(BalanceData("T72XW Standard", 50.0, "kg", 2))),
        ("ICS469 OU 60.18 kg", nullcontext(BalanceData("ICS469 OU", 60.18, "kg", 2))),
        ("BC30 Basketcheck 30000 g", nullcontext(BalanceData("BC30 Basketcheck", 30000.0, "g", 0))),
        ("XS204", pytest.raises(MtSicsError, match="type capacity unit")),
        ("XS204 Excellence lots g", pytest.raises(MtSicsError, match="not a number")),
    ],
)
def test_parse_balance_data(text: str, expected: AbstractContextManager[BalanceData]) -> None:
    with expected as data:
        assert parse_balance_data(text) == data


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
