"""A simulated certified scale that speaks MT-SICS (levels 0/1) on a pty, weighing the same scene.

Two parts: :class:`MtSicsResponder`, the command interpreter (pure: lines and readings in, reply lines out),
and :class:`SimulatedMtSicsDevice`, which runs it on a pseudo-terminal with its own weighing: the scene's
load-cell physics, ADC noise, and the same weighing engine as our bridge (zero, tare, stability, e = 5 g),
since a certified indicator does those things inside. Serial settings as a balance leaves the factory:
9600 8N1, lines end with CR LF.

Faults on demand: :meth:`unplug`, :meth:`replug`, :meth:`inject_garbage`.

Commands: ``@`` (cancel: stops SIR and pending commands, answers like I4), ``I4`` (serial number), ``S``
(stable weight, waits up to 3 s), ``SI`` (weight now), ``SIR`` (weight now and repeatedly, about 20 per
second, until ``@``, ``S`` or ``SI``), ``Z`` (zero when stable), ``T`` (tare when stable), ``TA`` (query or
preset tare), ``TAC`` (clear tare). Anything else: ``ES``; a damaged byte: ``ET``; a bad parameter: ``EL``.
"""

from __future__ import annotations

import math
import os
import random
import threading
import time
from dataclasses import dataclass

from firmware_bridge.calibration import NOMINAL_COUNTS_PER_GRAM, Calibration
from firmware_bridge.intervals import capacity, display
from firmware_bridge.mtsics import UNIT_GRAMS, parse_command, quote, status_line, weight_line
from firmware_bridge.reading import Reading
from firmware_bridge.weighing import ScaleError, WeighingEngine
from hardware_sim.loadcell_physics import CELLS, LoadCellPhysics, PhysicsOptions
from hardware_sim.pty_device import PtyDevice
from hardware_sim.scene import Scene, SceneSnapshot

STABLE_TIMEOUT_S = 3.0
SIR_EVERY = 4  # samples per SIR line: 80 SPS inside, 20 lines per second out
MAX_LINE = 64


@dataclass
class _Pending:
    ident: str
    deadline: float


class MtSicsResponder:
    """MT-SICS command interpreter of a balance whose weighing is ``engine``. Times are the balance's."""

    def __init__(self, engine: WeighingEngine, serial_number: str = "B021002593") -> None:
        self.engine = engine
        self.serial_number = serial_number
        self.sir = False
        self._sir_count = 0
        self._pending: list[_Pending] = []
        self.latest: Reading | None = None

    # -- replies -------------------------------------------------------------------------------------

    def _weight(self, ident: str, reading: Reading | None, stable_only: bool = False) -> str:
        if reading is None or reading.faults:
            faults = reading.faults if reading is not None else frozenset()
            if "overload" in faults:
                return status_line(ident, "+")
            if "underload" in faults:
                return status_line(ident, "-")
            return status_line(ident, "I")
        assert reading.grams is not None
        return weight_line(ident, "S" if reading.stable else "D", reading.grams, "g", 0)

    def on_line(self, raw: bytes, now: float) -> list[str]:
        """Replies to one received command line (without its CR LF)."""
        if len(raw) > MAX_LINE or any(b < 0x20 or b > 0x7E for b in raw):
            return ["ET"]
        ident, args = parse_command(raw)
        if not ident:
            return []
        if ident == "@":
            self.sir = False
            self._pending.clear()
            return [status_line("I4", "A", quote(self.serial_number))]
        if ident == "I4":
            return [status_line("I4", "A", quote(self.serial_number))] if not args else ["EL"]
        if ident in ("S", "SI", "SIR"):
            if args:
                return ["EL"]
            self.sir = ident == "SIR"
            self._sir_count = 0
            if ident == "S":
                self._pending.append(_Pending("S", now + STABLE_TIMEOUT_S))
                return self._complete(now)
            return [self._weight("S", self.latest)]
        if ident in ("Z", "T"):
            if args:
                return ["EL"]
            self._pending.append(_Pending(ident, now + STABLE_TIMEOUT_S))
            return self._complete(now)
        if ident == "TA":
            return [self._preset_tare(args)]
        if ident == "TAC":
            if args:
                return ["EL"]
            self.engine.clear_tare()
            return [status_line("TAC", "A")]
        return ["ES"]

    def _preset_tare(self, args: tuple[str, ...]) -> str:
        if not args:
            return weight_line("TA", "A", self.engine.tare_g, "g", 0)
        if len(args) != 2 or args[1] not in UNIT_GRAMS:
            return status_line("TA", "L")
        try:
            grams = float(args[0]) * UNIT_GRAMS[args[1]]
        except ValueError:
            return status_line("TA", "L")
        try:
            value = self.engine.preset_tare(grams)
        except ScaleError:
            return status_line("TA", "L")
        return weight_line("TA", "A", value, "g", 0)

    def on_reading(self, reading: Reading, now: float) -> list[str]:
        """Lines to send after a new internal reading (SIR values, commands that waited for stability)."""
        self.latest = reading
        out = self._complete(now)
        if self.sir:
            self._sir_count += 1
            if self._sir_count % SIR_EVERY == 0:
                out.append(self._weight("S", reading))
        return out

    def _complete(self, now: float) -> list[str]:
        out: list[str] = []
        reading = self.latest
        while self._pending:
            p = self._pending[0]
            stable = reading is not None and reading.stable
            overloaded = reading is not None and bool({"overload", "underload"} & reading.faults)
            if not stable and not overloaded and now < p.deadline:
                break
            self._pending.pop(0)
            out.append(self._execute(p.ident, reading, stable))
        return out

    def _execute(self, ident: str, reading: Reading | None, stable: bool) -> str:
        if ident == "S":
            return self._weight("S", reading) if stable or reading is None or reading.faults else status_line("S", "I")
        if not stable:
            if reading is not None and "overload" in reading.faults:
                return status_line(ident, "+")
            if reading is not None and "underload" in reading.faults:
                return status_line(ident, "-")
            return status_line(ident, "I")
        assert reading is not None
        gross = reading.gross_g or 0.0
        if ident == "Z":
            try:
                self.engine.zero()
            except ScaleError:
                # Outside the zero-setting range, or a tare is set: which limit it was depends on the sign.
                return status_line("Z", "+" if gross > 0 else "-")
            return status_line("Z", "A")
        try:
            tare = self.engine.tare()
        except ScaleError:
            return status_line("T", "-" if gross <= 0 else "+")
        shown, _e = display(tare, self.engine.intervals)  # the tare as the display would show it
        return weight_line("T", "S", shown, "g", 0)


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
        self.engine = WeighingEngine(Calibration.nominal())
        self.responder = MtSicsResponder(self.engine, serial_number)
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
            self.responder.sir = False  # a reconnecting client starts its stream again

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
