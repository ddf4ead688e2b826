"""HX711 24-bit load-cell ADC driver for MicroPython (bit-banged PD_SCK/DOUT), with the chip's pitfalls handled.

The interface the firmware loop uses (and the simulator's driver copies) is::

    is_ready() -> bool      DOUT low: a conversion is waiting
    read() -> int | None    the conversion as a signed 24-bit count (gain 128, channel A); None if disturbed
    power_down()            PD_SCK high > 60 us
    power_up()              PD_SCK low; the chip restarts and its first conversions are unsettled

Pitfalls (datasheet and field experience):
* PD_SCK held high for more than 60 us powers the chip down. An interrupt in the middle of the 25 clock
  pulses does exactly that, so the pulses run with interrupts disabled and the pulse is a few us wide.
* After power-up (or a reset) the first conversions are not settled: the caller drops ``SETTLE_READS`` reads.
* A chip that never pulls DOUT low (no power, broken wire) must not hang the loop: readiness is polled, never
  waited for, and the firmware loop raises NO_DATA after two sample periods.
* Rails (0x7FFFFF / 0x800000) mean saturation or an open bridge; the loop flags them.
"""

import time

try:  # MicroPython
    import machine
except ImportError:  # CPython (simulator, tests): the driver class exists but needs real pins to run
    machine = None


def sleep_us(us):
    sleep = getattr(time, "sleep_us", None)  # MicroPython only; CPython has nothing to wait for
    if sleep is not None:
        sleep(us)


SETTLE_READS = 4
# With interrupts off a read takes ~100–300 us on an RP2040; far longer means something held PD_SCK high
# past 60 us (an NMI, a flash stall) and the chip may have powered down mid-read: the value is not trusted.
MAX_READ_US = 1500
_ticks_us = getattr(time, "ticks_us", None)
_ticks_diff = getattr(time, "ticks_diff", None)
RAIL_HIGH = 0x7FFFFF
RAIL_LOW = -0x800000


def to_signed24(raw):
    """Two's-complement 24-bit value as a Python int."""
    raw &= 0xFFFFFF
    return raw - 0x1000000 if raw & 0x800000 else raw


class HX711:
    """One HX711 on two GPIOs (``pd_sck``: output, ``dout``: input)."""

    def __init__(self, pd_sck, dout):
        self.pd_sck = pd_sck
        self.dout = dout
        self.pd_sck.value(0)

    def is_ready(self):
        return self.dout.value() == 0

    def read(self):
        clk = self.pd_sck
        dout = self.dout
        raw = 0
        # 24 data bits + 1 pulse selecting channel A / gain 128 for the next conversion. Interrupts off: a
        # pause with PD_SCK high longer than 60 us would power the chip down mid-read.
        state = machine.disable_irq() if machine is not None else None
        started = _ticks_us() if _ticks_us is not None else 0
        try:
            for _ in range(24):
                clk.value(1)
                clk.value(0)
                raw = (raw << 1) | dout.value()
            clk.value(1)
            clk.value(0)
        finally:
            if machine is not None:
                machine.enable_irq(state)
        if _ticks_us is not None and _ticks_diff is not None and _ticks_diff(_ticks_us(), started) > MAX_READ_US:
            return None  # disturbed: the caller flags POWER_DOWN and lets the chip settle again
        return to_signed24(raw)

    def power_down(self):
        self.pd_sck.value(0)
        self.pd_sck.value(1)
        sleep_us(80)

    def power_up(self):
        self.pd_sck.value(0)
