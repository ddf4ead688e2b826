"""The simulated weighing MCU: the real firmware loop on simulated HX711s, talking over a real pty.

``SimulatedScaleDevice(scene)`` puts four load cells under the scene's tray (:mod:`hardware_sim.loadcell_physics`),
a simulated HX711 on each (:mod:`hardware_sim.hx711_sim`), and runs :class:`firmware_bridge.firmware.app.Firmware`
— the same code the board runs — with a HAL whose UART is a pseudo-terminal (:mod:`hardware_sim.pty_port`).
A host opens ``device.port`` with pyserial like any USB serial adapter.

Time: the firmware and the physics run on a simulated clock. ``speed=1`` paces it to the wall clock; a larger
``speed`` runs that many times faster; ``speed=math.inf`` (``fast=True``) runs as fast as the host reads.

Calibration: by default the cells are exactly the data-sheet cells (``Calibration.nominal()``, 214.748
counts/g) with a random zero balance and the tray's dead load, which the host's initial zero removes, so
``open_scale(device.port)`` reads true grams on a fresh device. With ``cell_gain_spread`` the cells differ
from nominal like real ones; ``device.calibration()`` / ``write_calibration(path)`` give the exact
("factory") calibration for the cells as built.

Faults on demand: :meth:`unplug`, :meth:`replug`, :meth:`inject_garbage`, :meth:`reboot`, :meth:`set_dead_cell`,
:meth:`bump`.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import math
import os
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from firmware_bridge.calibration import NOMINAL_COUNTS_PER_GRAM, Calibration, CellCalibration, corner_positions
from firmware_bridge.firmware.app import HEARTBEAT_US, Firmware
from firmware_bridge.framing import Frame, FrameError, decode_payload
from hardware_sim.hx711_sim import CellSpec, SimHX711
from hardware_sim.loadcell_physics import CELLS, LoadCellPhysics, PhysicsOptions
from hardware_sim.pty_device import PtyDevice
from hardware_sim.scene import Scene, SceneSnapshot

MCU_BOOT_S = 0.3  # MicroPython start-up before the first HELLO


class SimClock:
    """Simulated seconds; only the device thread moves it forward."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _SimHal:
    """The firmware's board interface, backed by the simulator."""

    def __init__(self, device: SimulatedScaleDevice) -> None:
        self._dev = device

    def ticks_us(self) -> int:
        return int(self._dev.clock.now * 1e6)

    def ticks_diff(self, a: int, b: int) -> int:
        return a - b

    def write(self, data: bytes) -> None:
        self._dev._emit(data)

    def read(self) -> bytes | None:
        return self._dev.pty.read()

    def set_rate(self, sps: int) -> None:
        for adc in self._dev.adcs:
            adc.set_rate(sps)

    def urandom32(self) -> int:
        return self._dev._rng.getrandbits(32)

    def reset(self) -> None:
        self._dev._pending_reboot = True


class SimulatedScaleDevice(PtyDevice):
    tty_name = "ttyBASKETCHECK0"
    thread_name = "sim-scale"

    """A weighing MCU with four load cells under ``scene``'s tray, on a pty. Use as a context manager."""

    def __init__(
        self,
        scene: Scene,
        *,
        seed: int = 0,
        speed: float = 1.0,
        fast: bool = False,
        rate_sps: int = 80,
        spike_rate: float = 0.02,
        cell_gain_spread: float = 0.0,
        physics: PhysicsOptions | None = None,
        link_path: str | os.PathLike[str] | None = None,
        record_frames: bool = False,
    ) -> None:
        self.scene = scene
        self.seed = seed
        self.speed = math.inf if fast else float(speed)
        if not self.speed > 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self._rng = random.Random(seed)
        self.clock = SimClock()
        self.physics = LoadCellPhysics(scene.width_mm, scene.depth_mm, random.Random(seed + 1), physics)
        specs = [
            CellSpec(
                counts_per_gram=NOMINAL_COUNTS_PER_GRAM * (1 + self._rng.uniform(-1, 1) * cell_gain_spread),
                zero_counts=self._rng.randint(-40000, 40000),
            )
            for _ in range(CELLS)
        ]
        self.adcs = [
            SimHX711(
                i,
                spec,
                load_g=functools.partial(self._cell_load, i=i),
                clock=self.clock,
                rng=random.Random(seed * 10 + 100 + i),
                spike_rate=spike_rate,
                rate_sps=rate_sps,
                clock_error=self._rng.uniform(-0.003, 0.003),
            )
            for i, spec in enumerate(specs)
        ]
        self._rate_sps = rate_sps
        self._init_device(scene, link_path)
        self.firmware: Firmware | None = None
        self.boot_time_s = 0.0
        self.boots = 0
        self.frames_sent = 0
        self.garbage_sent = 0
        self.record_frames = record_frames
        self.sent_frames: set[Frame] = set()
        self._garbage: deque[bytes] = deque()
        self._pending_reboot = False
        self._boot_at: float | None = None
        self._requests: deque[str] = deque()
        self._schedule: list[tuple[float, int, Callable[[], object]]] = []
        self._schedule_ids = itertools.count()
        self._lock = threading.Lock()
        self._load_cache: tuple[float, list[float]] = (math.nan, [0.0] * CELLS)
        self._started = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------------------

    def _before_plug(self) -> None:
        self.physics.set_scene(self.clock.now, self.scene.snapshot(), instant=True)

    def _after_plug(self) -> None:
        self._boot()

    # -- faults ------------------------------------------------------------------------------------------

    def unplug(self) -> None:
        """Pull the USB cable: the port disappears and the MCU loses power."""
        self._request("unplug")

    def replug(self) -> None:
        """Plug it back: the same port path comes back and the MCU boots (new boot id)."""
        self._request("replug")

    def reboot(self) -> None:
        """Reset the MCU (watchdog, brown-out): silence for a moment, then a HELLO with a new boot id."""
        self._request("reboot")

    def inject_garbage(self, nbytes: int) -> None:
        """Send ``nbytes`` random bytes, interleaved between the next frames (noise on the line)."""
        data = self._rng.randbytes(nbytes)
        with self._lock:
            for i in range(0, len(data), 4096):
                self._garbage.append(data[i : i + 4096])

    def set_dead_cell(self, index: int | None, how: str = "open_bridge") -> None:
        """Break one cell (``open_bridge``: reads sit on the rail; ``no_data``: its HX711 is dead); None heals."""
        if how not in ("open_bridge", "no_data"):
            raise ValueError(f"how must be 'open_bridge' or 'no_data', not {how!r}")
        if index is not None and not 0 <= index < CELLS:
            raise ValueError(f"cell index must be 0..{CELLS - 1}, got {index}")
        for i, adc in enumerate(self.adcs):
            adc.dead = how if i == index else None

    def bump(self, peak_g: float = 300.0) -> None:
        """Knock the tray: a burst of ringing with no change of load (the scale must not call it stable)."""
        self.physics.bump(self.clock.now, peak_g)

    def at(self, sim_time_s: float, action: Callable[[], object]) -> None:
        """Run ``action`` in the device thread at simulated time ``sim_time_s`` (scripted scene changes).

        Changes made this way happen at an exact simulated moment, whatever the wall clock and the machine's
        load: what benchmarks and deterministic tests need."""
        with self._lock:
            heapq.heappush(self._schedule, (sim_time_s, next(self._schedule_ids), action))

    def _run_due(self) -> None:
        while True:
            with self._lock:
                if not self._schedule or self._schedule[0][0] > self.clock.now:
                    return
                _t, _n, action = heapq.heappop(self._schedule)
            action()

    def _next_scheduled(self) -> float:
        with self._lock:
            return self._schedule[0][0] if self._schedule else math.inf

    def _request(self, what: str) -> None:
        done = threading.Event()
        with self._lock:
            self._requests.append(what)
        # Wait until the device thread has done it, so a caller can rely on the fault being in effect.
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            with self._lock:
                if what not in self._requests:
                    done.set()
                    break
            time.sleep(0.002)

    # -- truth for tests and benchmarks ------------------------------------------------------------------

    def calibration(self) -> Calibration:
        """The exact calibration of the cells as built (empty-tray counts, true sensitivity)."""
        tray = self.physics.options.tray_mass_g / CELLS
        cells = tuple(
            CellCalibration(adc.spec.zero_counts + tray * adc.spec.counts_per_gram, 1.0 / adc.spec.counts_per_gram)
            for adc in self.adcs
        )
        return Calibration(
            cells, corner_positions(self.scene.width_mm, self.scene.depth_mm), note=f"simulator seed {self.seed}"
        )

    def write_calibration(self, path: str | os.PathLike[str]) -> Path:
        self.calibration().save(path)
        return Path(path)

    def sim_time_of(self, device_time_s: float) -> float:
        """Simulated time of an MCU timestamp (MCU uptime since the current boot)."""
        return self.boot_time_s + device_time_s

    # -- the device thread -------------------------------------------------------------------------------

    def _on_scene(self, snapshot: SceneSnapshot) -> None:
        if self._running or self.firmware is not None:
            self.physics.set_scene(self.clock.now, snapshot)

    def _cell_load(self, t: float, *, i: int) -> float:
        # The four chips convert within a few ms of each other; one physics evaluation serves all of them.
        cached_t, loads = self._load_cache
        if not abs(t - cached_t) <= 0.002:  # (also when the cache is empty: nan)
            loads = self.physics.loads_at(t)
            self._load_cache = (t, loads)
        return loads[i]

    def _boot(self) -> None:
        self.firmware = Firmware(_SimHal(self), self.adcs, rate_sps=self._rate_sps)
        self.boot_time_s = self.clock.now
        self.boots += 1
        self.firmware.start()

    def _emit(self, data: bytes) -> None:
        self.frames_sent += 1
        if self.record_frames:
            with contextlib.suppress(FrameError):
                self.sent_frames.add(decode_payload(data[:-1]))
        self.pty.write(data, timeout=0.5 if self.speed == math.inf else 0.2)

    def _handle_requests(self) -> None:
        with self._lock:
            requests = list(self._requests)
        for what in requests:
            if what == "unplug" and self.pty.plugged:
                self.pty.unplug()
                self.firmware = None
                self._boot_at = None
            elif what == "replug" and not self.pty.plugged:
                self.pty.plug()
                self._boot_at = self.clock.now + MCU_BOOT_S
            elif what == "reboot" and self.pty.plugged:
                self._pending_reboot = True
            with self._lock:
                self._requests.remove(what)

    def _run(self) -> None:
        wall0, sim0 = time.monotonic(), self.clock.now
        while self._running:
            if self._requests:
                self._handle_requests()
            if self._pending_reboot:
                self._pending_reboot = False
                self.firmware = None
                self._boot_at = self.clock.now + MCU_BOOT_S
            if self._garbage and self.pty.plugged:
                with self._lock:
                    chunk = self._garbage.popleft() if self._garbage else b""
                # Between frames, in random slices: garbage interleaved with good frames, not instead of them.
                cut = self._rng.randint(1, 300)
                if len(chunk) > cut:
                    with self._lock:
                        self._garbage.appendleft(chunk[cut:])
                    chunk = chunk[:cut]
                self.garbage_sent += len(chunk)
                self.pty.write(chunk, timeout=0.5 if self.speed == math.inf else 0.2)
            fw = self.firmware
            if fw is None and self._boot_at is None:
                time.sleep(0.005)  # unplugged: nothing to simulate but the passing of time
            if fw is None:
                next_t = self._boot_at if self._boot_at is not None else self.clock.now + 0.01
            else:
                next_t = min(min(adc.next_ready_s() for adc in self.adcs), self.clock.now + fw.idle_us() / 1e6)
                next_t = min(next_t, self.clock.now + HEARTBEAT_US / 1e6)
            next_t = max(min(next_t, self._next_scheduled()), self.clock.now)
            if self.speed != math.inf:
                wait = (next_t - sim0) / self.speed - (time.monotonic() - wall0)
                if wait > 0:
                    self.pty.wait_readable(min(wait, 0.05))
                    now_sim = sim0 + (time.monotonic() - wall0) * self.speed
                    if now_sim < next_t:  # woken early (host sent a command, or a long wait in slices)
                        self.clock.now = max(self.clock.now, now_sim)
                        if fw is not None:
                            fw.poll()
                        continue
                elif wait < -0.25:  # fell behind (machine busy): do not try to catch up in a burst
                    wall0, sim0 = time.monotonic(), next_t
            self.clock.now = next_t
            self._run_due()
            if fw is None:
                if self._boot_at is not None and self.clock.now >= self._boot_at:
                    self._boot_at = None
                    self._boot()
                continue
            fw.poll()
