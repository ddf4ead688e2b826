"""The scale's zero kept across restarts of the bridge, so a restart with a basket on the tray does not zero it.

Without it, the first stable load after start becomes zero (initial zero-setting, up to ±20 % of Max): a unit
restarted mid-basket would read the basket as 0 g. With it, the bridge starts from the zero it last had
(saved while running, at most once a minute and whenever zero moves by an interval) and only re-zeroes at
start when the tray is within a few intervals of that zero, i.e. empty (see ``weighing.RESTORED_ZERO_BAND_E``).

A saved zero is used only if it belongs to the same calibration and is recent (``max_age_s``, default
15 minutes: a restart, not a power-on the next morning, when the tray is empty and the ordinary initial zero
is right). A missing, corrupt or stale file is logged and ignored: the scale then zeroes as usual.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from firmware_bridge.calibration import Calibration

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
DEFAULT_MAX_AGE_S = 900.0


@dataclass(frozen=True, slots=True)
class SavedZero:
    zero_counts: tuple[float, ...]  # per cell: the counts that read 0 g
    reference_counts: tuple[float, ...]  # per cell: the initial zero that zero-setting and tracking stay near
    calibration: str  # fingerprint of the calibration these counts belong to
    saved_at: dt.datetime  # UTC


def fingerprint(calibration: Calibration) -> str:
    """A short hash of a calibration: a zero saved under another calibration means nothing."""
    text = json.dumps(calibration.to_json(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ZeroMemory:
    """Reads and writes one scale's saved zero (a small JSON file, replaced atomically)."""

    def __init__(self, path: str | os.PathLike[str], max_age_s: float = DEFAULT_MAX_AGE_S) -> None:
        self.path = Path(path)
        self.max_age_s = max_age_s

    def load(self, calibration: Calibration, now: dt.datetime | None = None) -> SavedZero | None:
        """The saved zero if it is usable with ``calibration`` now; otherwise None (and why, in the log)."""
        if not self.path.exists():
            return None
        try:
            data = json.loads(self.path.read_text())
            if data.get("version") != FORMAT_VERSION:
                raise ValueError(f"format version {data.get('version')!r}, expected {FORMAT_VERSION}")
            saved = SavedZero(
                zero_counts=tuple(float(c) for c in data["zero_counts"]),
                reference_counts=tuple(float(c) for c in data["reference_counts"]),
                calibration=str(data["calibration"]),
                saved_at=dt.datetime.fromisoformat(data["saved_at"]),
            )
            if saved.saved_at.tzinfo is None:
                raise ValueError("saved_at has no time zone")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("ignoring the saved scale zero %s: unreadable (%s)", self.path, exc)
            return None
        channels = len(calibration.cells)
        if len(saved.zero_counts) != channels or len(saved.reference_counts) != channels:
            log.warning(
                "ignoring the saved scale zero %s: it has %d cells, the calibration %d",
                self.path,
                len(saved.zero_counts),
                channels,
            )
            return None
        if saved.calibration != fingerprint(calibration):
            log.info("ignoring the saved scale zero %s: it belongs to another calibration", self.path)
            return None
        age = ((now or dt.datetime.now(dt.UTC)) - saved.saved_at).total_seconds()
        if not 0 <= age <= self.max_age_s:
            log.info(
                "ignoring the saved scale zero %s: saved %.0f s ago (older than %.0f s)", self.path, age, self.max_age_s
            )
            return None
        return saved

    def save(
        self,
        zero_counts: Sequence[float],
        reference_counts: Sequence[float],
        calibration: Calibration,
        now: dt.datetime | None = None,
    ) -> None:
        data = {
            "version": FORMAT_VERSION,
            "zero_counts": [float(c) for c in zero_counts],
            "reference_counts": [float(c) for c in reference_counts],
            "calibration": fingerprint(calibration),
            "saved_at": (now or dt.datetime.now(dt.UTC)).isoformat(),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1) + "\n")
        os.replace(tmp, self.path)
