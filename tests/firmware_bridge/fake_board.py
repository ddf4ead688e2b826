"""A fake board for the firmware loop: a clock we move by hand, bytes in/out, ADCs that return what we say."""

from __future__ import annotations

from firmware_bridge.framing import FrameDecoder
from firmware_bridge.messages import Message, decode_message


class FakeHal:
    def __init__(self) -> None:
        self.now_us = 0
        self.out = bytearray()
        self.inbox = bytearray()
        self.rate = 0
        self.resets = 0
        self._decoder = FrameDecoder()

    def ticks_us(self) -> int:
        return self.now_us

    def ticks_diff(self, a: int, b: int) -> int:
        return a - b

    def write(self, data: bytes) -> None:
        self.out += data

    def read(self) -> bytes | None:
        data, self.inbox = bytes(self.inbox), bytearray()
        return data or None

    def set_rate(self, sps: int) -> None:
        self.rate = sps

    def urandom32(self) -> int:
        return 0x12345678

    def reset(self) -> None:
        self.resets += 1

    def messages(self) -> list[Message]:
        """Everything the firmware sent since the last call, decoded."""
        frames = self._decoder.feed(bytes(self.out))
        self.out.clear()
        return [decode_message(f) for f in frames]


class FakeAdc:
    """Driver-interface ADC: ready every ``period_us``, returns the next value of ``values`` (or a constant)."""

    def __init__(self, hal: FakeHal, value: int = 1000, period_us: int = 12500) -> None:
        self.hal = hal
        self.value = value
        self.queue: list[int | None] = []
        self.period_us = period_us
        self.next_us = period_us
        self.dead = False
        self.power_cycles = 0

    def is_ready(self) -> bool:
        return not self.dead and self.hal.now_us >= self.next_us

    def read(self) -> int | None:
        self.next_us += self.period_us
        return self.queue.pop(0) if self.queue else self.value

    def power_down(self) -> None:
        self.power_cycles += 1

    def power_up(self) -> None:
        pass
