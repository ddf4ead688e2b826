"""One scale reading: the common language between any scale backend and the validation unit."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Reading:
    """What the scale shows at one moment.

    ``grams`` is the displayed net weight (rounded to the scale interval ``e_g``) and is ``None`` whenever
    ``faults`` is not empty: a reading with a fault has no weight, never a wrong one.
    """

    timestamp: float  # time.monotonic() of the host when the reading was made
    grams: float | None
    stable: bool
    faults: frozenset[str] = frozenset()
    cells_g: tuple[float, ...] = ()  # per-cell gross grams (after zero); empty for scales without cells
    net_g: float | None = None  # unrounded net
    gross_g: float | None = None  # unrounded gross (net + tare)
    tare_g: float = 0.0
    e_g: float = 5.0
    device_time_s: float | None = None  # the device's clock (MCU uptime), when it has one
    centre_mm: tuple[float, float] | None = None  # centre of load on the tray, when there is a load
    extra: dict[str, float] = field(default_factory=dict, compare=False)
    # How a stable (trusted) weight was found: "stability" (the load is at rest), "dynamic" (the fit of its
    # damped ringing, before it is at rest: see firmware_bridge.dynamic_weighing), None when not stable or
    # when the backend does not say (an MT-SICS balance keeps its own rule).
    settled_by: str | None = None

    def __post_init__(self) -> None:
        if self.faults and self.grams is not None:
            raise ValueError(f"a reading with faults {sorted(self.faults)} must have grams=None")
        if self.stable and self.grams is None:
            raise ValueError("a stable reading needs a weight")
        if self.settled_by not in (None, "stability", "dynamic"):
            raise ValueError(f"settled_by must be 'stability', 'dynamic' or None, not {self.settled_by!r}")
        if self.settled_by is not None and not self.stable:
            raise ValueError("only a stable reading says how it settled")

    @property
    def ok(self) -> bool:
        return not self.faults
