"""Where camera frames come from: an OpenCV capture thread, a folder of images, or frames a test hands in.

Every source gives the newest BGR frame and a counter that changes with each new frame, so the UI can skip
work when nothing changed. (Kivy's own ``Camera`` widget does not work with OpenCV 5, hence this layer.)
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Protocol

Image = Any  # BGR uint8 numpy image (h, w, 3)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


class FrameSource(Protocol):
    """A camera: ``start()``, then ``latest()`` as often as wanted, then ``stop()``."""

    def start(self) -> None: ...

    def latest(self) -> tuple[int, Image | None]:
        """(frame number, frame); the number grows by one per new frame, 0 before the first."""
        ...

    def stop(self) -> None: ...


class ManualSource:
    """Frames handed in by code: tests, demos, and the base of :class:`FolderSource`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: Image | None = None
        self._number = 0

    def start(self) -> None:
        pass

    def show(self, frame: Image) -> None:
        """Make ``frame`` the camera's current view."""
        with self._lock:
            self._frame = frame
            self._number += 1

    def latest(self) -> tuple[int, Image | None]:
        with self._lock:
            return self._number, self._frame

    def stop(self) -> None:
        pass


class FolderSource(ManualSource):
    """The images of a folder in name order, each shown for ``seconds`` and then the next (looping)."""

    def __init__(self, folder: Path | str, seconds: float = 1.5, loop: bool = True) -> None:
        super().__init__()
        self.paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.paths:
            raise FileNotFoundError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
        self.seconds = seconds
        self.loop = loop
        self._index = -1
        self._shown_at = 0.0

    def latest(self) -> tuple[int, Image | None]:
        now = time.monotonic()
        due = self._index < 0 or now - self._shown_at >= self.seconds
        if due and (self._index + 1 < len(self.paths) or self.loop):
            import cv2

            self._index = (self._index + 1) % len(self.paths)
            frame = cv2.imread(str(self.paths[self._index]), cv2.IMREAD_COLOR)
            if frame is not None:
                self.show(frame)
            self._shown_at = now
        return super().latest()


class CaptureSource:
    """A webcam through OpenCV, read on its own thread so the UI never waits for the camera."""

    def __init__(self, index: int = 0, width: int = 1280, height: int = 720) -> None:
        self.index = index
        self.size = (width, height)
        self._lock = threading.Lock()
        self._frame: Image | None = None
        self._number = 0
        self._running = False
        self._thread: threading.Thread | None = None
        self._capture: Any = None

    def start(self) -> None:
        import cv2

        capture = cv2.VideoCapture(self.index)
        if not capture.isOpened():
            raise OSError(f"cannot open camera {self.index}")
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
        self._capture = capture
        self._running = True
        self._thread = threading.Thread(target=self._run, name=f"camera-{self.index}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self._running:
            ok, frame = self._capture.read()
            if not ok:
                time.sleep(0.05)  # a camera that hiccups; keep the last good frame
                continue
            with self._lock:
                self._frame = frame
                self._number += 1

    def latest(self) -> tuple[int, Image | None]:
        with self._lock:
            return self._number, self._frame

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._capture is not None:
            self._capture.release()
