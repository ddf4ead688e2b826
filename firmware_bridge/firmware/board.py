"""The real board: RP2040 (Raspberry Pi Pico) or ESP32 running MicroPython, 4 HX711s, host link over USB CDC.

Only runs on MicroPython (it imports ``machine``). Deploy: copy this folder to the board as ``/fw`` and put
``import fw.board; fw.board.main()`` in the board's ``/main.py``, e.g.::

    mpremote cp -r firmware_bridge/firmware :fw
    mpremote exec "open('main.py','w').write('import fw.board\\nfw.board.main()\\n')"

Pins below are the reference wiring (docs in PROTOCOL.md, "Reference hardware"); change them for yours.
"""

import os
import select
import sys
import time

import machine
import micropython

from .app import Firmware
from .hx711 import HX711

PD_SCK_PINS = (2, 4, 6, 8)
DOUT_PINS = (3, 5, 7, 9)
RATE_PIN = 10  # shared RATE input of the four HX711 boards: low 10 SPS, high 80 SPS


class BoardHal:
    """Board I/O for :class:`Firmware`: ticks, USB CDC bytes, RATE pin, random, reset."""

    def __init__(self):
        self._rate = machine.Pin(RATE_PIN, machine.Pin.OUT)
        self._poll = select.poll()
        self._poll.register(sys.stdin, select.POLLIN)
        self._in = sys.stdin.buffer
        self._out = sys.stdout.buffer

    def ticks_us(self):
        return time.ticks_us()  # type: ignore[attr-defined]

    def ticks_diff(self, a, b):
        return time.ticks_diff(a, b)  # type: ignore[attr-defined]

    def write(self, data):
        self._out.write(data)

    def read(self):
        data = b""
        while self._poll.poll(0):
            chunk = self._in.read(1)
            if not chunk:
                break
            data += chunk
            if len(data) >= 64:
                break
        return data or None

    def set_rate(self, sps):
        self._rate.value(1 if sps == 80 else 0)

    def urandom32(self):
        b = os.urandom(4)
        return b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)

    def reset(self):
        machine.reset()


def main():
    micropython.kbd_intr(-1)  # the link is binary: a 0x03 byte must not raise KeyboardInterrupt
    adcs = [
        HX711(machine.Pin(sck, machine.Pin.OUT), machine.Pin(dout, machine.Pin.IN, machine.Pin.PULL_UP))
        for sck, dout in zip(PD_SCK_PINS, DOUT_PINS)  # noqa: B905 (MicroPython's zip has no strict)
    ]
    fw = Firmware(BoardHal(), adcs)
    fw.start()
    while True:
        fw.poll()
        # HX711 readiness is polled; 200 us keeps read latency far below one 12.5 ms conversion.
        time.sleep_us(min(200, fw.idle_us()))  # type: ignore[attr-defined]
