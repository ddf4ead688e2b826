"""A plain progress bar on stderr (no dependency), redrawn in place on a terminal, every 10 % otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts steps of a known total and shows rate and time left."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total, self.label, self.done = max(total, 0), label, 0
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.monotonic()
        self._tty = getattr(self.stream, "isatty", lambda: False)()
        self._last_decile = -1

    def step(self, n: int = 1) -> None:
        self.done += n
        decile = self.done * 10 // max(self.total, 1)
        if self._tty or decile != self._last_decile or self.done >= self.total:
            self._last_decile = decile
            self._draw()

    def _draw(self) -> None:
        elapsed = time.monotonic() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (width - filled)
        text = f"{self.label} [{bar}] {self.done}/{self.total} {rate:.1f}/s {left:.0f}s left"
        self.stream.write(("\r" + text) if self._tty else (text + "\n"))
        if self._tty and self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()
