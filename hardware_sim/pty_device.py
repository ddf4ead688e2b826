"""The lifecycle every simulated serial device shares: a pty behind a stable path, a device thread, the scene.

Subclasses set ``tty_name`` and ``thread_name``, implement ``_run`` (the device loop, while ``_running``) and
``_on_scene`` (a scene change), and may extend ``_before_plug`` / ``_after_plug``.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Self

from hardware_sim.pty_port import PtyPort
from hardware_sim.scene import Scene, SceneSnapshot


class PtyDevice:
    """A device on a pseudo-terminal that pyserial opens like a USB adapter, reading one :class:`Scene`."""

    tty_name = "ttySIM0"
    thread_name = "sim-device"

    def _init_device(self, scene: Scene, link_path: str | os.PathLike[str] | None) -> None:
        self.scene = scene
        self._link_path = Path(link_path) if link_path is not None else None
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self.pty = PtyPort(self._link_path or "unused")
        self._running = False
        self._thread: threading.Thread | None = None

    # -- hooks ---------------------------------------------------------------------------------------------

    def _before_plug(self) -> None:
        """Runs before the port appears (e.g. settle the physics on the current scene)."""

    def _after_plug(self) -> None:
        """Runs once the port exists, before the device thread starts (e.g. boot the firmware)."""

    def _run(self) -> None:
        raise NotImplementedError

    def _on_scene(self, snapshot: SceneSnapshot) -> None:
        raise NotImplementedError

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> str:
        """Plug the device in and start it; returns the serial port path for pyserial."""
        if self._running:
            return self.port
        if self._link_path is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="basketcheck-")
            self._link_path = Path(self._tmpdir.name) / self.tty_name
            self.pty = PtyPort(self._link_path)
        self._before_plug()
        self.scene.subscribe(self._on_scene)
        self.pty.plug()
        self._after_plug()
        self._running = True
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None
        self.scene.unsubscribe(self._on_scene)
        self.pty.unplug()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> str:
        """The path a host opens (a symlink to the current /dev/pts/N, stable across unplug/replug)."""
        if self._link_path is None:
            raise RuntimeError("the device is not started")
        return str(self._link_path)
