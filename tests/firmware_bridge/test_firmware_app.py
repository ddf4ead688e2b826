"""The firmware loop under CPython with a fake board: frames out, commands in, HX711 pitfalls."""

from __future__ import annotations

import itertools
import struct

from firmware_bridge.firmware.app import SETTLE_READS, SPIKE_COUNTS, Firmware
from firmware_bridge.messages import (
    Ack,
    Command,
    CommandMessage,
    Fault,
    Hello,
    Nack,
    NackReason,
    Sample,
    Status,
    encode_message,
)
from tests.firmware_bridge.fake_board import FakeAdc, FakeHal


def _boot(n: int = 4, value: int = 1000) -> tuple[FakeHal, list[FakeAdc], Firmware]:
    hal = FakeHal()
    adcs = [FakeAdc(hal, value) for _ in range(n)]
    fw = Firmware(hal, adcs)
    fw.start()
    return hal, adcs, fw


def _run(hal: FakeHal, fw: Firmware, until_us: int, step_us: int = 500) -> None:
    while hal.now_us < until_us:
        hal.now_us += step_us
        fw.poll()


def test_boot_sends_hello_and_status() -> None:
    hal, _adcs, _fw = _boot()
    hello, status = hal.messages()
    assert hello == Hello(0x12345678, (1, 0, 0), 4, 80, True)
    assert isinstance(status, Status) and status.faults == (Fault.NONE,) * 4
    assert hal.rate == 80


def test_streams_samples_after_settling() -> None:
    hal, _adcs, fw = _boot(value=4242)
    hal.messages()
    _run(hal, fw, 200_000)
    samples = [m for m in hal.messages() if isinstance(m, Sample)]
    # 200 ms at 80 SPS = 16 conversions, minus the reads dropped while the chips settle
    assert len(samples) == 16 - SETTLE_READS
    assert all(s.counts == (4242,) * 4 and s.stale_mask == 0 for s in samples)
    times = [s.mcu_time_us for s in samples]
    assert all(b - a == 12500 for a, b in itertools.pairwise(times))


def test_heartbeat_every_250_ms_even_when_not_streaming() -> None:
    hal, _adcs, fw = _boot()
    hal.inbox += encode_message(CommandMessage(Command.STREAM, b"\x00"), 1)
    _run(hal, fw, 1_000_000)
    messages = hal.messages()
    assert Ack(1, Command.STREAM) in messages
    assert not any(isinstance(m, Sample) for m in messages)
    assert sum(isinstance(m, Status) for m in messages) == 5  # at boot, then at 250, 500, 750, 1000 ms


def test_commands_ack_and_nack() -> None:
    hal, _adcs, fw = _boot()
    hal.messages()
    hal.inbox += encode_message(CommandMessage(Command.SET_RATE, struct.pack("<H", 10)), 1)
    hal.inbox += encode_message(CommandMessage(Command.SET_RATE, struct.pack("<H", 20)), 2)
    hal.inbox += encode_message(CommandMessage(Command.STREAM, b""), 3)
    hal.inbox += encode_message(CommandMessage(0x55), 4)
    hal.inbox += encode_message(CommandMessage(Command.IDENTIFY), 5)
    hal.inbox += b"\x13\x37garbage\x00"  # noise between commands is ignored
    hal.inbox += encode_message(CommandMessage(Command.REBOOT), 6)
    hal.now_us += 100
    fw.poll()
    got = [m for m in hal.messages() if not isinstance(m, Sample | Status)]
    assert got == [
        Ack(1, Command.SET_RATE),
        Nack(2, Command.SET_RATE, NackReason.BAD_ARGUMENT),
        Nack(3, Command.STREAM, NackReason.BAD_LENGTH),
        Nack(4, 0x55, NackReason.UNKNOWN_COMMAND),
        Hello(0x12345678, (1, 0, 0), 4, 10, True),
        Ack(5, Command.IDENTIFY),
        Ack(6, Command.REBOOT),
    ]
    assert hal.rate == 10
    assert hal.resets == 1


def test_spike_is_filtered_and_flagged() -> None:
    hal, adcs, fw = _boot(value=1000)
    _run(hal, fw, 150_000)
    adcs[2].queue = [1000 + (1 << 20)]  # one read with a flipped high bit
    _run(hal, fw, 400_000)
    messages = hal.messages()
    samples = [m for m in messages if isinstance(m, Sample)]
    assert all(s.counts[2] == 1000 for s in samples)
    assert any(isinstance(m, Status) and m.faults[2] & Fault.SPIKE for m in messages)
    assert SPIKE_COUNTS < (1 << 20)


def test_step_is_not_a_spike() -> None:
    hal, adcs, fw = _boot(value=1000)
    _run(hal, fw, 150_000)
    for adc in adcs:
        adc.value = 500_000
    _run(hal, fw, 400_000)
    messages = hal.messages()
    assert [m for m in messages if isinstance(m, Sample)][-1].counts == (500_000,) * 4
    assert not any(isinstance(m, Status) and any(f & Fault.SPIKE for f in m.faults) for m in messages)


def test_dead_chip_reports_no_data_and_is_power_cycled() -> None:
    hal, adcs, fw = _boot()
    _run(hal, fw, 100_000)
    adcs[1].dead = True
    _run(hal, fw, 600_000)
    messages = hal.messages()
    statuses = [m for m in messages if isinstance(m, Status)]
    assert statuses[-1].faults[1] & Fault.NO_DATA
    assert adcs[1].power_cycles >= 1
    late = [m for m in messages if isinstance(m, Sample)][-1]
    assert late.stale_mask == 0b0010  # the others keep streaming; the dead one is marked stale


def test_saturated_cell() -> None:
    hal, adcs, fw = _boot()
    adcs[3].value = 0x7FFFFF
    _run(hal, fw, 600_000)
    statuses = [m for m in hal.messages() if isinstance(m, Status)]
    assert statuses[-1].faults[3] & Fault.SATURATED


def test_disturbed_read_flags_power_down() -> None:
    hal, adcs, fw = _boot()
    _run(hal, fw, 150_000)
    adcs[0].queue = [None]
    _run(hal, fw, 400_000)
    statuses = [m for m in hal.messages() if isinstance(m, Status)]
    assert any(s.faults[0] & Fault.POWER_DOWN for s in statuses)
