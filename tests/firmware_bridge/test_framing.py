"""Framing: CRC variant, COBS frames, the streaming decoder's resync, and agreement with the firmware's copy."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_bridge import framing
from firmware_bridge.firmware import framing as fw_framing
from firmware_bridge.framing import Frame, FrameDecoder, FrameError, crc16, decode_payload, encode_frame


@pytest.mark.parametrize(
    ("data", "crc"),
    [
        (b"123456789", 0x29B1),  # the catalogue check value of CRC-16/IBM-3740
        (b"", 0xFFFF),
        (b"\x00", 0xE1F0),
    ],
)
def test_crc16_is_ibm_3740(data: bytes, crc: int) -> None:
    assert crc16(data) == crc
    assert fw_framing.crc16(data) == crc


# The worked examples of PROTOCOL.md, byte for byte (host encoder, firmware encoder and decoder agree).
PROTOCOL_EXAMPLES = [
    # ACK (0x11) of the command with seq 5, command IDENTIFY (0x03), MCU seq 7
    (0x11, 0x07, bytes.fromhex("05 03"), "07 11 07 05 03 d5 a3 00"),
    # COMMAND (0x10) SET_RATE (0x02) 10 SPS, host seq 5
    (0x10, 0x05, bytes.fromhex("02 0a 00"), "05 10 05 02 0a 03 b8 28 00"),
    # SAMPLE (0x02), seq 0x2a: t = 1,000,000 us, stale mask 0, counts 12345, -200, 0, 8388607
    (
        0x02,
        0x2A,
        bytes.fromhex("40 42 0f 00 00 39 30 00 00 38 ff ff ff 00 00 00 00 ff ff 7f 00"),
        "06 02 2a 40 42 0f 01 03 39 30 01 05 38 ff ff ff 01 01 01 04 ff ff 7f 03 4e 0d 00",
    ),
    # HELLO (0x01), seq 0: protocol 1, boot id 0xDEADBEEF, firmware 1.0.0, 4 channels, 80 SPS, streaming
    (
        0x01,
        0x00,
        bytes.fromhex("01 ef be ad de 01 00 00 04 50 00 01"),
        "02 01 07 01 ef be ad de 01 01 03 04 50 04 01 e5 9f 00",
    ),
]


@pytest.mark.parametrize(("frame_type", "seq", "body", "wire"), PROTOCOL_EXAMPLES)
def test_protocol_md_examples(frame_type: int, seq: int, body: bytes, wire: str) -> None:
    expected = bytes.fromhex(wire)
    assert encode_frame(frame_type, seq, body) == expected
    assert fw_framing.encode_frame(frame_type, seq, body) == expected
    assert decode_payload(expected[:-1]) == Frame(frame_type, seq, body)
    assert fw_framing.FrameReader().feed(expected) == [(frame_type, seq, body)]


@pytest.mark.parametrize(
    ("encoded", "reason"),
    [
        (b"", "bad COBS|too short"),
        (b"\x03\x11\x00", "bad COBS"),  # a zero inside is never valid COBS
        (b"\x05\x11\x00\x01", "bad COBS"),  # code runs past the end
        (b"\x03\x11\x00", "bad COBS"),
        (b"\x04\x11\x00\xff", "bad COBS"),
        (b"\x02\x11", "too short"),
        (b"\x06\x11\x00\x12\x34\x56", "bad COBS"),
        (b"\x05\x11\x01\x12\x34", "bad CRC"),
        (bytes([0xFF]) + b"\x01" * 254 + b"\x01" * 10, "too long|bad COBS"),
    ],
)
def test_decode_payload_rejects(encoded: bytes, reason: str) -> None:
    with pytest.raises(FrameError, match=reason):
        decode_payload(encoded)


def test_encode_frame_rejects_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"0\.\.255"):
        encode_frame(256, 0)
    with pytest.raises(ValueError, match="exceeds"):
        encode_frame(1, 0, bytes(300))


bodies = st.binary(max_size=framing.MAX_PAYLOAD - framing.MIN_PAYLOAD)
frames = st.builds(Frame, st.integers(0, 255), st.integers(0, 255), bodies)


@given(st.lists(frames, max_size=20), st.randoms(use_true_random=False))
def test_round_trip_any_chunking(sent: list[Frame], rnd: random.Random) -> None:
    wire = b"".join(encode_frame(f.type, f.seq, f.body) for f in sent)
    decoder = FrameDecoder()
    got: list[Frame] = []
    i = 0
    while i < len(wire):
        n = rnd.randint(1, 40)
        got += decoder.feed(wire[i : i + n])
        i += n
    assert got == sent
    assert decoder.stats.dropped_bytes == 0


@given(st.integers(0, 255), st.integers(0, 255), bodies)
def test_firmware_and_host_framing_agree(frame_type: int, seq: int, body: bytes) -> None:
    host = encode_frame(frame_type, seq, body)
    assert fw_framing.encode_frame(frame_type, seq, body) == host
    assert fw_framing.cobs_decode(host[:-1]) is not None
    reader = fw_framing.FrameReader()
    if len(host) - 1 <= reader.MAX_RUN:
        assert reader.feed(host) == [(frame_type, seq, body)]


@given(st.binary(max_size=300))
def test_firmware_cobs_round_trip(data: bytes) -> None:
    encoded = fw_framing.cobs_encode(data)
    assert b"\x00" not in encoded
    assert fw_framing.cobs_decode(encoded) == data


@given(st.lists(frames, min_size=1, max_size=10), st.binary(max_size=200))
def test_resyncs_after_garbage(sent: list[Frame], garbage: bytes) -> None:
    # Garbage, then a delimiter (a resync point), then good frames: every good frame comes through.
    wire = garbage + b"\x00" + b"".join(encode_frame(f.type, f.seq, f.body) for f in sent)
    got = FrameDecoder().feed(wire)
    assert got[-len(sent) :] == sent


def test_overlong_run_is_dropped_and_decoder_recovers() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"\x01" * 5000) == []
    good = encode_frame(2, 9, b"abc")
    assert decoder.feed(b"\x00" + good) == [Frame(2, 9, b"abc")]
    assert decoder.stats.too_long == 1


def test_random_bytes_yield_no_frames() -> None:
    rng = random.Random(3)
    decoder = FrameDecoder()
    accepted = decoder.feed(rng.randbytes(200_000))
    # CRC-16 lets about one random run in 65,536 through; the message layer then checks lengths and types.
    assert len(accepted) <= 1
    assert decoder.stats.bad_cobs + decoder.stats.bad_crc > 100
