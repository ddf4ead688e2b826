"""A simulated certified scale that speaks MT-SICS (levels 0/1) on a pty, weighing the same scene.

Two parts: :class:`MtSicsResponder`, the command interpreter (pure: lines and readings in, reply lines out),
and :class:`SimulatedMtSicsDevice`, which runs it on a pseudo-terminal with its own weighing: the scene's
load-cell physics, ADC noise, and the same weighing engine as our bridge (zero, tare, stability, e = 5 g),
since a certified indicator does those things inside. Serial settings as a balance leaves the factory:
9600 8N1, lines end with CR LF.

Faults on demand: :meth:`~SimulatedMtSicsDevice.unplug`, :meth:`~SimulatedMtSicsDevice.replug`,
:meth:`~SimulatedMtSicsDevice.inject_garbage`.

Commands (``firmware_bridge/MTSICS.md`` lists every reply and the sources): level 0 ``@`` ``I0`` ``I1`` ``I2``
``I3`` ``I4`` ``I5`` ``S`` ``SI`` ``SIR`` ``Z`` ``ZI``; level 1 ``D`` ``DW`` ``K`` ``SR`` ``T`` ``TA`` ``TAC``
``TI``; level 2 ``I10`` ``I11``. ``S``, ``Z`` and ``T`` wait up to 3 s for stability (then ``I``); ``ZI``
and ``TI`` take the moving value and say so (``ZI D``, ``TI D …``). ``Z`` clears the tare; ``T`` on an
empty pan is accepted and leaves a tare of 0 (``T S 0 g``), as a real balance clears its tare when the empty
pan is tared. Anything else: ``ES``; a damaged byte: ``ET``; a parameter where the
command takes none: ``EL``.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from firmware_bridge.calibration import NOMINAL_COUNTS_PER_GRAM, Calibration
from firmware_bridge.intervals import capacity, display
from firmware_bridge.mtsics import UNIT_GRAMS, parse_command, quote, status_line, weight_line
from firmware_bridge.reading import Reading
from firmware_bridge.weighing import ZERO_SETTING_RANGE, ScaleError, WeighingEngine
from hardware_sim.loadcell_physics import CELLS, LoadCellPhysics, PhysicsOptions
from hardware_sim.pty_device import PtyDevice
from hardware_sim.scene import Scene, SceneSnapshot

STABLE_TIMEOUT_S = 3.0  # S, Z and T wait this long for stability (the OHAUS/MT terminals' 3 s)
NEXT_SAMPLE_S = 0.1  # SI, ZI, TI right after a zero or tare wait for the sample that shows it
SIR_EVERY = 4  # samples per SIR line: 80 SPS inside, 20 lines per second out
MAX_LINE = 64
ID_MAX = 20  # I10: the balance ID is at most 20 characters
DISPLAY_CHARS = 20  # D: what fits on the display; longer text is cut
SR_SHARE = 0.125  # SR without a preset: a change of 12.5 % of the last stable value, at least 30 e
SR_MIN_E = 30

# I0's list: (level, command), in the manual's level classification (KERN/ITT SICS tables; I5 as in the
# newer MT-SICS manuals).
COMMANDS: tuple[tuple[int, str], ...] = (
    (0, "@"),
    (0, "I0"),
    (0, "I1"),
    (0, "I2"),
    (0, "I3"),
    (0, "I4"),
    (0, "I5"),
    (0, "S"),
    (0, "SI"),
    (0, "SIR"),
    (0, "Z"),
    (0, "ZI"),
    (1, "D"),
    (1, "DW"),
    (1, "K"),
    (1, "SR"),
    (1, "T"),
    (1, "TA"),
    (1, "TAC"),
    (1, "TI"),
    (2, "I10"),
    (2, "I11"),
)


@dataclass(frozen=True, slots=True)
class BalanceIdentity:
    """What the simulated balance says about itself (I1, I2, I3, I4, I5, I11); the formats are the manual's."""

    serial_number: str = "B021002593"
    balance_type: str = "BC30"  # I11, and the first word of I2
    model_text: str = "Basketcheck"  # I2: type, then this, then capacity and unit
    software: str = "1.00 20.30.0.1"  # I3: software version, type definition number
    material_number: str = "30100001A"  # I5: software material number
    levels: str = "01"  # I1: levels 0 and 1 fully implemented
    versions: tuple[str, str, str, str] = ("2.30", "2.20", "1.00", "")  # I1: level 2 partly, level 3 not


class BalanceEngine(WeighingEngine):
    """Our weighing engine plus what a balance's ``ZI`` needs and the bridge never does: zero a moving load.

    The bridge's engine zeroes only when stable (a host must never do otherwise); a certified balance's ZI
    zeroes at once at the dynamic value. Kept here, not in ``weighing.py``, because only the simulated
    balance needs it; it moves the engine's per-cell zero (``_zero``) and forgets the motion history.
    """

    def zero_dynamic(self, gross_g: float) -> None:
        """Move zero by ``gross_g`` (the moving value) now, shared over the cells. The caller checks the range."""
        gpc = [cell.grams_per_count for cell in self.calibration.cells]
        share = gross_g / len(gpc)
        self._zero = [z + share / k for z, k in zip(self.zero_counts, gpc, strict=True)]
        self.reset_motion()


@dataclass
class _Pending:
    ident: str  # the command: S, SI, Z, ZI, T, TI
    deadline: float
    wait_stable: bool  # S, Z, T wait for stability; SI, ZI, TI only for the next sample after a zero or tare


@dataclass
class _SendOnChange:
    """SR: a stable value, then on a change of at least ``preset_g`` a dynamic one and the next stable one."""

    preset_g: float | None  # None: SR_SHARE of the last stable value, at least SR_MIN_E e
    last: float | None = None
    moved: bool = False


class MtSicsResponder:
    """MT-SICS command interpreter of a balance whose weighing is ``engine``. Times are the balance's."""

    def __init__(self, engine: BalanceEngine, identity: BalanceIdentity | None = None) -> None:
        self.engine = engine
        self.identity = identity or BalanceIdentity()
        self.serial_number = self.identity.serial_number
        self.balance_id = ""  # I10, set by the host
        self.key_mode = 1  # K: 1 = keys work, nothing sent (the state after switching on and after @)
        self.display_text: str | None = None  # D: the text shown instead of the weight; None = the weight
        self.sir = False
        self._sir_count = 0
        self._sr: _SendOnChange | None = None
        self._pending: list[_Pending] = []
        self.latest: Reading | None = None
        self._handlers: dict[str, Callable[[tuple[str, ...], float], list[str]]] = {
            "@": self._reset,
            "I0": self._list_commands,
            "I1": lambda a, n: self._fixed(a, "I1", quote(self.identity.levels), *map(quote, self.identity.versions)),
            "I2": lambda a, n: self._fixed(a, "I2", quote(self._balance_data())),
            "I3": lambda a, n: self._fixed(a, "I3", quote(self.identity.software)),
            "I4": lambda a, n: self._fixed(a, "I4", quote(self.serial_number)),
            "I5": lambda a, n: self._fixed(a, "I5", quote(self.identity.material_number)),
            "I10": self._balance_id,
            "I11": lambda a, n: self._fixed(a, "I11", quote(self.identity.balance_type)),
            "S": self._send_stable,
            "SI": self._send_now,
            "SIR": self._send_repeated,
            "SR": self._send_on_change,
            "Z": self._queue("Z", wait_stable=True),
            "ZI": self._queue("ZI", wait_stable=False),
            "T": self._queue("T", wait_stable=True),
            "TI": self._queue("TI", wait_stable=False),
            "TA": lambda a, n: [self._preset_tare(a)],
            "TAC": self._clear_tare,
            "D": self._display,
            "DW": self._display_weight,
            "K": self._keys,
        }

    # -- replies -------------------------------------------------------------------------------------

    def _weight(self, ident: str, reading: Reading | None) -> str:
        if reading is None or reading.faults:
            faults = reading.faults if reading is not None else frozenset()
            if "overload" in faults:
                return status_line(ident, "+")
            if "underload" in faults:
                return status_line(ident, "-")
            return status_line(ident, "I")
        assert reading.grams is not None
        return weight_line(ident, "S" if reading.stable else "D", reading.grams, "g", 0)

    def _balance_data(self) -> str:
        """I2's text: type, model, capacity and unit (as in ``I2 A "WMS404C-L/10 WMS 410.0090 g"``)."""
        ident = self.identity
        return f"{ident.balance_type} {ident.model_text} {self.engine.capacity_g:.0f} g"

    def on_line(self, raw: bytes, now: float) -> list[str]:
        """Replies to one received command line (without its CR LF)."""
        if len(raw) > MAX_LINE or any(b < 0x20 or b > 0x7E for b in raw):
            return ["ET"]
        ident, args = parse_command(raw)
        if not ident:
            return []
        handler = self._handlers.get(ident)  # commands are upper case: "s" is not "S"
        if handler is None:
            return ["ES"]
        return handler(args, now)

    @staticmethod
    def _fixed(args: tuple[str, ...], ident: str, *values: str) -> list[str]:
        return ["EL"] if args else [status_line(ident, "A", *values)]

    def _reset(self, args: tuple[str, ...], now: float) -> list[str]:
        # @: back to the state after switching on, without zeroing: pending commands, SIR/SR, the tare, the
        # key mode and any display text are gone (OHAUS 7000 / MT-SICS "@ – Reset").
        if args:
            return ["EL"]
        self.sir = False
        self._sr = None
        self._pending.clear()
        if self.engine.tare_g:
            self.engine.clear_tare()
            self.latest = None  # the next sample shows the gross
        self.key_mode = 1
        self.display_text = None
        return [status_line("I4", "A", quote(self.serial_number))]

    def _list_commands(self, args: tuple[str, ...], now: float) -> list[str]:
        if args:
            return ["EL"]
        last = len(COMMANDS) - 1
        return [
            status_line("I0", "A" if k == last else "B", str(level), quote(command))
            for k, (level, command) in enumerate(COMMANDS)
        ]

    def _balance_id(self, args: tuple[str, ...], now: float) -> list[str]:
        if not args:
            return [status_line("I10", "A", quote(self.balance_id))]
        text = " ".join(args)
        if len(args) != 1 or len(text) > ID_MAX:
            return [status_line("I10", "L")]
        self.balance_id = text
        return [status_line("I10", "A")]

    def stop_streams(self) -> None:
        """End SIR and SR (a command does; so does a pulled cable, for the client that reconnects)."""
        self.sir = False
        self._sr = None
        self._sir_count = 0

    def _send_stable(self, args: tuple[str, ...], now: float) -> list[str]:
        if args:
            return ["EL"]
        self.stop_streams()  # S, SI, SIR, SR and @ each end a running SIR or SR
        self._pending.append(_Pending("S", now + STABLE_TIMEOUT_S, wait_stable=True))
        return self._complete(now)

    def _send_now(self, args: tuple[str, ...], now: float) -> list[str]:
        if args:
            return ["EL"]
        self.stop_streams()
        self._pending.append(_Pending("SI", now + NEXT_SAMPLE_S, wait_stable=False))
        return self._complete(now)

    def _send_repeated(self, args: tuple[str, ...], now: float) -> list[str]:
        replies = self._send_now(args, now)
        self.sir = not args  # the value now, then about 20 a second until @, S, SI or SR
        return replies

    def _send_on_change(self, args: tuple[str, ...], now: float) -> list[str]:
        preset: float | None = None
        if args:
            grams = self._grams(args)
            if grams is None or grams <= 0:
                return ["EL"]
            preset = grams
        self.stop_streams()
        self._sr = _SendOnChange(preset)
        reading = self.latest
        return self._sr_step(reading) if reading is not None else []

    def _sr_step(self, reading: Reading) -> list[str]:
        sr = self._sr
        if sr is None or reading.grams is None:
            return []
        if sr.last is None or sr.moved:
            if not reading.stable:
                return []
            sr.last, sr.moved = reading.grams, False
            return [weight_line("S", "S", reading.grams, "g", 0)]
        threshold = sr.preset_g if sr.preset_g is not None else max(SR_SHARE * abs(sr.last), SR_MIN_E * reading.e_g)
        if abs(reading.grams - sr.last) < threshold:
            return []
        sr.moved = True
        return [weight_line("S", "D", reading.grams, "g", 0)]

    def _queue(self, ident: str, *, wait_stable: bool) -> Callable[[tuple[str, ...], float], list[str]]:
        """Z/T (wait for stability, up to 3 s) and ZI/TI (done at the next sample, at the latest)."""
        timeout = STABLE_TIMEOUT_S if wait_stable else NEXT_SAMPLE_S

        def handler(args: tuple[str, ...], now: float) -> list[str]:
            if args:
                return ["EL"]
            self._pending.append(_Pending(ident, now + timeout, wait_stable))
            return self._complete(now)

        return handler

    @staticmethod
    def _grams(args: tuple[str, ...]) -> float | None:
        """``<value> <unit>`` in grams, or None when it is not a value and a mass unit."""
        if len(args) != 2 or args[1] not in UNIT_GRAMS:
            return None
        try:
            value = float(args[0]) * UNIT_GRAMS[args[1]]
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    def _preset_tare(self, args: tuple[str, ...]) -> str:
        if not args:
            return weight_line("TA", "A", display(self.engine.tare_g, self.engine.intervals)[0], "g", 0)
        grams = self._grams(args)
        if grams is None:
            return status_line("TA", "L")
        try:
            value = self.engine.preset_tare(grams)
        except ScaleError:
            return status_line("TA", "L")
        self.latest = None  # the next sample shows the new net
        return weight_line("TA", "A", value, "g", 0)

    def _clear_tare(self, args: tuple[str, ...], now: float) -> list[str]:
        if args:
            return ["EL"]
        self.engine.clear_tare()
        self.latest = None
        return [status_line("TAC", "A")]

    def _display(self, args: tuple[str, ...], now: float) -> list[str]:
        if not args:
            return [status_line("D", "L")]
        self.display_text = " ".join(args)[:DISPLAY_CHARS]  # D "" blanks the display
        return [status_line("D", "A")]

    def _display_weight(self, args: tuple[str, ...], now: float) -> list[str]:
        if args:
            return ["EL"]
        self.display_text = None
        return [status_line("DW", "A")]

    def _keys(self, args: tuple[str, ...], now: float) -> list[str]:
        # K 1: keys work, nothing sent; K 2: keys locked; K 3: keys locked, their codes sent; K 4: keys work
        # and their codes are sent. The simulated balance has no keys to press, so no code is ever sent.
        if len(args) != 1 or args[0] not in ("1", "2", "3", "4"):
            return [status_line("K", "L")]
        self.key_mode = int(args[0])
        return [status_line("K", "A")]

    def on_reading(self, reading: Reading, now: float) -> list[str]:
        """Lines to send after a new internal reading (SIR/SR values, commands that waited for stability)."""
        self.latest = reading
        out = self._complete(now)
        if self.sir:
            self._sir_count += 1
            if self._sir_count % SIR_EVERY == 0:
                out.append(self._weight("S", reading))
        elif self._sr is not None:
            out += self._sr_step(reading)
        return out

    def _complete(self, now: float) -> list[str]:
        """Replies of the waiting commands that can be answered now, oldest first.

        A command waiting for stability (S, Z, T) does not hold up one that only waits for the next sample
        (SI, ZI, TI): those are answered at once, as on a balance that shows its weight while it waits.
        """
        out: list[str] = []
        for p in list(self._pending):
            reading = self.latest  # None right after a zero or tare: the next sample tells the new value
            if reading is None:
                if now >= p.deadline:
                    self._pending.remove(p)
                    out.append(status_line("S" if p.ident in ("S", "SI") else p.ident, "I"))
                continue
            stable = reading.stable
            out_of_range = bool({"overload", "underload"} & reading.faults)
            waiting = p.wait_stable and not stable and not out_of_range
            if waiting and now < p.deadline:
                continue
            self._pending.remove(p)
            if p.ident in ("S", "SI"):
                out.append(status_line("S", "I") if waiting else self._weight("S", reading))
            elif waiting:
                out.append(status_line(p.ident, "I"))  # no stability before the timeout
            elif p.ident in ("Z", "ZI"):
                out.append(self._zero(p.ident, reading))
            else:
                out.append(self._tare(p.ident, reading))
        return out

    # -- zero and tare ---------------------------------------------------------------------------------

    @staticmethod
    def _not_ready(ident: str, reading: Reading | None) -> str | None:
        """``+``/``-``/``I`` when there is no usable value (overload, underload, warming up), else None."""
        if reading is None or reading.gross_g is None:
            return status_line(ident, "I")
        if "overload" in reading.faults:
            return status_line(ident, "+")
        if "underload" in reading.faults:
            return status_line(ident, "-")
        if reading.faults:
            return status_line(ident, "I")
        return None

    def _shift_from_reference_g(self) -> float:
        engine = self.engine
        gpc = [cell.grams_per_count for cell in engine.calibration.cells]
        return sum((z - r) * k for z, r, k in zip(engine.zero_counts, engine.reference_counts, gpc, strict=True))

    def _zero(self, ident: str, reading: Reading | None) -> str:
        """Z (stable, waited for) or ZI (now: ``ZI S`` if stable, ``ZI D`` at the moving value)."""
        refused = self._not_ready(ident, reading)
        if refused is not None:
            return refused
        assert reading is not None and reading.gross_g is not None
        gross = reading.gross_g
        shift = self._shift_from_reference_g() + gross
        limit = ZERO_SETTING_RANGE * self.engine.capacity_g  # ±2 % of Max around the initial zero (R76)
        if abs(shift) > limit:
            return status_line(ident, "+" if shift > 0 else "-")
        # Z and ZI clear the tare: every weight, the tare included, is measured from the new zero (MTSICS.md).
        saved = self.engine.tare_g
        self.engine.clear_tare()
        try:
            if reading.stable:
                self.engine.zero()
            else:
                self.engine.zero_dynamic(gross)
        except ScaleError:
            # In range but refused: the engine's own stability is not there yet (it was just reset).
            if saved:
                with contextlib.suppress(ScaleError):
                    self.engine.preset_tare(saved)
            return status_line(ident, "I")
        self.latest = None
        if ident == "Z":
            return status_line("Z", "A")
        return status_line("ZI", "S" if reading.stable else "D")

    def _tare(self, ident: str, reading: Reading | None) -> str:
        """T (stable, waited for) or TI (now: ``TI S`` stable, ``TI D`` at the moving value), with the tare."""
        refused = self._not_ready(ident, reading)
        if refused is not None:
            return refused
        assert reading is not None and reading.gross_g is not None
        gross = reading.gross_g
        status = "S" if reading.stable else "D"
        intervals = self.engine.intervals
        if gross > self.engine.capacity_g:
            return status_line(ident, "+")
        if display(gross, intervals)[0] == 0:
            # The empty pan: the balance shows 0 and holds no tare (taring an empty pan clears the tare).
            self.engine.clear_tare()
            self.latest = None
            return weight_line(ident, status, 0.0, "g", 0)
        if gross < 0:
            return status_line(ident, "-")
        try:
            tare = self.engine.tare() if reading.stable else self.engine.preset_tare(gross)
        except ScaleError:
            return status_line(ident, "I")
        self.latest = None
        shown, _e = display(tare, intervals)  # the tare as the display would show it
        return weight_line(ident, status, shown, "g", 0)


class SimulatedMtSicsDevice(PtyDevice):
    tty_name = "ttyMTSICS0"
    thread_name = "sim-mtsics"

    """An MT-SICS balance under ``scene``'s tray on a pty (9600 8N1, CR LF). Use as a context manager."""

    def __init__(
        self,
        scene: Scene,
        *,
        seed: int = 0,
        speed: float = 1.0,
        fast: bool = False,
        serial_number: str = "B021002593",
        physics: PhysicsOptions | None = None,
        link_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.scene = scene
        self.speed = math.inf if fast else float(speed)
        if not self.speed > 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self._rng = random.Random(seed)
        self.physics = LoadCellPhysics(scene.width_mm, scene.depth_mm, random.Random(seed + 1), physics)
        self._zero = [self._rng.randint(-40000, 40000) for _ in range(CELLS)]
        self.engine = BalanceEngine(Calibration.nominal())
        self.responder = MtSicsResponder(self.engine, BalanceIdentity(serial_number=serial_number))
        self.now = 0.0
        self._init_device(scene, link_path)
        self._inbox = bytearray()
        self._io_lock = threading.RLock()  # faults come from other threads; the pty is swapped under it
        self.lines_sent = 0
        self.capacity_g = capacity(self.engine.intervals)

    # -- lifecycle ---------------------------------------------------------------------------------------

    def _before_plug(self) -> None:
        self.physics.set_scene(self.now, self.scene.snapshot(), instant=True)

    # -- faults ------------------------------------------------------------------------------------------

    def unplug(self) -> None:
        """Pull the cable: the port disappears (the balance itself keeps weighing; its zero and tare stay)."""
        with self._io_lock:
            self.pty.unplug()
            self._inbox.clear()
            self.responder.stop_streams()  # a reconnecting client starts its stream again

    def replug(self) -> None:
        """Plug it back in: the same port path comes back."""
        with self._io_lock:
            if not self.pty.plugged:
                self.pty.plug()

    def inject_garbage(self, nbytes: int) -> None:
        """Noise on the line: random bytes (no CR LF) between the balance's lines."""
        data = bytes(b for b in self._rng.randbytes(nbytes * 2) if b not in (0x0A, 0x0D))[:nbytes]
        with self._io_lock:
            self.pty.write(data, timeout=0.5)

    # -- the device thread -------------------------------------------------------------------------------

    def _on_scene(self, snapshot: SceneSnapshot) -> None:
        if self._running:
            self.physics.set_scene(self.now, snapshot)

    def _send(self, lines: list[str]) -> None:
        with self._io_lock:
            for line in lines:
                self.lines_sent += 1
                self.pty.write(line.encode("ascii") + b"\r\n", timeout=0.5)

    def _sample(self) -> None:
        loads = self.physics.loads_at(self.now)
        counts = [
            z + g * NOMINAL_COUNTS_PER_GRAM + self._rng.gauss(0, 38.0) for z, g in zip(self._zero, loads, strict=True)
        ]
        reading = self.engine.process(self.now, counts, frozenset(), self.now)
        self._send(self.responder.on_reading(reading, self.now))

    def _commands(self) -> None:
        with self._io_lock:
            data = self.pty.read()
        if not data:
            return
        self._inbox += data
        while True:
            end = self._inbox.find(b"\n")
            if end < 0:
                if len(self._inbox) > 4 * MAX_LINE:  # no line end in sight: noise, not a command
                    self._inbox.clear()
                    self._send(["ET"])
                return
            line = bytes(self._inbox[:end]).rstrip(b"\r")
            del self._inbox[: end + 1]
            self._send(self.responder.on_line(line, self.now))

    def _run(self) -> None:
        period = 1 / 80
        wall0, sim0 = time.monotonic(), self.now
        while self._running:
            self._commands()
            next_t = self.now + period
            if self.speed != math.inf:
                wait = (next_t - sim0) / self.speed - (time.monotonic() - wall0)
                if wait > 0:
                    self.pty.wait_readable(wait)
                    if (time.monotonic() - wall0) * self.speed + sim0 < next_t:
                        continue  # woken by a command: answer it before the next sample
                elif wait < -0.25:
                    wall0, sim0 = time.monotonic(), next_t
            self.now = next_t
            self._sample()
