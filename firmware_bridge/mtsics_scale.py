"""The MT-SICS backend of :class:`~firmware_bridge.scale.Scale`: a certified balance on a serial URL.

On open it sends ``@`` (cancel/reset; the balance answers with its serial number, like ``I4``) and then
``SIR``, so the balance streams ``S S …`` (stable) and ``S D …`` (dynamic) lines that become readings; ``S +``,
``S -`` and ``S I`` become readings with the faults ``overload``, ``underload`` and ``not_ready`` (no weight).
Zero and tare are the balance's own (``Z``, ``ZI``, ``T``, ``TI``, ``TA``, ``TAC``); identity (``I0``–``I5``,
``I10``, ``I11``), display text (``D``, ``DW``) and key mode (``K``) are there for a host that needs them.
Replies come interleaved with the stream and are matched to the waiting command by identifier, oldest
first; a general error (``ES``/``ET``/``EL``) goes to the oldest waiting command. Every refusal raises a
:class:`MtSicsCommandError` subclass that says which command and why; nothing becomes a weight unless it
is one. The balance has no per-cell view, so ``cells_g`` is empty. Silence for 1 s means ``link_down``; a
port that fails is reopened with backoff and the stream restarted (with the tare put back: ``@`` clears it).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import serial

from firmware_bridge.mtsics import EOL, UNIT_GRAMS, MtSicsError, Reply, parse_reply, quote, refusal
from firmware_bridge.reading import Reading
from firmware_bridge.scale import Scale, ScaleError, ScaleInfo

LINK_DOWN_S = 1.0
BACKOFF_S = (0.05, 0.4)
COMMAND_TIMEOUT_S = 6.0  # Z and T wait for stability inside the balance (3 s on most models)
QUERY_TIMEOUT_S = 2.0  # identity and display commands are answered at once


class MtSicsCommandError(ScaleError):
    """The balance refused a command; ``reply`` is what it answered."""

    def __init__(self, command: str, reply: Reply, message: str | None = None) -> None:
        super().__init__(message or refusal(command, reply))
        self.command = command
        self.reply = reply


class BalanceBusy(MtSicsCommandError):
    """``I``: understood but not executable now (busy, or not stable before the balance's timeout)."""


class BalanceOverload(MtSicsCommandError):
    """``+``: above the upper limit (of the weighing, zero-setting or taring range)."""


class BalanceUnderload(MtSicsCommandError):
    """``-``: below the lower limit (of the weighing, zero-setting or taring range)."""


class BalanceParameterError(MtSicsCommandError):
    """``L``: a parameter is not allowed (value, unit or length)."""


class BalanceSyntaxError(MtSicsCommandError):
    """``ES``: the balance does not know the command."""


class BalanceTransmissionError(MtSicsCommandError):
    """``ET``: the balance received a damaged command (noise on the line); sending it again may work."""


class BalanceLogicalError(MtSicsCommandError):
    """``EL``: the balance cannot execute the command (e.g. a parameter where it takes none)."""


_ERROR_CLASS: dict[str, type[MtSicsCommandError]] = {
    "I": BalanceBusy,
    "+": BalanceOverload,
    "-": BalanceUnderload,
    "L": BalanceParameterError,
    "ES": BalanceSyntaxError,
    "ET": BalanceTransmissionError,
    "EL": BalanceLogicalError,
}


def command_error(command: str, reply: Reply) -> MtSicsCommandError:
    """The exception for a refusing ``reply`` to ``command``."""
    key = reply.ident if reply.is_error else reply.status
    return _ERROR_CLASS.get(key, MtSicsCommandError)(command, reply)


@dataclass(frozen=True, slots=True)
class MtSicsLevel:
    """I1: the fully implemented levels (``"01"``: 0 and 1) and the version of each level 0–3 ("" if none)."""

    levels: str
    versions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BalanceData:
    """I2: balance type, capacity and its unit (``"WMS404C-L/10 WMS 410.0090 g"``)."""

    balance_type: str
    capacity: float
    unit: str
    decimals: int  # digits of the capacity: the balance's readability


@dataclass(frozen=True, slots=True)
class BalanceIdentity:
    """Everything the balance tells about itself; None where it does not know the command (``ES``)."""

    serial_number: str
    level: MtSicsLevel | None
    data: BalanceData | None
    software: str | None
    software_id: str | None
    balance_id: str | None
    balance_type: str | None


@dataclass(frozen=True, slots=True)
class ImmediateTare:
    """TI: the tare taken at once, and whether the load was stable when it was taken (``TI S``/``TI D``)."""

    grams: float
    stable: bool


@dataclass
class _Waiter:
    ident: str
    event: threading.Event = field(default_factory=threading.Event)
    reply: Reply | None = None
    lines: list[Reply] = field(default_factory=list)  # the "B" lines before the final reply (I0)


@dataclass
class MtSicsStats:
    lines: int = 0
    bad_lines: int = 0
    reconnects: int = 0
    link_downs: int = 0
    unmatched: int = 0  # replies no command waited for (late, or the balance's own)


def parse_balance_data(text: str) -> BalanceData:
    """I2's text: the unit is the last word, the capacity the one before, the type everything before that."""
    words = text.split()
    if len(words) < 3:
        raise MtSicsError(f"I2 text {text!r} is not 'type capacity unit'")
    try:
        cap = float(words[-2])
    except ValueError:
        raise MtSicsError(f"I2 text {text!r}: capacity {words[-2]!r} is not a number") from None
    decimals = len(words[-2].split(".")[1]) if "." in words[-2] else 0
    return BalanceData(" ".join(words[:-2]), cap, words[-1], decimals)


class MtSicsScale(Scale):
    """Readings and zero/tare from an MT-SICS balance (level 0/1 commands)."""

    def __init__(
        self,
        url: str,
        baudrate: int = 9600,
        e_g: float | None = None,
        command_timeout_s: float = COMMAND_TIMEOUT_S,
        query_timeout_s: float = QUERY_TIMEOUT_S,
    ) -> None:
        """``command_timeout_s``: how long Z and T may take (the balance waits for stability inside);
        ``query_timeout_s``: every other command."""
        super().__init__(ScaleInfo(kind="mtsics", url=url))
        self.command_timeout_s = command_timeout_s
        self.query_timeout_s = query_timeout_s
        self.url = url
        self._baudrate = baudrate
        self._e_g = e_g
        self._port: serial.Serial | None = None
        self._write_lock = threading.Lock()
        self._waiters: list[_Waiter] = []
        self._waiters_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tare_g = 0.0
        self._last_rx = time.monotonic()
        self._down = False
        self.stats = MtSicsStats()

    @classmethod
    def open(cls, url: str, timeout: float = 3.0, **options: Any) -> MtSicsScale:
        scale = cls(url, **options)
        scale.start(timeout)
        return scale

    def start(self, timeout: float = 3.0) -> None:
        try:
            self._port = self._open_port()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ScaleError(f"cannot open {self.url}: {exc}") from None
        self._thread = threading.Thread(target=self._run, name=f"mtsics {self.url}", daemon=True)
        self._thread.start()
        try:
            reply = self._command("@", "I4", timeout)
        except ScaleError:
            self.close()
            raise ScaleError(f"{self.url}: no MT-SICS answer to '@' within {timeout:g} s") from None
        self.info.device = reply.text
        self._tare_g = 0.0  # @ clears the balance's tare
        self._send("SIR")

    def close(self) -> None:
        self._stop.set()
        if self._port is not None:
            with contextlib.suppress(ScaleError):
                self._send("@")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def _open_port(self) -> serial.Serial:
        port = serial.serial_for_url(self.url, baudrate=self._baudrate, timeout=0.05, write_timeout=1.0)
        with contextlib.suppress(serial.SerialException, OSError):
            port.reset_input_buffer()
        return port

    # -- commands ----------------------------------------------------------------------------------------

    def _send(self, line: str) -> None:
        with self._write_lock:
            port = self._port
            if port is None:
                raise ScaleError("the scale is not connected")
            try:
                port.write(line.encode("ascii") + EOL)
            except (serial.SerialException, OSError) as exc:
                raise ScaleError(f"write failed: {exc}") from None

    def _exchange(self, line: str, ident: str, timeout: float) -> _Waiter:
        waiter = _Waiter(ident)
        with self._waiters_lock:
            self._waiters.append(waiter)
        try:
            self._send(line)
            if not waiter.event.wait(timeout):
                raise ScaleError(f"no answer to {line.split()[0]!r} within {timeout:g} s")
            assert waiter.reply is not None
            if waiter.reply.is_error:
                raise command_error(line.split()[0], waiter.reply)
            return waiter
        finally:
            with self._waiters_lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def _command(self, line: str, ident: str, timeout: float) -> Reply:
        """Send ``line`` and return the reply with identifier ``ident``; general errors (ES/ET/EL) raise."""
        reply = self._exchange(line, ident, timeout).reply
        assert reply is not None
        return reply

    def _expect(self, line: str, ident: str, statuses: str, timeout: float | None = None) -> Reply:
        """Like :meth:`_command`, and any status not in ``statuses`` raises its :class:`MtSicsCommandError`."""
        reply = self._command(line, ident, self.query_timeout_s if timeout is None else timeout)
        if reply.status not in statuses:
            raise command_error(line.split()[0], reply)
        return reply

    @staticmethod
    def _weight_of(command: str, reply: Reply) -> float:
        """The grams a weight reply carries; a reply without one, or in a unit we do not convert, raises."""
        try:
            grams = reply.grams
        except MtSicsError as exc:
            raise MtSicsCommandError(command, reply, f"{command!r}: {exc}") from None
        if grams is None:
            raise MtSicsCommandError(
                command, reply, f"{command!r}: the reply {reply.ident} {reply.status} has no weight"
            )
        return grams

    # zero and tare (the Scale interface, and the immediate variants)

    def zero(self) -> None:
        """Z: zero when stable (the balance waits for stability, then ``Z A``); the tare is cleared too."""
        self._expect("Z", "Z", "A", self.command_timeout_s)
        self._tare_g = 0.0

    def zero_immediately(self) -> bool:
        """ZI: zero now, stable or not; returns whether the load was stable (``ZI S``) or moving (``ZI D``)."""
        reply = self._expect("ZI", "ZI", "SD")
        self._tare_g = 0.0
        return reply.status == "S"

    def tare(self) -> float:
        """T: take the stable load as tare (the balance waits for stability); returns the tare in grams."""
        reply = self._expect("T", "T", "S", self.command_timeout_s)
        self._tare_g = self._weight_of("T", reply)
        return self._tare_g

    def tare_immediately(self) -> ImmediateTare:
        """TI: take the load now as tare, stable (``TI S``) or moving (``TI D``)."""
        reply = self._expect("TI", "TI", "SD")
        self._tare_g = self._weight_of("TI", reply)
        return ImmediateTare(self._tare_g, reply.status == "S")

    def preset_tare(self, grams: float) -> float:
        """TA: set a known tare; returns it as the balance rounded it."""
        reply = self._expect(f"TA {grams:.2f} g", "TA", "A")
        self._tare_g = self._weight_of("TA", reply)
        return self._tare_g

    def tare_value(self) -> float:
        """TA: the tare the balance holds."""
        reply = self._expect("TA", "TA", "A")
        self._tare_g = self._weight_of("TA", reply)
        return self._tare_g

    def clear_tare(self) -> None:
        """TAC."""
        self._expect("TAC", "TAC", "A")
        self._tare_g = 0.0

    # identity

    def commands(self) -> list[tuple[int, str]]:
        """I0: every command the balance implements, as (level, command)."""
        waiter = self._exchange("I0", "I0", self.query_timeout_s)
        assert waiter.reply is not None
        if waiter.reply.status != "A":
            raise command_error("I0", waiter.reply)
        out: list[tuple[int, str]] = []
        for reply in (*waiter.lines, waiter.reply):
            if len(reply.args) != 2 or not reply.args[0].isdigit():
                raise MtSicsCommandError("I0", reply, f"'I0': line {reply.args!r} is not 'level \"command\"'")
            out.append((int(reply.args[0]), reply.args[1]))
        return out

    def mtsics_level(self) -> MtSicsLevel:
        """I1: MT-SICS levels and versions."""
        reply = self._expect("I1", "I1", "A")
        if not reply.args:
            raise MtSicsCommandError("I1", reply, "'I1': the reply has no level")
        return MtSicsLevel(reply.args[0], reply.args[1:])

    def balance_data(self) -> BalanceData:
        """I2: type, capacity and unit."""
        reply = self._expect("I2", "I2", "A")
        try:
            return parse_balance_data(reply.text)
        except MtSicsError as exc:
            raise MtSicsCommandError("I2", reply, str(exc)) from None

    def _text(self, command: str) -> str:
        return self._expect(command, command, "A").text

    def software_version(self) -> str:
        """I3: software version and type definition number."""
        return self._text("I3")

    def serial_number(self) -> str:
        """I4."""
        return self._text("I4")

    def software_id(self) -> str:
        """I5: software material number."""
        return self._text("I5")

    def balance_id(self) -> str:
        """I10: the ID the user gave the balance."""
        return self._text("I10")

    def set_balance_id(self, text: str) -> None:
        """I10 "text": name the balance (at most 20 characters on most models; longer: ``I10 L``)."""
        self._expect(f"I10 {quote(text)}", "I10", "A")

    def balance_type(self) -> str:
        """I11."""
        return self._text("I11")

    def identity(self) -> BalanceIdentity:
        """I1, I2, I3, I4, I5, I10, I11 at once; a command the balance does not know (``ES``) gives None."""

        def optional(ask: Any) -> Any:
            try:
                return ask()
            except BalanceSyntaxError:
                return None

        return BalanceIdentity(
            serial_number=self.serial_number(),
            level=optional(self.mtsics_level),
            data=optional(self.balance_data),
            software=optional(self.software_version),
            software_id=optional(self.software_id),
            balance_id=optional(self.balance_id),
            balance_type=optional(self.balance_type),
        )

    # display and keys

    def display_text(self, text: str) -> None:
        """D "text": show a text instead of the weight (``D ""`` blanks the display)."""
        self._expect(f"D {quote(text)}", "D", "A")

    def display_weight(self) -> None:
        """DW: show the weight again."""
        self._expect("DW", "DW", "A")

    def set_key_mode(self, mode: int) -> None:
        """K 1–4: 1 keys work (default), 2 keys locked, 3 locked and their codes sent, 4 work and codes sent."""
        if mode not in (1, 2, 3, 4):
            raise ValueError(f"key mode must be 1, 2, 3 or 4, got {mode!r}")
        self._expect(f"K {mode}", "K", "A")

    # -- reader thread -----------------------------------------------------------------------------------

    def _run(self) -> None:
        buf = bytearray()
        backoff = BACKOFF_S[0]
        while not self._stop.is_set():
            port = self._port
            if port is None:
                try:
                    self._port = self._open_port()
                except (serial.SerialException, OSError, ValueError):
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, BACKOFF_S[1])
                    continue
                backoff = BACKOFF_S[0]
                self.stats.reconnects += 1
                buf.clear()
                self._last_rx = time.monotonic()
                with contextlib.suppress(ScaleError):
                    self._send("@")  # a known state; it also clears the balance's tare, so put ours back
                    if self._tare_g:
                        self._send(f"TA {self._tare_g:.2f} g")
                    self._send("SIR")
                continue
            try:
                data = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError, TypeError, AttributeError):
                with contextlib.suppress(serial.SerialException, OSError):
                    port.close()
                self._port = None
                self._link_down()
                continue
            now = time.monotonic()
            if data:
                buf += data
                while (end := buf.find(b"\n")) >= 0:
                    line = bytes(buf[:end])
                    del buf[: end + 1]
                    self._line(line, now)
                if len(buf) > 256:  # no line end: noise
                    buf.clear()
                    self.stats.bad_lines += 1
            if now - self._last_rx > LINK_DOWN_S and not self._down:
                self._link_down()

    def _link_down(self) -> None:
        if not self._down:
            self._down = True
            self.stats.link_downs += 1
            self._publish(Reading(time.monotonic(), None, False, frozenset({"link_down"})))

    def _line(self, raw: bytes, now: float) -> None:
        try:
            reply = parse_reply(raw)
        except MtSicsError:
            self.stats.bad_lines += 1
            return
        self.stats.lines += 1
        self._last_rx = now
        self._down = False
        if reply.ident == "S":  # the SIR stream (no command of ours is answered with an "S" line)
            self._publish(self._reading(reply, now))
            return
        with self._waiters_lock:
            waiter = next((w for w in self._waiters if w.ident == reply.ident and w.reply is None), None)
            if waiter is None and reply.is_error:
                waiter = next((w for w in self._waiters if w.reply is None), None)
            if waiter is not None and reply.status == "B":
                waiter.lines.append(reply)  # more lines follow (I0)
                return
            if waiter is not None:
                waiter.reply = reply
        if waiter is None:
            self.stats.unmatched += 1
            return
        waiter.event.set()

    def _reading(self, reply: Reply, now: float) -> Reading:
        if reply.status in ("S", "D"):
            try:
                grams = reply.grams
            except MtSicsError:
                return Reading(now, None, False, frozenset({"unit"}))
            assert grams is not None
            # e from the reply's last digit, in grams ("1.235 kg": 1 g), unless the caller knows better.
            e = self._e_g if self._e_g is not None else 10.0**-reply.decimals * UNIT_GRAMS[reply.unit]
            return Reading(
                now,
                grams,
                reply.status == "S",
                net_g=grams,
                gross_g=grams + self._tare_g,
                tare_g=self._tare_g,
                e_g=e,
            )
        fault = {"+": "overload", "-": "underload"}.get(reply.status, "not_ready")
        return Reading(now, None, False, frozenset({fault}))
