"""The ``Scale`` interface every weighing backend implements, and ``open_scale`` to get one by serial URL.

Two backends: ``"firmware"`` (our MCU with four HX711 load cells, :mod:`firmware_bridge.firmware_scale`) and
``"mtsics"`` (a certified Mettler Toledo-compatible scale, :mod:`firmware_bridge.mtsics_scale`). Both deliver
:class:`~firmware_bridge.reading.Reading` objects; a consumer does not know which one it talks to.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from firmware_bridge.reading import Reading
from firmware_bridge.weighing import ScaleError

__all__ = ["Scale", "ScaleError", "ScaleInfo", "default_calibration_path", "open_scale"]

CALIBRATION_ENV = "BASKETCHECK_SCALE_CALIBRATION"


@dataclass
class ScaleInfo:
    """Who the scale is (filled in as the device tells)."""

    kind: str
    url: str
    device: str = ""  # firmware version / MT-SICS serial number
    channels: int = 0
    rate_sps: int = 0
    extra: dict[str, object] = field(default_factory=dict)


class Scale(ABC):
    """A scale: a stream of readings plus zero and tare. Thread-safe; use as a context manager.

    Subclasses call :meth:`_publish` for each new reading; consumers either poll :meth:`latest`, iterate
    :meth:`readings` (each iterator gets every reading from its start on, through its own bounded queue), or
    block in :meth:`wait_stable`.
    """

    def __init__(self, info: ScaleInfo) -> None:
        self.info = info
        self._latest: Reading | None = None
        self._subscribers: list[queue.Queue[Reading]] = []
        self._sub_lock = threading.Lock()
        self._new = threading.Condition()

    # -- publishing --------------------------------------------------------------------------------------

    def _publish(self, reading: Reading) -> None:
        with self._new:
            self._latest = reading
            self._new.notify_all()
        with self._sub_lock:
            subs = list(self._subscribers)
        for q in subs:
            try:
                q.put_nowait(reading)
            except queue.Full:  # a slow consumer loses its oldest readings, never blocks the link
                try:
                    q.get_nowait()
                    q.put_nowait(reading)
                except (queue.Empty, queue.Full):
                    pass

    # -- consuming -------------------------------------------------------------------------------------

    def latest(self) -> Reading | None:
        return self._latest

    def readings(self, timeout: float | None = None, maxsize: int = 4096) -> Iterator[Reading]:
        """Every reading from now on; stops after ``timeout`` seconds without one (None: never)."""
        q: queue.Queue[Reading] = queue.Queue(maxsize)
        with self._sub_lock:
            self._subscribers.append(q)
        try:
            while True:
                try:
                    yield q.get(timeout=timeout)
                except queue.Empty:
                    return
        finally:
            with self._sub_lock:
                self._subscribers.remove(q)

    def wait_for(self, predicate: Callable[[Reading], bool], timeout: float) -> Reading:
        """The latest reading if ``predicate`` holds for it, else the next that does; ScaleError after ``timeout``."""
        deadline = time.monotonic() + timeout
        last: Reading | None = None
        with self._new:
            while True:
                current = self._latest
                if current is not None and current is not last:
                    last = current
                    if predicate(current):
                        return current
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ScaleError(f"no matching reading within {timeout:g} s (last: {_describe(last)})")
                self._new.wait(left)

    def wait_stable(self, timeout: float = 5.0) -> Reading:
        return self.wait_for(lambda r: r.stable, timeout)

    # -- operations --------------------------------------------------------------------------------------

    @abstractmethod
    def zero(self) -> None:
        """Set zero (only when stable; raises ScaleError otherwise)."""

    @abstractmethod
    def tare(self) -> float:
        """Take the current load as tare (only when stable); returns the tare in grams."""

    @abstractmethod
    def preset_tare(self, grams: float) -> float:
        """Set a known tare; returns it as the scale rounded it."""

    @abstractmethod
    def clear_tare(self) -> None:
        """Remove the tare."""

    @abstractmethod
    def close(self) -> None:
        """Stop the link and release the port."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _describe(reading: Reading | None) -> str:
    if reading is None:
        return "none"
    value = "no value" if reading.grams is None else f"{reading.grams:g} g"
    state = "stable" if reading.stable else "moving"
    faults = f", faults {sorted(reading.faults)}" if reading.faults else ""
    return f"{value} {state}{faults}"


def default_calibration_path() -> Path:
    """Where a firmware scale's calibration lives unless told otherwise ($BASKETCHECK_SCALE_CALIBRATION)."""
    env = os.environ.get(CALIBRATION_ENV)
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "basketcheck" / "scale-calibration.json"


def open_scale(
    url: str,
    kind: str = "firmware",
    calibration_path: str | os.PathLike[str] | None = None,
    **options: Any,
) -> Scale:
    """Open a scale by pyserial URL (``/dev/ttyACM0``, a pty path, ``socket://host:port``…) and start it.

    ``kind="firmware"``: our MCU. Its calibration comes from ``calibration_path``, else the default path
    (:func:`default_calibration_path`) if that file exists, else the nominal data-sheet calibration, which is
    exact for the simulator's default cells (see hardware_sim.scale_device). ``kind="mtsics"``: an MT-SICS
    scale (it calibrates itself; ``calibration_path`` must be None).
    """
    if kind == "firmware":
        from firmware_bridge.firmware_scale import FirmwareScale

        path = Path(calibration_path) if calibration_path is not None else default_calibration_path()
        explicit = calibration_path is not None
        return FirmwareScale.open(url, calibration_path=path if (explicit or path.exists()) else None, **options)
    if kind == "mtsics":
        if calibration_path is not None:
            raise ScaleError("an MT-SICS scale keeps its own calibration; do not pass calibration_path")
        from firmware_bridge.mtsics_scale import MtSicsScale

        return MtSicsScale.open(url, **options)
    raise ScaleError(f"unknown scale kind {kind!r}; use 'firmware' or 'mtsics'")
