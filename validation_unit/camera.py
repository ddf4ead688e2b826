"""The unit's camera: a thread keeps the newest frame of a ``cv2.VideoCapture`` source (device index or URL).

The station asks for a frame taken after a given moment (:meth:`Camera.frame_after`). The camera is
"unavailable" when it delivers no frames, or when a loaded tray looks the same as the empty tray (a frozen
stream): :func:`looks_frozen` compares the capture with the last frame before the basket arrived.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    bgr: np.ndarray
    at: float  # time.monotonic() when the frame arrived


class Camera:
    """Reads frames continuously; reconnects with backoff when the source fails."""

    def __init__(self, source: str, *, reconnect_s: float = 1.0, keep: int = 64, name: str = "") -> None:
        self.source = source
        self.name = name  # the camera's id at the station (for its thread and log lines)
        self.reconnect_s = reconnect_s
        self._frames: list[Frame] = []
        self._keep = keep
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"camera-{name}" if name else "camera", daemon=True)
        self.problem = "not started"
        self.frames_read = 0

    def start(self) -> Camera:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def _open(self) -> object:
        import cv2

        source: int | str = int(self.source) if self.source.isdigit() else self.source
        capture = cv2.VideoCapture(source)
        if not capture.isOpened():
            capture.release()
            raise OSError(f"cannot open camera {self.source!r}")
        return capture

    def _run(self) -> None:
        delay = self.reconnect_s
        while not self._stop.is_set():
            try:
                capture = self._open()
            except OSError as exc:
                self.problem = str(exc)
                self._stop.wait(delay)
                delay = min(delay * 2, 10.0)
                continue
            delay = self.reconnect_s
            try:
                while not self._stop.is_set():
                    ok, bgr = capture.read()  # type: ignore[attr-defined]
                    if not ok or bgr is None:
                        self.problem = f"camera {self.source!r} stopped delivering frames"
                        break
                    self.problem = ""
                    self.frames_read += 1
                    with self._cond:
                        self._frames.append(Frame(bgr, time.monotonic()))
                        del self._frames[: -self._keep]
                        self._cond.notify_all()
            finally:
                capture.release()  # type: ignore[attr-defined]
            self._stop.wait(delay)

    def latest(self) -> Frame | None:
        with self._cond:
            return self._frames[-1] if self._frames else None

    def frame_before(self, t: float) -> Frame | None:
        """The newest frame that arrived before ``t`` (the empty tray, for the frozen check)."""
        with self._cond:
            older = [f for f in self._frames if f.at < t]
            return older[-1] if older else None

    def frame_after(self, t: float, timeout: float) -> Frame | None:
        """The first frame that arrived after ``t``; waits up to ``timeout`` seconds (None: no frame)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for frame in self._frames:
                    if frame.at > t:
                        return frame
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    @property
    def ok(self) -> bool:
        latest = self.latest()
        return not self.problem and latest is not None and time.monotonic() - latest.at < 2.0


def looks_frozen(capture: np.ndarray, empty: np.ndarray | None, min_diff: float) -> bool:
    """True when the picture of a loaded tray hardly differs from the empty tray before it."""
    if empty is None or empty.shape != capture.shape:
        return False
    small_a = capture[::8, ::8].astype(np.int16)
    small_b = empty[::8, ::8].astype(np.int16)
    return float(np.abs(small_a - small_b).mean()) < min_diff


SAME_SCENE_MAX_DIFF = 6.0  # grey levels: a block's mean moves less than this with noise and JPEG, far more
SAME_SCENE_GRID = (32, 24)  # with an item or a hand added, removed or moved


def same_scene(a: np.ndarray, b: np.ndarray, max_diff: float = SAME_SCENE_MAX_DIFF) -> bool:
    """True when two pictures show the same scene: no block of a 32 x 24 grid changed its mean grey level by
    ``max_diff`` or more (the mean over the whole picture would miss a small item)."""
    import cv2

    if a.shape != b.shape:
        return False
    small = [
        cv2.resize(cv2.cvtColor(x, cv2.COLOR_BGR2GRAY), SAME_SCENE_GRID, interpolation=cv2.INTER_AREA) for x in (a, b)
    ]
    return float(np.abs(small[0].astype(np.int16) - small[1].astype(np.int16)).max()) < max_diff


def quiet_opencv() -> None:
    """OpenCV's FFmpeg backend logs every failed connect; the camera thread reports problems itself."""
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
