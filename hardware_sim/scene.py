"""What lies on the simulated validation unit's tray: the one truth the scale and the camera both read.

The scale's load-cell physics and the camera's renderer never talk to each other; they each read a
:class:`Scene` snapshot, so placing a basket changes the weight and the picture consistently (same items,
same positions → same per-cell loads and the same image).

Coordinates are millimetres on the tray's top surface, origin at the tray's top-left corner as the
overhead camera sees it, x to the right, y downwards (towards the shopper). Masses are grams (float: this is
physics, not money).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

TRAY_WIDTH_MM = 600.0
TRAY_DEPTH_MM = 400.0


@dataclass(frozen=True, slots=True)
class PlacedItem:
    """One physical object on the tray (product, distractor or the basket itself)."""

    item_id: int  # unique within a scene, stable while the item stays
    kind: str  # "product" | "distractor" | "basket"
    ref: str  # product GTIN-14, distractor name ("phone", "keys"…) or basket type ("basket-red")
    mass_g: float  # true mass of this physical object
    x_mm: float  # centre of mass on the tray
    y_mm: float
    rotation_deg: float = 0.0
    z: int = 0  # stacking order: higher lies on top
    pose: str = "lying"  # "lying" | "standing"
    seed: int = 0  # per-item variation the renderer uses (wrinkles, label offset…)


@dataclass(frozen=True, slots=True)
class SceneSnapshot:
    """An immutable view of the tray at one moment."""

    version: int  # increases by one with every change
    changed_at: float  # time.monotonic() of the last change
    items: tuple[PlacedItem, ...] = ()
    width_mm: float = TRAY_WIDTH_MM
    depth_mm: float = TRAY_DEPTH_MM

    @property
    def total_mass_g(self) -> float:
        return sum(i.mass_g for i in self.items)

    @property
    def products(self) -> tuple[PlacedItem, ...]:
        return tuple(i for i in self.items if i.kind == "product")


Listener = Callable[[SceneSnapshot], None]


@dataclass
class Scene:
    """The live, thread-safe tray contents. Every change makes a new snapshot and tells the listeners."""

    width_mm: float = TRAY_WIDTH_MM
    depth_mm: float = TRAY_DEPTH_MM
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1), repr=False)
    _listeners: list[Listener] = field(default_factory=list, repr=False)
    _snapshot: SceneSnapshot | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._snapshot = SceneSnapshot(0, self.clock(), (), self.width_mm, self.depth_mm)

    def snapshot(self) -> SceneSnapshot:
        with self._lock:
            assert self._snapshot is not None
            return self._snapshot

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop telling ``listener`` about changes (no error if it was not subscribed)."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _update(self, change: Callable[[tuple[PlacedItem, ...]], tuple[PlacedItem, ...]]) -> SceneSnapshot:
        # The change runs under the lock so concurrent updates never lose one another.
        with self._lock:
            assert self._snapshot is not None
            items = change(self._snapshot.items)
            snap = SceneSnapshot(self._snapshot.version + 1, self.clock(), items, self.width_mm, self.depth_mm)
            self._snapshot = snap
            listeners = list(self._listeners)
        for listener in listeners:
            listener(snap)
        return snap

    def place(self, *items: PlacedItem) -> list[PlacedItem]:
        """Put items on the tray (their ``item_id`` is assigned here); returns them with their ids."""
        placed: list[PlacedItem] = []

        def add(current: tuple[PlacedItem, ...]) -> tuple[PlacedItem, ...]:
            placed.extend(replace(i, item_id=next(self._ids)) for i in items)
            return current + tuple(placed)

        self._update(add)
        return placed

    def remove(self, *item_ids: int) -> None:
        ids = set(item_ids)
        self._update(lambda current: tuple(i for i in current if i.item_id not in ids))

    def clear(self) -> None:
        """Lift everything off the tray."""
        self._update(lambda _current: ())
