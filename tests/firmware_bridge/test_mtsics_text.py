"""MT-SICS text: replies parsed and formatted exactly as the reference manual prints them."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import pytest

from firmware_bridge.mtsics import MtSicsError, Reply, parse_command, parse_reply, refusal, weight_line


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
        (b"Z -\r\n", nullcontext(Reply("Z", "-"))),
        (b"T S     100.00 g\r\n", nullcontext(Reply("T", "S", 100.0, "g", 2))),
        (b"T I\r\n", nullcontext(Reply("T", "I"))),
        (b"T +\r\n", nullcontext(Reply("T", "+"))),
        (b"T -\r\n", nullcontext(Reply("T", "-"))),
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
        # Level 0 identity (OHAUS 7000 / MT-SICS manual examples, and what open-source drivers test against)
        (b'I0 B 0 "I0"\r\n', nullcontext(Reply("I0", "B", args=("0", "I0")))),
        (b'I0 B 1 "D"\r\n', nullcontext(Reply("I0", "B", args=("1", "D")))),  # a level and a name, not 1 D
        (b'I0 A 3 "SM4"\r\n', nullcontext(Reply("I0", "A", args=("3", "SM4")))),
        (b"I0 I\r\n", nullcontext(Reply("I0", "I"))),
        (b'I1 A "" "2.2x" "2.2x" "" ""\r\n', nullcontext(Reply("I1", "A", args=("", "2.2x", "2.2x", "", "")))),
        (
            b'I1 A "0123" "2.00" "2.20" "1.00" "1.50"\r\n',
            nullcontext(Reply("I1", "A", args=("0123", "2.00", "2.20", "1.00", "1.50"))),
        ),
        (b'I2 A "T72XW Standard 50.00 kg"\r\n', nullcontext(Reply("I2", "A", args=("T72XW Standard 50.00 kg",)))),
        (
            b'I2 A "WMS404C-L/10 WMS 410.0090 g"\r\n',
            nullcontext(Reply("I2", "A", args=("WMS404C-L/10 WMS 410.0090 g",))),
        ),
        (b'I3 A "1.00"\r\n', nullcontext(Reply("I3", "A", args=("1.00",)))),
        (b'I3 A "3.10 10.28.0.493.142"\r\n', nullcontext(Reply("I3", "A", args=("3.10 10.28.0.493.142",)))),
        (b'I5 A "30100001A"\r\n', nullcontext(Reply("I5", "A", args=("30100001A",)))),  # our simulator's
        (b'I10 A "My Balance"\r\n', nullcontext(Reply("I10", "A", args=("My Balance",)))),
        (b"I10 A\r\n", nullcontext(Reply("I10", "A"))),
        (b"I10 L\r\n", nullcontext(Reply("I10", "L"))),
        (b'I11 A "XS205DU"\r\n', nullcontext(Reply("I11", "A", args=("XS205DU",)))),
        # Immediate zero and tare: S = done on a stable load, D = done on a moving one
        (b"ZI S\r\n", nullcontext(Reply("ZI", "S"))),
        (b"ZI D\r\n", nullcontext(Reply("ZI", "D"))),
        (b"ZI +\r\n", nullcontext(Reply("ZI", "+"))),
        (b"TI S     100.00 g\r\n", nullcontext(Reply("TI", "S", 100.0, "g", 2))),
        (b"TI D     117.57 g\r\n", nullcontext(Reply("TI", "D", 117.57, "g", 2))),
        (b"TI L\r\n", nullcontext(Reply("TI", "L"))),
        # Level 1 display and keys
        (b"D A\r\n", nullcontext(Reply("D", "A"))),
        (b"D I\r\n", nullcontext(Reply("D", "I"))),
        (b"DW A\r\n", nullcontext(Reply("DW", "A"))),
        (b"K A\r\n", nullcontext(Reply("K", "A"))),
        (b"K L\r\n", nullcontext(Reply("K", "L"))),
        # Not replies
        (b"\r\n", pytest.raises(MtSicsError, match="empty")),
        (b"S\r\n", pytest.raises(MtSicsError, match="without a status")),
        (b"S S abc g\r\n", pytest.raises(MtSicsError, match="value and a unit")),
        (b"S S 100.00\r\n", pytest.raises(MtSicsError, match="value and a unit")),
        (b'S S "100.00" g\r\n', pytest.raises(MtSicsError, match="value and a unit")),
        (b"S D\r\n", pytest.raises(MtSicsError, match="value and a unit")),
        (b"S Q\r\n", pytest.raises(MtSicsError, match="unknown status")),
        (b'Z "A"\r\n', pytest.raises(MtSicsError, match="unknown status")),
        (b'"I4" A\r\n', pytest.raises(MtSicsError, match="starts with a text")),
        (b'I4 A "B0210\r\n', pytest.raises(MtSicsError, match="unbalanced quotes")),
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
    assert parse_reply(text).value == pytest.approx(args[2])


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
        (b'D ""\r\n', ("D", ("",))),
        (b'I10 "Lane 3"\r\n', ("I10", ("Lane 3",))),
        (b"K 3\r\n", ("K", ("3",))),
        (b"\r\n", ("", ())),
    ],
)
def test_parse_command(line: bytes, parsed: tuple[str, tuple[str, ...]]) -> None:
    assert parse_command(line) == parsed


@pytest.mark.parametrize(
    ("command", "line", "words"),
    [
        ("Z", "Z +", "above the upper limit of the zero-setting range"),
        ("ZI", "ZI -", "below the lower limit of the zero-setting range"),
        ("T", "T +", "above the upper limit of the taring range"),
        ("TI", "TI I", "not executable now"),
        ("TA", "TA L", "parameter is not allowed"),
        ("I10", "I10 L", "parameter is not allowed"),
        ("XYZ", "ES", "syntax error"),
        ("S", "ET", "transmission error"),
        ("Z", "EL", "logical error"),
    ],
)
def test_refusal_says_command_and_reason(command: str, line: str, words: str) -> None:
    message = refusal(command, parse_reply(line))
    assert message.startswith(f"{command!r}: the balance answered {line}") and words in message
