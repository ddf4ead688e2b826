"""The firmware loop: read four HX711s, stream SAMPLE frames, send STATUS heartbeats, answer commands.

MicroPython subset (no ``__future__``, typing or dataclasses), so the simulator runs this very loop under
CPython with a simulated HX711 driver and a pty for the UART. Everything board-specific sits behind ``hal``:

    hal.ticks_us() -> int           free-running microsecond tick (may wrap: only differences are used)
    hal.ticks_diff(a, b) -> int     a - b, wrap-aware
    hal.write(data)                 send bytes to the host (USB CDC or UART)
    hal.read() -> bytes | None      bytes received from the host since the last call, never blocks
    hal.set_rate(sps)               drive the HX711s' RATE pin (10 or 80 samples per second)
    hal.urandom32() -> int          32 random bits (boot id)
    hal.reset()                     soft-reset the MCU (REBOOT command)

Wire format and timing: firmware_bridge/PROTOCOL.md.
"""

import struct

from .framing import FrameReader, encode_frame
from .hx711 import RAIL_HIGH, RAIL_LOW, SETTLE_READS

VERSION = (1, 0, 0)
PROTOCOL_VERSION = 1

T_HELLO = 0x01
T_SAMPLE = 0x02
T_STATUS = 0x03
T_COMMAND = 0x10
T_ACK = 0x11
T_NACK = 0x12

CMD_STREAM = 0x01
CMD_SET_RATE = 0x02
CMD_IDENTIFY = 0x03
CMD_REBOOT = 0x04

NACK_UNKNOWN = 1
NACK_BAD_ARGUMENT = 2
NACK_BAD_LENGTH = 3

F_NO_DATA = 0x01
F_SATURATED = 0x02
F_POWER_DOWN = 0x04
F_SPIKE = 0x08

HEARTBEAT_US = 250000
RATES = (10, 80)
# A read that differs from both neighbours' median by more than this is a spike (about 90 g on a 20 kg cell;
# a real load change moves the median within one conversion, a spike does not).
SPIKE_COUNTS = 20000


class Channel:
    """One load cell's ADC and what the loop knows about it."""

    def __init__(self, adc):
        self.adc = adc
        self.history = []  # last three accepted raw reads, for the median-of-3 spike filter
        self.value = 0
        self.fresh = False
        self.fresh_at = 0
        self.last_conversion = 0
        self.settle = SETTLE_READS  # conversions still to drop after power-up or a rate change
        self.sticky = 0  # fault flags seen since the last STATUS
        self.no_data = False
        self.saturated = False
        self.spikes = 0


class Firmware:
    """The MCU application; call :meth:`start` once, then :meth:`poll` as often as possible."""

    def __init__(self, hal, adcs, rate_sps=80):
        self.hal = hal
        self.channels = [Channel(adc) for adc in adcs]
        self.rate = rate_sps if rate_sps in RATES else 80
        self.streaming = True
        self.boot_id = hal.urandom32() & 0xFFFFFFFF
        self.seq = 0
        self.reader = FrameReader()
        self.uptime_us = 0
        self._last_tick = hal.ticks_us()
        self._last_status = 0
        self._reboot_requested = False

    # -- output ------------------------------------------------------------------------------------------

    def _send(self, frame_type, body):
        self.hal.write(encode_frame(frame_type, self.seq, body))
        self.seq = (self.seq + 1) & 0xFF

    def send_hello(self):
        major, minor, patch = VERSION
        body = struct.pack(
            "<BIBBBBHB",
            PROTOCOL_VERSION,
            self.boot_id,
            major,
            minor,
            patch,
            len(self.channels),
            self.rate,
            1 if self.streaming else 0,
        )
        self._send(T_HELLO, body)

    def send_status(self):
        faults = bytearray()
        for ch in self.channels:
            flags = ch.sticky
            if ch.no_data:
                flags |= F_NO_DATA
            if ch.saturated:
                flags |= F_SATURATED
            faults.append(flags)
            ch.sticky = 0
        uptime_ms = (self.uptime_us // 1000) & 0xFFFFFFFF
        body = struct.pack("<IBHB", uptime_ms, 1 if self.streaming else 0, self.rate, len(self.channels))
        self._send(T_STATUS, body + bytes(faults))
        self._last_status = self.uptime_us

    def _send_sample(self):
        stale = 0
        counts = []
        for i, ch in enumerate(self.channels):
            if not ch.fresh:
                stale |= 1 << i
            ch.fresh = False
            counts.append(ch.value)
        if self.streaming:
            body = struct.pack("<IB", self.uptime_us & 0xFFFFFFFF, stale) + struct.pack(
                "<" + "i" * len(counts), *counts
            )
            self._send(T_SAMPLE, body)

    # -- input -------------------------------------------------------------------------------------------

    def _handle_command(self, seq, body):
        if not body:
            self._send(T_NACK, bytes((seq, 0, NACK_BAD_LENGTH)))
            return
        cmd = body[0]
        arg = body[1:]
        if cmd == CMD_STREAM:
            if len(arg) != 1:
                self._send(T_NACK, bytes((seq, cmd, NACK_BAD_LENGTH)))
            elif arg[0] > 1:
                self._send(T_NACK, bytes((seq, cmd, NACK_BAD_ARGUMENT)))
            else:
                self.streaming = arg[0] == 1
                self._send(T_ACK, bytes((seq, cmd)))
        elif cmd == CMD_SET_RATE:
            if len(arg) != 2:
                self._send(T_NACK, bytes((seq, cmd, NACK_BAD_LENGTH)))
                return
            rate = arg[0] | (arg[1] << 8)
            if rate not in RATES:
                self._send(T_NACK, bytes((seq, cmd, NACK_BAD_ARGUMENT)))
                return
            if rate != self.rate:
                self.rate = rate
                self.hal.set_rate(rate)
                for ch in self.channels:  # the conversion running when RATE changed is unsettled
                    ch.settle = 1
                    ch.history = []
                    ch.last_conversion = self.uptime_us
            self._send(T_ACK, bytes((seq, cmd)))
        elif cmd == CMD_IDENTIFY:
            if arg:
                self._send(T_NACK, bytes((seq, cmd, NACK_BAD_LENGTH)))
                return
            self.send_hello()
            self._send(T_ACK, bytes((seq, cmd)))
        elif cmd == CMD_REBOOT:
            self._send(T_ACK, bytes((seq, cmd)))
            self._reboot_requested = True
        else:
            self._send(T_NACK, bytes((seq, cmd, NACK_UNKNOWN)))

    # -- the loop ----------------------------------------------------------------------------------------

    def start(self):
        self.hal.set_rate(self.rate)
        for ch in self.channels:
            ch.adc.power_up()
            ch.last_conversion = self.uptime_us
        self.send_hello()
        self.send_status()

    def _tick(self):
        now = self.hal.ticks_us()
        self.uptime_us += self.hal.ticks_diff(now, self._last_tick)
        self._last_tick = now
        return self.uptime_us

    def period_us(self):
        return 1000000 // self.rate

    def poll(self):
        """Do whatever is due now: commands, conversions, SAMPLE, STATUS. Never blocks."""
        now = self._tick()
        data = self.hal.read()
        if data:
            for frame_type, seq, body in self.reader.feed(data):
                if frame_type == T_COMMAND:
                    self._handle_command(seq, body)
        if self._reboot_requested:
            self._reboot_requested = False
            self.hal.reset()
            return
        period = self.period_us()
        for ch in self.channels:
            if ch.adc.is_ready():
                self._convert(ch, now)
            elif now - ch.last_conversion > 2 * period:
                # No conversion for two periods: dead chip, broken wire, or stuck powered down. Power-cycle it
                # (that is what recovers a chip that powered down mid-read) and keep reporting NO_DATA.
                ch.no_data = True
                ch.sticky |= F_NO_DATA
                ch.adc.power_down()
                ch.adc.power_up()
                ch.settle = SETTLE_READS
                ch.history = []
                ch.last_conversion = now
        fresh_times = [ch.fresh_at for ch in self.channels if ch.fresh]
        if fresh_times and (len(fresh_times) == len(self.channels) or now - min(fresh_times) >= period + period // 2):
            self._send_sample()
        if now - self._last_status >= HEARTBEAT_US:
            self.send_status()

    def _convert(self, ch, now):
        raw = ch.adc.read()
        ch.last_conversion = now
        ch.no_data = False
        if raw is None:  # the driver saw the read disturbed: the chip may have powered down mid-read
            ch.sticky |= F_POWER_DOWN
            ch.settle = SETTLE_READS
            ch.history = []
            return
        if ch.settle > 0:
            ch.settle -= 1
            return
        ch.saturated = raw >= RAIL_HIGH or raw <= RAIL_LOW
        if ch.saturated:
            ch.sticky |= F_SATURATED
        history = ch.history
        history.append(raw)
        if len(history) > 3:
            history.pop(0)
        if len(history) == 3:
            # Spike filter (Hampel-style, one conversion of delay): the middle read is replaced by the median of
            # the three only when it is far from it. A plain median would also shave the crests of fast
            # ringing and make the host see a load at rest that is still swinging.
            median = sorted(history)[1]
            if abs(history[1] - median) > SPIKE_COUNTS:
                ch.sticky |= F_SPIKE
                ch.spikes += 1
                history[1] = median  # so the spike does not come back as the next read's neighbour
            ch.value = history[1]
        else:
            ch.value = raw
        if not ch.fresh:  # the age of the oldest unsent conversion decides when a late channel is given up on
            ch.fresh = True
            ch.fresh_at = now

    def idle_us(self):
        """Microseconds the loop may sleep before the next heartbeat is due (HX711 readiness is polled)."""
        return max(0, HEARTBEAT_US - (self.uptime_us - self._last_status))
