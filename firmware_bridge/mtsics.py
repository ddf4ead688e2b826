"""MT-SICS (Mettler Toledo Standard Interface Command Set), levels 0 and 1: the text of commands and replies.

Pure formatting and parsing, shared by the client (:mod:`firmware_bridge.mtsics_scale`) and the simulated
device (:mod:`hardware_sim.mtsics_device`). Lines are ASCII and end with CR LF. A reply starts with the
command's identifier, then a status:

=======  ============================================================================
status   meaning
=======  ============================================================================
``S``    stable weight value follows (``S S     100.00 g``)
``D``    dynamic (unstable) weight value follows (``S D     129.07 g``, from SI/SIR)
``A``    command executed (``Z A``, ``TAC A``, ``I4 A "B021002593"``, ``TA A     100.00 g``)
``I``    command understood but not executable now (busy, or no stability before the timeout)
``+``    overload / upper limit (of weighing, zero-setting or taring range) exceeded
``-``    underload / lower limit exceeded
``L``    logical error in the parameter (e.g. ``TA`` with a value out of range)
=======  ============================================================================

and the general errors with no identifier: ``ES`` syntax error (command not known), ``ET`` transmission error
(a byte arrived damaged), ``EL`` logical error (command cannot be done). A weight reply is the identifier,
the status, the value right-aligned in a 10-character field and the unit, each separated by one space:
``"S" " " "S" " " "    100.00" " " "g"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EOL = b"\r\n"
WEIGHT_FIELD = 10
GENERAL_ERRORS = frozenset({"ES", "ET", "EL"})
UNIT_GRAMS = {"g": 1.0, "kg": 1000.0, "mg": 0.001}

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')


class MtSicsError(ValueError):
    """A line that is not a well-formed MT-SICS reply."""


def format_value(value: float, decimals: int) -> str:
    """The weight field: the value with ``decimals`` digits, right-aligned in 10 characters."""
    text = f"{value:.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # never show "-0"
    return f"{text:>{WEIGHT_FIELD}}"


def weight_line(ident: str, status: str, value: float, unit: str = "g", decimals: int = 0) -> str:
    """``S S     100.00 g`` and friends (without CR LF)."""
    return f"{ident} {status} {format_value(value, decimals)} {unit}"


def status_line(ident: str, status: str, *args: str) -> str:
    """``Z A``, ``I4 A "B021002593"``: arguments that contain spaces or are text are quoted by the caller."""
    return " ".join((ident, status, *args))


def quote(text: str) -> str:
    if '"' in text:
        raise ValueError("MT-SICS text cannot contain a double quote")
    return f'"{text}"'


@dataclass(frozen=True, slots=True)
class Reply:
    """One parsed reply line."""

    ident: str  # command identifier ("S", "Z", "TA", "I4"…), or "ES"/"ET"/"EL" for general errors
    status: str  # "S", "D", "A", "I", "+", "-", "L", or "" for general errors
    value: float | None = None  # weight, when the reply carries one
    unit: str = ""
    decimals: int = 0
    args: tuple[str, ...] = ()  # other arguments, quotes removed

    @property
    def grams(self) -> float | None:
        if self.value is None:
            return None
        factor = UNIT_GRAMS.get(self.unit)
        if factor is None:
            raise MtSicsError(f"unit {self.unit!r} is not a mass unit this client converts")
        return self.value * factor

    @property
    def is_error(self) -> bool:
        return self.ident in GENERAL_ERRORS


def _tokens(line: str) -> list[str]:
    """Space-separated tokens; a double-quoted text is one token, without its quotes."""
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in _TOKEN.finditer(line)]


_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def parse_reply(line: str | bytes) -> Reply:
    """Parse one reply line (with or without its CR LF)."""
    if isinstance(line, bytes):
        try:
            line = line.decode("ascii")
        except UnicodeDecodeError:
            raise MtSicsError(f"non-ASCII reply {line!r}") from None
    line = line.rstrip("\r\n")
    tokens = _tokens(line)
    if not tokens:
        raise MtSicsError("empty reply")
    ident = tokens[0]
    if ident in GENERAL_ERRORS:
        if len(tokens) != 1:
            raise MtSicsError(f"general error with arguments: {line!r}")
        return Reply(ident, "")
    if len(tokens) < 2:
        raise MtSicsError(f"reply without a status: {line!r}")
    status = tokens[1]
    rest = tokens[2:]
    if status in ("S", "D") or (status == "A" and ident in ("TA", "T") and rest):
        if len(rest) != 2 or not _NUMBER.match(rest[0]):
            raise MtSicsError(f"weight reply needs a value and a unit: {line!r}")
        number = rest[0]
        decimals = len(number.split(".")[1]) if "." in number else 0
        return Reply(ident, status, float(number), rest[1], decimals)
    if status not in ("A", "I", "+", "-", "L", "B"):
        raise MtSicsError(f"unknown status {status!r} in {line!r}")
    return Reply(ident, status, args=tuple(rest))


def parse_command(line: str | bytes) -> tuple[str, tuple[str, ...]]:
    """A command line as the device sees it: (identifier, arguments). Identifiers are upper case."""
    if isinstance(line, bytes):
        line = line.decode("ascii", errors="replace")
    tokens = _tokens(line.rstrip("\r\n"))
    if not tokens:
        return "", ()
    return tokens[0], tuple(tokens[1:])
