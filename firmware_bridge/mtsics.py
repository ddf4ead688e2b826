"""MT-SICS (Mettler Toledo Standard Interface Command Set), levels 0 and 1: the text of commands and replies.

Pure formatting and parsing, shared by the client (:mod:`firmware_bridge.mtsics_scale`) and the simulated
device (:mod:`hardware_sim.mtsics_device`). Lines are ASCII and end with CR LF. A reply starts with the
command's identifier, then a status:

=======  ============================================================================
status   meaning
=======  ============================================================================
``S``    stable weight value follows (``S S     100.00 g``); ``ZI S``: zeroed on a stable load
``D``    dynamic (unstable) weight value follows (``S D     129.07 g``, from SI/SIR/TI); ``ZI D``: zeroed moving
``A``    command executed (``Z A``, ``TAC A``, ``I4 A "B021002593"``, ``TA A     100.00 g``)
``B``    more lines follow (``I0 B 0 "I0"`` … until the ``I0 A …`` line)
``I``    command understood but not executable now (busy, or no stability before the timeout)
``+``    overload / upper limit (of weighing, zero-setting or taring range) exceeded
``-``    underload / lower limit exceeded
``L``    command understood but a parameter is wrong (``TA`` out of range, ``I10`` text too long, ``K 9``)
=======  ============================================================================

and the general errors with no identifier: ``ES`` syntax error (command not known), ``ET`` transmission error
(a byte arrived damaged), ``EL`` logical error (command cannot be done). A weight reply is the identifier,
the status, the value right-aligned in a 10-character field and the unit, each separated by one space:
``"S" " " "S" " " "    100.00" " " "g"``. Texts are in double quotes (``I2 A "WMS404C-L/10 WMS 410.0090 g"``).

Sources: the MT-SICS reference manuals (Mettler Toledo 11780711 and the weigh-module manual, as quoted by
OHAUS 7000-series and KERN/ITT SICS chapters) and the replies open-source drivers test against
(InstrumentKit ``mettler_toledo/mt_sics.py``, the node ``mt-sics`` library). ``firmware_bridge/MTSICS.md``
lists every command with its replies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EOL = b"\r\n"
WEIGHT_FIELD = 10
GENERAL_ERRORS = frozenset({"ES", "ET", "EL"})
STATUSES = frozenset({"A", "B", "S", "D", "I", "L", "+", "-"})
UNIT_GRAMS = {"g": 1.0, "kg": 1000.0, "mg": 0.001}
GENERAL_ERROR_MEANING = {
    "ES": "syntax error: the balance does not know the command",
    "ET": "transmission error: the balance received a damaged command",
    "EL": "logical error: the balance cannot execute the command",
}

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_UNIT = re.compile(r"^[A-Za-z%]{1,5}$")


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
    """``Z A``, ``I4 A "B021002593"``: arguments that are texts are quoted by the caller (:func:`quote`)."""
    return " ".join((ident, status, *args))


def quote(text: str) -> str:
    if '"' in text:
        raise ValueError("MT-SICS text cannot contain a double quote")
    return f'"{text}"'


@dataclass(frozen=True, slots=True)
class Reply:
    """One parsed reply line."""

    ident: str  # command identifier ("S", "Z", "TA", "I4"…), or "ES"/"ET"/"EL" for general errors
    status: str  # "S", "D", "A", "B", "I", "+", "-", "L", or "" for general errors
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

    @property
    def text(self) -> str:
        """The first argument (the quoted text of ``I2``, ``I4``, ``I10``…), or ""."""
        return self.args[0] if self.args else ""


def _tokens(line: str) -> list[tuple[str, bool]]:
    """Space-separated tokens as (text, was quoted); a double-quoted text is one token, without its quotes."""
    return [(m.group(1), True) if m.group(1) is not None else (m.group(2), False) for m in _TOKEN.finditer(line)]


def parse_reply(line: str | bytes) -> Reply:
    """Parse one reply line (with or without its CR LF)."""
    if isinstance(line, bytes):
        try:
            line = line.decode("ascii")
        except UnicodeDecodeError:
            raise MtSicsError(f"non-ASCII reply {line!r}") from None
    line = line.rstrip("\r\n")
    if line.count('"') % 2:
        raise MtSicsError(f"unbalanced quotes in {line!r}")
    tokens = _tokens(line)
    if not tokens:
        raise MtSicsError("empty reply")
    ident, ident_quoted = tokens[0]
    if ident_quoted:
        raise MtSicsError(f"reply starts with a text: {line!r}")
    if ident in GENERAL_ERRORS:
        if len(tokens) != 1:
            raise MtSicsError(f"general error with arguments: {line!r}")
        return Reply(ident, "")
    if len(tokens) < 2:
        raise MtSicsError(f"reply without a status: {line!r}")
    status = tokens[1][0]
    if status not in STATUSES or tokens[1][1]:
        raise MtSicsError(f"unknown status {status!r} in {line!r}")
    rest = tokens[2:]
    # A weight is an unquoted number and an unquoted unit (``I0 B 1 "D"`` is a level and a quoted name).
    if len(rest) == 2 and not rest[0][1] and not rest[1][1] and _NUMBER.match(rest[0][0]) and _UNIT.match(rest[1][0]):
        number = rest[0][0]
        decimals = len(number.split(".")[1]) if "." in number else 0
        return Reply(ident, status, float(number), rest[1][0], decimals)
    if ident == "S" and status in ("S", "D"):
        raise MtSicsError(f"weight reply needs a value and a unit: {line!r}")
    return Reply(ident, status, args=tuple(text for text, _ in rest))


def parse_command(line: str | bytes) -> tuple[str, tuple[str, ...]]:
    """A command line as the device sees it: (identifier, arguments, quotes removed). Identifiers are upper case."""
    if isinstance(line, bytes):
        line = line.decode("ascii", errors="replace")
    tokens = _tokens(line.rstrip("\r\n"))
    if not tokens:
        return "", ()
    return tokens[0][0], tuple(text for text, _ in tokens[1:])


# What a per-command status means, in words a host can show. The manual words + and - per command: the
# weighing range for S/SI, the zero-setting range for Z/ZI, the taring range for T/TI/TA.
_RANGE = {
    "S": "weighing range",
    "Z": "zero-setting range",
    "ZI": "zero-setting range",
    "T": "taring range",
    "TI": "taring range",
    "TA": "taring range",
}


def refusal(command: str, reply: Reply) -> str:
    """Why ``reply`` (an error or a status other than A/S/D) refused ``command``, in one sentence."""
    if reply.is_error:
        return f"{command!r}: the balance answered {reply.ident} ({GENERAL_ERROR_MEANING[reply.ident]})"
    family = _RANGE.get(reply.ident, "range")
    meaning = {
        "I": "not executable now (the balance is busy, or the load was not stable before its timeout)",
        "L": "a parameter is not allowed (wrong value, unit or length)",
        "+": f"above the upper limit of the {family}",
        "-": f"below the lower limit of the {family}",
    }.get(reply.status, f"unexpected reply status {reply.status!r}")
    return f"{command!r}: the balance answered {reply.ident} {reply.status}: {meaning}"
