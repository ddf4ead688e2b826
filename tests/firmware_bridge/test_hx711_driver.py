"""The bit-banged HX711 driver against a pin-level model of the chip (no MicroPython needed)."""

from __future__ import annotations

import pytest

from firmware_bridge.firmware.hx711 import HX711, to_signed24


class Chip:
    """HX711 at the pins: DOUT low when a conversion waits; each PD_SCK rising edge shifts out the next bit."""

    def __init__(self, value: int) -> None:
        self.value = value & 0xFFFFFF
        self.bit = 0
        self.pulses = 0
        self.clock = 0
        self.ready = True

    def dout(self) -> int:
        if self.bit == 0:
            return 0 if self.ready else 1
        return (self.value >> (24 - self.bit)) & 1

    def set_clock(self, level: int) -> None:
        if level and not self.clock:
            self.pulses += 1
            self.bit += 1
        self.clock = level


class ClockPin:
    def __init__(self, chip: Chip) -> None:
        self.chip = chip

    def value(self, level: int | None = None) -> int:
        if level is not None:
            self.chip.set_clock(level)
        return self.chip.clock


class DataPin:
    def __init__(self, chip: Chip) -> None:
        self.chip = chip

    def value(self) -> int:
        return self.chip.dout()


@pytest.mark.parametrize(
    ("raw", "signed"),
    [(0x000000, 0), (0x000001, 1), (0x7FFFFF, 8388607), (0x800000, -8388608), (0xFFFFFF, -1), (0xFFFF38, -200)],
)
def test_to_signed24(raw: int, signed: int) -> None:
    assert to_signed24(raw) == signed


@pytest.mark.parametrize("value", [0, 12345, -200, 8388607, -8388608])
def test_read_clocks_25_pulses_msb_first(value: int) -> None:
    chip = Chip(value)
    adc = HX711(ClockPin(chip), DataPin(chip))
    assert adc.is_ready()
    assert adc.read() == value
    assert chip.pulses == 25  # 24 data bits + 1: channel A, gain 128 for the next conversion
    assert chip.clock == 0  # PD_SCK left low: held high it would power the chip down


def test_not_ready_while_dout_high() -> None:
    chip = Chip(5)
    chip.ready = False
    assert not HX711(ClockPin(chip), DataPin(chip)).is_ready()


def test_power_down_holds_the_clock_high() -> None:
    chip = Chip(0)
    adc = HX711(ClockPin(chip), DataPin(chip))
    adc.power_down()
    assert chip.clock == 1
    adc.power_up()
    assert chip.clock == 0
