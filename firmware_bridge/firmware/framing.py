"""COBS framing and CRC-16/IBM-3740 for the MCU, in plain MicroPython (no binascii.crc_hqx, no cobs package).

MicroPython subset: no ``__future__``, no typing, no dataclasses. The host's :mod:`firmware_bridge.framing`
is the reference; tests check byte for byte that both agree (PROTOCOL.md section "Framing").
"""


def _make_table():
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return table


_CRC_TABLE = _make_table()


def crc16(data, crc=0xFFFF):
    """CRC-16/IBM-3740 (poly 0x1021, init 0xFFFF, MSB first, no final XOR); 0x29B1 for b"123456789"."""
    table = _CRC_TABLE
    for b in data:
        crc = ((crc << 8) & 0xFF00) ^ table[((crc >> 8) ^ b) & 0xFF]
    return crc


def cobs_encode(data):
    """Consistent Overhead Byte Stuffing: the result has no 0x00 byte."""
    out = bytearray(b"\x00")
    code_at = 0
    code = 1
    for b in data:
        if b == 0:
            out[code_at] = code
            code_at = len(out)
            out.append(0)
            code = 1
        else:
            out.append(b)
            code += 1
            if code == 0xFF:
                out[code_at] = code
                code_at = len(out)
                out.append(0)
                code = 1
    out[code_at] = code
    return bytes(out)


def cobs_decode(data):
    """Inverse of :func:`cobs_encode`; returns None for input that is not valid COBS."""
    out = bytearray()
    i = 0
    n = len(data)
    while i < n:
        code = data[i]
        end = i + code
        if code == 0 or end > n:
            return None
        for j in range(i + 1, end):
            if data[j] == 0:
                return None
            out.append(data[j])
        i = end
        if code < 0xFF and i < n:
            out.append(0)
    return bytes(out)


def encode_frame(frame_type, seq, body):
    """Wire bytes of one frame: COBS(type | seq | body | crc16 little-endian) followed by 0x00."""
    head = bytes((frame_type & 0xFF, seq & 0xFF)) + body
    crc = crc16(head)
    return cobs_encode(head + bytes((crc & 0xFF, crc >> 8))) + b"\x00"


class FrameReader:
    """Collects incoming bytes and returns (type, seq, body) for each frame whose CRC checks out."""

    MAX_RUN = 64  # commands are short; a longer run is garbage

    def __init__(self):
        self._buf = bytearray()
        self.bad_frames = 0

    def feed(self, data):
        frames = []
        for b in data:
            if b != 0:
                if len(self._buf) < self.MAX_RUN:
                    self._buf.append(b)
                else:
                    self._buf = bytearray()
                    self.bad_frames += 1
                continue
            run = self._buf
            self._buf = bytearray()
            if not run:
                continue
            payload = cobs_decode(bytes(run))
            if payload is None or len(payload) < 4:
                self.bad_frames += 1
                continue
            head = payload[:-2]
            if crc16(head) != payload[-2] | (payload[-1] << 8):
                self.bad_frames += 1
                continue
            frames.append((head[0], head[1], bytes(head[2:])))
        return frames
