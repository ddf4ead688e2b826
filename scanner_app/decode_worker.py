"""Decoding off the UI thread: the newest frame is decoded, older ones waiting are dropped.

A hard frame takes up to ~100 ms through every preprocessing pass (see ``basketcheck bench scan``); on the
UI thread that would stall the preview. The worker keeps one slot: a new frame replaces one not yet started,
so the decoder never falls behind the camera.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from scanner_app.barcode import Result

Decoder = Callable[[Any], list[Result]]
Callback = Callable[[list[Result], float], None]


class DecodeWorker:
    """Runs ``decoder`` on submitted frames in a thread and hands ``(results, seen_at)`` to ``on_results``."""

    def __init__(self, decoder: Decoder, on_results: Callback) -> None:
        self.decoder = decoder
        self.on_results = on_results
        self._slot: tuple[Any, float] | None = None
        self._wake = threading.Condition()
        self._running = False
        self._thread: threading.Thread | None = None
        self.decoded = 0
        self.dropped = 0

    def start(self) -> None:
        self._running = True
        self._thread = threading.Thread(target=self._run, name="barcode-decoder", daemon=True)
        self._thread.start()

    def submit(self, frame: Any, seen_at: float | None = None) -> None:
        """Decode ``frame`` next (replacing a frame still waiting)."""
        with self._wake:
            if self._slot is not None:
                self.dropped += 1
            self._slot = (frame, time.monotonic() if seen_at is None else seen_at)
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._running and self._slot is None:
                    self._wake.wait()
                if not self._running:
                    return
                assert self._slot is not None
                frame, seen_at = self._slot
                self._slot = None
            results = self.decoder(frame)
            self.decoded += 1
            self.on_results(results, seen_at)

    def stop(self) -> None:
        with self._wake:
            self._running = False
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=2)
