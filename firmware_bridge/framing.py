"""Link framing between the MCU and the host: COBS frames delimited by 0x00, each carrying a CRC-checked payload.

A frame on the wire is ``COBS(payload) 0x00`` where ``payload = type u8 | seq u8 | body | crc16 u16le`` and the
CRC (CRC-16/IBM-3740, a.k.a. CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final XOR, check value
0x29B1) covers ``type | seq | body``. See PROTOCOL.md. This module knows nothing about what the bodies mean
(that is :mod:`firmware_bridge.messages`) and does no I/O: it is fed bytes and returns frames.
"""

from __future__ import annotations

import binascii
import struct
from dataclasses import dataclass

from cobs import cobs

DELIMITER = b"\x00"
CRC_INIT = 0xFFFF
HEADER_LEN = 2  # type, seq
CRC_LEN = 2
MIN_PAYLOAD = HEADER_LEN + CRC_LEN
# No frame of protocol v1 is longer than this; longer runs between delimiters are garbage, dropped early so a
# stream without delimiters cannot grow the buffer without bound.
MAX_PAYLOAD = 250
MAX_ENCODED = MAX_PAYLOAD + MAX_PAYLOAD // 254 + 2


def crc16(data: bytes) -> int:
    """CRC-16/IBM-3740 of ``data`` (0x29B1 for b"123456789")."""
    return binascii.crc_hqx(data, CRC_INIT)


@dataclass(frozen=True, slots=True)
class Frame:
    """One checked frame: its type, sequence number and body (CRC already verified and removed)."""

    type: int
    seq: int
    body: bytes

    def payload(self) -> bytes:
        """The bytes the CRC covers (type, seq, body)."""
        return bytes((self.type, self.seq)) + self.body


def encode_frame(frame_type: int, seq: int, body: bytes = b"") -> bytes:
    """The wire bytes of one frame, delimiter included."""
    if not 0 <= frame_type <= 0xFF or not 0 <= seq <= 0xFF:
        raise ValueError(f"type and seq must be 0..255, got type={frame_type} seq={seq}")
    head = bytes((frame_type, seq)) + body
    payload = head + struct.pack("<H", crc16(head))
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds the {MAX_PAYLOAD}-byte maximum")
    return cobs.encode(payload) + DELIMITER


class FrameError(ValueError):
    """Why a run of bytes between delimiters is not a frame (bad COBS, short, bad CRC, too long)."""


def decode_payload(encoded: bytes) -> Frame:
    """Check and decode the bytes between two delimiters; raises :class:`FrameError` when they are no frame."""
    if len(encoded) > MAX_ENCODED:
        raise FrameError("too long")
    try:
        payload = cobs.decode(encoded)
    except cobs.DecodeError as exc:
        raise FrameError(f"bad COBS: {exc}") from None
    if len(payload) < MIN_PAYLOAD:
        raise FrameError("too short")
    head, (crc,) = payload[:-CRC_LEN], struct.unpack("<H", payload[-CRC_LEN:])
    if crc16(head) != crc:
        raise FrameError("bad CRC")
    return Frame(head[0], head[1], bytes(head[HEADER_LEN:]))


@dataclass
class DecoderStats:
    """What the decoder has seen: good frames and the kinds of bad input it dropped."""

    frames: int = 0
    bad_crc: int = 0
    bad_cobs: int = 0
    too_short: int = 0
    too_long: int = 0
    dropped_bytes: int = 0  # bytes that were part of no good frame (garbage, corrupt frames)


class FrameDecoder:
    """Streaming decoder: feed it whatever bytes arrive, get back the good frames; resyncs on the next 0x00.

    Bytes before the first delimiter after a (re)start may be the tail of a frame cut in half, so they are
    checked like any other run and dropped when they fail; nothing is ever trusted without its CRC.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._overflow = False  # the current run grew past MAX_ENCODED: skip to the next delimiter
        self.stats = DecoderStats()

    def reset(self) -> None:
        """Forget a partial frame (after a reconnect the old bytes belong to nothing)."""
        self.stats.dropped_bytes += len(self._buf)
        self._buf.clear()
        self._overflow = False

    def feed(self, data: bytes) -> list[Frame]:
        frames: list[Frame] = []
        start = 0
        while True:
            end = data.find(0, start)
            if end < 0:
                self._append(data[start:])
                return frames
            self._append(data[start:end])
            frame = self._finish_run()
            if frame is not None:
                frames.append(frame)
            start = end + 1

    def _append(self, chunk: bytes) -> None:
        if self._overflow:
            self.stats.dropped_bytes += len(chunk)
            return
        self._buf += chunk
        if len(self._buf) > MAX_ENCODED:
            self.stats.too_long += 1
            self.stats.dropped_bytes += len(self._buf)
            self._buf.clear()
            self._overflow = True

    def _finish_run(self) -> Frame | None:
        if self._overflow:
            self._overflow = False
            self.stats.dropped_bytes += 1  # the delimiter that ended the overlong run
            return None
        run = bytes(self._buf)
        self._buf.clear()
        if not run:  # two delimiters in a row: a sender's flush or resync marker, not an error
            return None
        try:
            frame = decode_payload(run)
        except FrameError as exc:
            reason = str(exc)
            if reason == "bad CRC":
                self.stats.bad_crc += 1
            elif reason == "too short":
                self.stats.too_short += 1
            elif reason == "too long":
                self.stats.too_long += 1
            else:
                self.stats.bad_cobs += 1
            self.stats.dropped_bytes += len(run) + 1
            return None
        self.stats.frames += 1
        return frame
