"""MT-SICS text: replies parsed and formatted exactly as the reference manual prints them."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import pytest

from firmware_bridge.mtsics import MtSicsError, Reply, parse_command, parse_reply, weight_line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # The manual's examples, byte for byte (with the CR LF every line ends with)
        (b"S S     100.00 g\r\n", nullcontext(Reply("S", "S", 100.0, "g", 2))),
        (b"S D     129.07 g\r\n", nullcontext(Reply("S", "D", 129.07, "g", 2))),
        (b"S S     1234.5 g\r\n", nullcontext(Reply("S", "S", 1234.5, "g", 1))),
        (b'I4 A "B021002593"\r\n', nullcontext(Reply("I4", "A", args=("B021002593",)))),
        (b"Z A\r\n", nullcontext(Reply("Z", "A"))),
        (b"Z I\r\n", nullcontext(Reply("Z", "I"))),
        (b"Z +\r\n", nullcontext(Reply("Z", "+"))),
        (b"T S     100.00 g\r\n", nullcontext(Reply("T", "S", 100.0, "g", 2))),
        (b"T I\r\n", nullcontext(Reply("T", "I"))),
        (b"TA A     100.00 g\r\n", nullcontext(Reply("TA", "A", 100.0, "g", 2))),
        (b"TA L\r\n", nullcontext(Reply("TA", "L"))),
        (b"TAC A\r\n", nullcontext(Reply("TAC", "A"))),
        (b"S +\r\n", nullcontext(Reply("S", "+"))),
        (b"S -\r\n", nullcontext(Reply("S", "-"))),
        (b"S I\r\n", nullcontext(Reply("S", "I"))),
        (b"ES\r\n", nullcontext(Reply("ES", ""))),
        (b"ET\r\n", nullcontext(Reply("ET", ""))),
        (b"EL\r\n", nullcontext(Reply("EL", ""))),
        (b"S S      -12.5 kg\r\n", nullcontext(Reply("S", "S", -12.5, "kg", 1))),
        (b"\r\n", pytest.raises(MtSicsError, match="empty")),
        (b"S\r\n", pytest.raises(MtSicsError, match="without a status")),
        (b"S S abc g\r\n", pytest.raises(MtSicsError, match="value and a unit")),
        (b"S S 100.00\r\n", pytest.raises(MtSicsError, match="value and a unit")),
        (b"S Q\r\n", pytest.raises(MtSicsError, match="unknown status")),
        (b"ES x\r\n", pytest.raises(MtSicsError, match="general error")),
        (b"S S \xff g\r\n", pytest.raises(MtSicsError, match="non-ASCII")),
    ],
)
def test_parse_reply(line: bytes, expected: AbstractContextManager[Reply]) -> None:
    with expected as reply:
        assert parse_reply(line) == reply


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("S", "S", 100.0, "g", 2), "S S     100.00 g"),
        (("S", "D", 129.07, "g", 2), "S D     129.07 g"),
        (("S", "S", 1234.5, "g", 1), "S S     1234.5 g"),
        (("T", "S", 100.0, "g", 2), "T S     100.00 g"),
        (("S", "S", 1235.0, "g", 0), "S S       1235 g"),
        (("S", "S", -0.0, "g", 0), "S S          0 g"),
        (("S", "D", -15.0, "g", 0), "S D        -15 g"),
    ],
)
def test_weight_line(args: tuple[str, str, float, str, int], text: str) -> None:
    assert weight_line(*args) == text


def test_grams_conversion() -> None:
    assert parse_reply("S S      1.234 kg").grams == pytest.approx(1234.0)
    with pytest.raises(MtSicsError, match="unit"):
        _ = parse_reply("S S      1.234 lb").grams


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        (b"SIR\r\n", ("SIR", ())),
        (b"TA 10.00 g\r\n", ("TA", ("10.00", "g"))),
        (b'D "HELLO WORLD"\r\n', ("D", ("HELLO WORLD",))),
        (b"\r\n", ("", ())),
    ],
)
def test_parse_command(line: bytes, parsed: tuple[str, tuple[str, ...]]) -> None:
    assert parse_command(line) == parsed
