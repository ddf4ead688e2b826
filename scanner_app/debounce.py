"""One physical scan, one event: the same code held in view across many frames is reported once.

Pure logic on (code, time) pairs, so it is tested without a camera. A code is reported when it appears; it is
reported again only after it has been out of view for ``gone_s`` (the shopper took the item away and brought
it back, or scans a second unit of the same product), or after ``repeat_s`` of holding it if set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from scanner_app.barcode import Result


@dataclass
class Debouncer:
    """Turns the codes seen in successive frames into scan events."""

    gone_s: float = 0.8
    repeat_s: float | None = None
    _last_seen: dict[Result, float] = field(default_factory=dict)
    _reported_at: dict[Result, float] = field(default_factory=dict)

    def feed(self, results: Iterable[Result], now: float) -> list[Result]:
        """The codes in this frame (seen at ``now``, seconds) that are new scans."""
        fresh: list[Result] = []
        for result in results:
            last = self._last_seen.get(result)
            reported = self._reported_at.get(result)
            is_new = last is None or now - last > self.gone_s
            held_long = self.repeat_s is not None and reported is not None and now - reported >= self.repeat_s
            if is_new or held_long:
                fresh.append(result)
                self._reported_at[result] = now
            self._last_seen[result] = now
        # Forget codes long gone so the table stays small over a long trip.
        for result in [r for r, t in self._last_seen.items() if now - t > 10 * self.gone_s]:
            del self._last_seen[result]
            self._reported_at.pop(result, None)
        return fresh

    def reset(self) -> None:
        """Forget everything (a new trip, or the scanner was paused)."""
        self._last_seen.clear()
        self._reported_at.clear()
