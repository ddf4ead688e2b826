"""The MT-SICS backend of :class:`~firmware_bridge.scale.Scale`: a certified balance on a serial URL.

On open it sends ``@`` (cancel/reset; the balance answers with its serial number, like ``I4``) and then
``SIR``, so the balance streams ``S S …`` (stable) and ``S D …`` (dynamic) lines that become readings.
Zero and tare are the balance's own (``Z``, ``T``, ``TA``, ``TAC``); their replies come interleaved with the
stream and are matched to the waiting command by identifier, oldest first. The balance has no per-cell view,
so ``cells_g`` is empty. Silence for 1 s means ``link_down``; a port that fails is reopened with backoff and
the stream restarted.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import serial

from firmware_bridge.mtsics import EOL, MtSicsError, Reply, parse_reply
from firmware_bridge.reading import Reading
from firmware_bridge.scale import Scale, ScaleError, ScaleInfo

LINK_DOWN_S = 1.0
BACKOFF_S = (0.05, 0.4)
COMMAND_TIMEOUT_S = 6.0  # Z and T wait for stability inside the balance (3 s on most models)


@dataclass
class _Waiter:
    ident: str
    event: threading.Event = field(default_factory=threading.Event)
    reply: Reply | None = None


@dataclass
class MtSicsStats:
    lines: int = 0
    bad_lines: int = 0
    reconnects: int = 0
    link_downs: int = 0


class MtSicsScale(Scale):
    """Readings and zero/tare from an MT-SICS balance (level 0/1 commands)."""

    def __init__(self, url: str, baudrate: int = 9600, e_g: float | None = None) -> None:
        super().__init__(ScaleInfo(kind="mtsics", url=url))
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
        self.info.device = reply.args[0] if reply.args else ""
        self._send("SIR")

    def close(self) -> None:
        self._stop.set()
        if self._port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
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

    def _command(self, line: str, ident: str, timeout: float = COMMAND_TIMEOUT_S) -> Reply:
        waiter = _Waiter(ident)
        with self._waiters_lock:
            self._waiters.append(waiter)
        try:
            self._send(line)
            if not waiter.event.wait(timeout):
                raise ScaleError(f"no answer to {line.split()[0]!r} within {timeout:g} s")
            assert waiter.reply is not None
            if waiter.reply.is_error:
                meaning = {"ES": "syntax error", "ET": "transmission error", "EL": "logical error"}
                raise ScaleError(f"the balance answered {waiter.reply.ident} ({meaning[waiter.reply.ident]})")
            return waiter.reply
        finally:
            with self._waiters_lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def zero(self) -> None:
        reply = self._command("Z", "Z")
        if reply.status == "A":
            return
        raise ScaleError(
            {
                "I": "cannot zero: the load is not stable (or the balance is busy)",
                "+": "cannot zero: above the zero-setting range",
                "-": "cannot zero: below the zero-setting range",
            }.get(reply.status, f"zero refused ({reply.status})")
        )

    def tare(self) -> float:
        reply = self._command("T", "T")
        if reply.status == "S" and reply.grams is not None:
            self._tare_g = reply.grams
            return reply.grams
        raise ScaleError(
            {
                "I": "cannot tare: the load is not stable (or the balance is busy)",
                "+": "cannot tare: above the taring range",
                "-": "cannot tare: below the taring range",
            }.get(reply.status, f"tare refused ({reply.status})")
        )

    def preset_tare(self, grams: float) -> float:
        reply = self._command(f"TA {grams:.2f} g", "TA")
        if reply.status == "A" and reply.grams is not None:
            self._tare_g = reply.grams
            return reply.grams
        raise ScaleError(f"preset tare of {grams:g} g refused ({reply.status})")

    def clear_tare(self) -> None:
        reply = self._command("TAC", "TAC")
        if reply.status != "A":
            raise ScaleError(f"clearing the tare was refused ({reply.status})")
        self._tare_g = 0.0

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
                    self._send("@")
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
        with self._waiters_lock:
            waiter = next((w for w in self._waiters if w.ident == reply.ident and w.reply is None), None)
            if waiter is None and reply.is_error:
                waiter = next((w for w in self._waiters if w.reply is None), None)
            # A weight line "S …" is the SIR stream unless a command is waiting for it.
        if waiter is not None and not (reply.ident == "S" and waiter.ident != "S"):
            waiter.reply = reply
            waiter.event.set()
            if reply.ident != "S":
                return
        if reply.ident == "S":
            self._publish(self._reading(reply, now))

    def _reading(self, reply: Reply, now: float) -> Reading:
        if reply.status in ("S", "D"):
            try:
                grams = reply.grams
            except MtSicsError:
                return Reading(now, None, False, frozenset({"unit"}))
            assert grams is not None
            e = self._e_g if self._e_g is not None else 10.0**-reply.decimals
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
