"""What the link's frames mean: the message types of protocol v1 and their body layouts (see PROTOCOL.md).

All integers are little-endian. Decoding is strict about length (a body of the wrong size is rejected, not
padded), except that a body *longer* than v1's layout is accepted and the tail ignored: later minor versions
may append fields. Unknown frame types decode to :class:`Unknown` so a newer MCU does not break an older host.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum, IntFlag

from firmware_bridge.framing import Frame, encode_frame

PROTOCOL_VERSION = 1


class FrameType(IntEnum):
    HELLO = 0x01
    SAMPLE = 0x02
    STATUS = 0x03
    COMMAND = 0x10
    ACK = 0x11
    NACK = 0x12


class Fault(IntFlag):
    """Per-channel fault flags in STATUS (and why a SAMPLE value is stale)."""

    NONE = 0
    NO_DATA = 0x01  # the HX711 did not signal a conversion within 2 sample periods (dead chip or wiring)
    SATURATED = 0x02  # the reading sits on a rail: overload or an open bridge (broken load cell wire)
    POWER_DOWN = 0x04  # the chip was found powered down / reset (PD_SCK held high too long) and re-initialised
    SPIKE = 0x08  # at least one spike read was rejected on this channel since the last STATUS


FAULT_NAMES = {
    Fault.NO_DATA: "no_data",
    Fault.SATURATED: "saturated",
    Fault.POWER_DOWN: "power_down",
    Fault.SPIKE: "spike",
}


class Command(IntEnum):
    STREAM = 0x01  # arg u8: 0 stop, 1 start SAMPLE frames
    SET_RATE = 0x02  # arg u16: 10 or 80 samples per second
    IDENTIFY = 0x03  # no arg: the MCU answers with HELLO, then ACK
    REBOOT = 0x04  # no arg: ACK, then a soft reset (a new boot id follows)


class NackReason(IntEnum):
    UNKNOWN_COMMAND = 1
    BAD_ARGUMENT = 2
    BAD_LENGTH = 3


class MessageError(ValueError):
    """A frame whose CRC was good but whose body does not fit its type."""


@dataclass(frozen=True, slots=True)
class Hello:
    """Sent at boot and on IDENTIFY: who the MCU is and how it streams."""

    boot_id: int
    firmware_version: tuple[int, int, int]
    channels: int
    rate_sps: int
    streaming: bool = True
    protocol_version: int = PROTOCOL_VERSION

    FORMAT = "<BIBBBBHB"


@dataclass(frozen=True, slots=True)
class Sample:
    """One conversion of every channel: MCU time and raw 24-bit counts (sign-extended)."""

    mcu_time_us: int  # wraps at 2**32 (about 71.6 minutes)
    counts: tuple[int, ...]
    stale_mask: int = 0  # bit i set: channel i had no fresh conversion; its count repeats the last one

    HEAD = "<IB"


@dataclass(frozen=True, slots=True)
class Status:
    """Heartbeat (every 250 ms at most) with per-channel fault flags."""

    uptime_ms: int
    streaming: bool
    rate_sps: int
    faults: tuple[Fault, ...]

    HEAD = "<IBHB"


@dataclass(frozen=True, slots=True)
class CommandMessage:
    """Host → MCU: a command and its argument bytes."""

    command: int
    arg: bytes = b""


@dataclass(frozen=True, slots=True)
class Ack:
    """MCU → host: the command with sequence number ``command_seq`` was done."""

    command_seq: int
    command: int


@dataclass(frozen=True, slots=True)
class Nack:
    """MCU → host: the command with sequence number ``command_seq`` was refused, and why."""

    command_seq: int
    command: int
    reason: int


@dataclass(frozen=True, slots=True)
class Unknown:
    """A frame of a type this host does not know (from a newer MCU): kept for counting, otherwise ignored."""

    type: int
    body: bytes


Message = Hello | Sample | Status | CommandMessage | Ack | Nack | Unknown


def encode_body(message: Message) -> tuple[int, bytes]:
    """The frame type and body bytes of ``message``."""
    if isinstance(message, Hello):
        major, minor, patch = message.firmware_version
        body = struct.pack(
            Hello.FORMAT,
            message.protocol_version,
            message.boot_id,
            major,
            minor,
            patch,
            message.channels,
            message.rate_sps,
            1 if message.streaming else 0,
        )
        return FrameType.HELLO, body
    if isinstance(message, Sample):
        n = len(message.counts)
        return FrameType.SAMPLE, struct.pack(
            f"{Sample.HEAD}{n}i", message.mcu_time_us, message.stale_mask, *message.counts
        )
    if isinstance(message, Status):
        head = struct.pack(
            Status.HEAD, message.uptime_ms, int(message.streaming), message.rate_sps, len(message.faults)
        )
        return FrameType.STATUS, head + bytes(int(f) for f in message.faults)
    if isinstance(message, CommandMessage):
        return FrameType.COMMAND, bytes((message.command,)) + message.arg
    if isinstance(message, Ack):
        return FrameType.ACK, bytes((message.command_seq, message.command))
    if isinstance(message, Nack):
        return FrameType.NACK, bytes((message.command_seq, message.command, message.reason))
    return message.type, message.body


def encode_message(message: Message, seq: int) -> bytes:
    """The wire bytes of ``message`` with sequence number ``seq``."""
    frame_type, body = encode_body(message)
    return encode_frame(frame_type, seq & 0xFF, body)


def _need(body: bytes, size: int, what: str) -> None:
    if len(body) < size:
        raise MessageError(f"{what} body is {len(body)} bytes, needs {size}")


def decode_message(frame: Frame) -> Message:
    """The message a checked frame carries; raises :class:`MessageError` if the body does not fit its type."""
    body = frame.body
    if frame.type == FrameType.HELLO:
        _need(body, struct.calcsize(Hello.FORMAT), "HELLO")
        proto, boot_id, major, minor, patch, channels, rate, streaming = struct.unpack_from(Hello.FORMAT, body)
        if channels == 0:
            raise MessageError("HELLO with 0 channels")
        return Hello(boot_id, (major, minor, patch), channels, rate, bool(streaming), proto)
    if frame.type == FrameType.SAMPLE:
        head = struct.calcsize(Sample.HEAD)
        _need(body, head, "SAMPLE")
        if (len(body) - head) % 4:
            raise MessageError(f"SAMPLE body of {len(body)} bytes is not a whole number of channels")
        n = (len(body) - head) // 4
        if n == 0:
            raise MessageError("SAMPLE with 0 channels")
        mcu_time, stale = struct.unpack_from(Sample.HEAD, body)
        counts = struct.unpack_from(f"<{n}i", body, head)
        if stale >> n:
            raise MessageError("SAMPLE stale mask names channels it does not carry")
        if any(not -(1 << 23) <= c < (1 << 23) for c in counts):
            raise MessageError("SAMPLE count outside the HX711's 24-bit range")
        return Sample(mcu_time, tuple(counts), stale)
    if frame.type == FrameType.STATUS:
        head = struct.calcsize(Status.HEAD)
        _need(body, head, "STATUS")
        uptime, streaming, rate, n = struct.unpack_from(Status.HEAD, body)
        _need(body, head + n, "STATUS")
        if n == 0:
            raise MessageError("STATUS with 0 channels")
        return Status(uptime, bool(streaming), rate, tuple(Fault(b & 0x0F) for b in body[head : head + n]))
    if frame.type == FrameType.COMMAND:
        _need(body, 1, "COMMAND")
        return CommandMessage(body[0], bytes(body[1:]))
    if frame.type == FrameType.ACK:
        _need(body, 2, "ACK")
        return Ack(body[0], body[1])
    if frame.type == FrameType.NACK:
        _need(body, 3, "NACK")
        return Nack(body[0], body[1], body[2])
    return Unknown(frame.type, body)


def fault_names(faults: Fault) -> list[str]:
    """The names of the flags set in ``faults`` (``["no_data", "spike"]``)."""
    return [name for flag, name in FAULT_NAMES.items() if faults & flag]
