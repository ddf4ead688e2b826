"""Message bodies of protocol v1: layouts, strict lengths, forward compatibility."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_bridge.framing import Frame, FrameDecoder
from firmware_bridge.messages import (
    Ack,
    Command,
    CommandMessage,
    Fault,
    FrameType,
    Hello,
    Message,
    MessageError,
    Nack,
    Sample,
    Status,
    Unknown,
    decode_message,
    encode_message,
    fault_names,
)


@pytest.mark.parametrize(
    "message",
    [
        Hello(0xDEADBEEF, (1, 2, 3), 4, 80, True),
        Hello(1, (0, 0, 1), 1, 10, False),
        Sample(0, (0, 0, 0, 0)),
        Sample(0xFFFFFFFF, (8388607, -8388608, 1, -1), stale_mask=0b1010),
        Status(1234, True, 80, (Fault.NONE, Fault.SPIKE, Fault.NO_DATA | Fault.POWER_DOWN, Fault.SATURATED)),
        CommandMessage(Command.STREAM, b"\x01"),
        CommandMessage(Command.IDENTIFY),
        Ack(7, Command.SET_RATE),
        Nack(8, 0x7F, 1),
        Unknown(0x40, b"future"),
    ],
)
def test_round_trip(message: Message) -> None:
    (frame,) = FrameDecoder().feed(encode_message(message, 42))
    assert frame.seq == 42
    assert decode_message(frame) == message


def _frame(t: int, body: str) -> Frame:
    return Frame(t, 0, bytes.fromhex(body))


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            _frame(FrameType.HELLO, "01 ef be ad de 01 00 00 04 50 00 01"),
            nullcontext(Hello(0xDEADBEEF, (1, 0, 0), 4, 80)),
        ),
        # a later minor version may append fields: accepted, tail ignored
        (_frame(FrameType.HELLO, "01 01 00 00 00 01 00 00 04 50 00 01 99 99"), nullcontext(Hello(1, (1, 0, 0), 4, 80))),
        (_frame(FrameType.HELLO, "01 01 00 00 00 01 00 00 04 50 00"), pytest.raises(MessageError, match="needs 12")),
        (
            _frame(FrameType.HELLO, "01 01 00 00 00 01 00 00 00 50 00 01"),
            pytest.raises(MessageError, match="0 channels"),
        ),
        (_frame(FrameType.SAMPLE, "00 00 00 00 00 01 00 00 00"), nullcontext(Sample(0, (1,)))),
        (_frame(FrameType.SAMPLE, "00 00 00 00 00 01 00 00"), pytest.raises(MessageError, match="whole number")),
        (_frame(FrameType.SAMPLE, "00 00 00 00 00"), pytest.raises(MessageError, match="0 channels")),
        (_frame(FrameType.SAMPLE, "00 00 00 00 02 01 00 00 00"), pytest.raises(MessageError, match="stale mask")),
        (_frame(FrameType.SAMPLE, "00 00 00 00 00 00 00 80 00"), pytest.raises(MessageError, match="24-bit")),
        (_frame(FrameType.STATUS, "00 00 00 00 01 50 00 02 00"), pytest.raises(MessageError, match="needs 10")),
        (_frame(FrameType.STATUS, "00 00 00 00 01 50 00 00"), pytest.raises(MessageError, match="0 channels")),
        (_frame(FrameType.ACK, "01"), pytest.raises(MessageError, match="ACK")),
        (_frame(FrameType.NACK, "01 02"), pytest.raises(MessageError, match="NACK")),
        (_frame(FrameType.COMMAND, ""), pytest.raises(MessageError, match="COMMAND")),
        (_frame(0x77, "01 02"), nullcontext(Unknown(0x77, b"\x01\x02"))),
    ],
)
def test_decode_table(frame: Frame, expected: AbstractContextManager[Message | None]) -> None:
    with expected as value:
        assert decode_message(frame) == value


@given(
    st.integers(0, 2**32 - 1),
    st.lists(st.integers(-(2**23), 2**23 - 1), min_size=1, max_size=8),
    st.integers(0, 255),
    st.data(),
)
def test_sample_round_trip(t: int, counts: list[int], seq: int, data: st.DataObject) -> None:
    stale = data.draw(st.integers(0, 2 ** len(counts) - 1))
    message = Sample(t, tuple(counts), stale)
    (frame,) = FrameDecoder().feed(encode_message(message, seq))
    assert decode_message(frame) == message


def test_fault_names() -> None:
    assert fault_names(Fault.NO_DATA | Fault.SPIKE) == ["no_data", "spike"]
    assert fault_names(Fault.NONE) == []
