"""A simulated validation unit: one scene, its camera stream and its scale on a pty.

The camera (:mod:`hardware_sim.camera_server`) and the scale (:mod:`hardware_sim.scale_device`, the weighing
issue's device) both read the same :class:`~hardware_sim.scene.Scene`, so placing a scenario's basket
changes the weight and the picture consistently. Tests use it through the pytest plugin's ``sim_station``;
testers through ``basketcheck sim station``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from hardware_sim.camera_server import CameraServer
from hardware_sim.catalog import Catalog, load_demo_catalog
from hardware_sim.render_layout import random_basket
from hardware_sim.scenario import Fault, Scenario
from hardware_sim.scenario_layout import Event, basket_items, timeline
from hardware_sim.scene import PlacedItem, Scene

if TYPE_CHECKING:
    from hardware_sim.scale_device import SimulatedScaleDevice


class UnsupportedFault(RuntimeError):
    """A fault this station cannot produce (no scale, or the scale cannot do it)."""


class SimStation:
    """The scene, a camera server on it and (if available and wanted) a simulated scale on it."""

    def __init__(
        self,
        *,
        seed: int = 0,
        host: str = "127.0.0.1",
        camera_port: int = 0,
        fps: float = 10.0,
        with_scale: bool = True,
        scale_options: dict[str, Any] | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.catalog = catalog if catalog is not None else load_demo_catalog()
        self.seed = seed
        self.scene = Scene()
        self.camera = CameraServer(self.scene, host=host, port=camera_port, fps=fps, seed=seed, catalog=self.catalog)
        self.scale: SimulatedScaleDevice | None = None
        if with_scale:
            from hardware_sim.scale_device import SimulatedScaleDevice

            self.scale = SimulatedScaleDevice(self.scene, seed=seed, **(scale_options or {}))
        self.active_faults: dict[str, Fault] = {}
        self.skipped_faults: list[str] = []  # faults play() could not produce, with the reason
        self.scenario: Scenario | None = None
        self._lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> SimStation:
        self.camera.start()
        if self.scale is not None:
            self.scale.start()
        return self

    def stop(self) -> None:
        if self.scale is not None:
            self.scale.stop()
        self.camera.stop()

    def __enter__(self) -> SimStation:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def camera_url(self) -> str:
        return self.camera.stream_url

    @property
    def snapshot_url(self) -> str:
        return self.camera.snapshot_url

    @property
    def scale_port(self) -> str | None:
        """The serial device path a host opens with pyserial, or None when the station has no scale."""
        return self.scale.port if self.scale is not None else None

    # -- the tray ------------------------------------------------------------------------------

    def place(self, *items: PlacedItem) -> list[PlacedItem]:
        """Put items on the tray as they are (ids assigned by the scene)."""
        return self.scene.place(*items)

    def place_scenario(self, scenario: Scenario, *, late_items: bool = True) -> list[PlacedItem]:
        """Clear the tray and put the scenario's basket on it at once (``late_items=False``: only what
        arrives at 0 s). Faults are not injected; :meth:`play` does the whole timeline."""
        items = [item for at_s, item in basket_items(scenario, self.catalog) if late_items or at_s == 0.0]
        with self._lock:
            self.scenario = scenario
            self.scene.clear()
            return self.scene.place(*items)

    def place_random(self, seed: int, **options: Any) -> list[PlacedItem]:
        """Clear the tray and put a random basket on it (see :func:`render_layout.random_basket`)."""
        with self._lock:
            self.scenario = None
            self.scene.clear()
            return self.scene.place(*random_basket(seed, catalog=self.catalog, **options))

    def clear(self) -> None:
        """Lift the basket off: the tray is empty."""
        with self._lock:
            self.scenario = None
            self.scene.clear()

    def play(
        self,
        scenario: Scenario,
        *,
        speed: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        on_event: Callable[[Event], None] | None = None,
    ) -> list[PlacedItem]:
        """Run the scenario's timeline: clear, then place and inject faults at their times (``speed`` × real
        time). Faults with no duration stay on; call :meth:`clear_faults` afterwards. A fault this station cannot
        produce (no scale) is skipped and listed in :attr:`skipped_faults`. Returns what was placed."""
        placed: list[PlacedItem] = []
        self.skipped_faults = []
        self.clear()
        self.scenario = scenario
        now = 0.0
        for event in timeline(scenario, self.catalog):
            if event.at_s > now:
                sleep((event.at_s - now) / speed)
                now = event.at_s
            if event.action == "place":
                placed.extend(self.scene.place(*event.items))
            elif event.action == "fault_on" and event.fault is not None:
                try:
                    self.inject(event.fault)
                except UnsupportedFault as exc:
                    self.skipped_faults.append(str(exc))
            elif event.action == "fault_off" and event.fault is not None and event.fault.fault in self.active_faults:
                self.clear_fault(event.fault.fault)
            if on_event is not None:
                on_event(event)
        return placed

    # -- faults --------------------------------------------------------------------------------

    def inject(self, fault: Fault | str, **options: Any) -> None:
        """Start a fault by name (see :data:`hardware_sim.scenario.FAULTS`) or from a scenario."""
        f = fault if isinstance(fault, Fault) else Fault(fault, cell=options.get("cell"), bytes=options.get("bytes"))
        name = f.fault
        if name == "camera_off":
            self.camera.set_fault("off")
        elif name == "camera_frozen":
            self.camera.set_fault("frozen")
        else:
            scale = self._scale_for(name)
            if name == "scale_unplugged":
                scale.unplug()
            elif name == "scale_garbage":
                scale.inject_garbage(f.bytes or 64)
            elif name == "scale_reboot":
                scale.reboot()
            elif name == "dead_cell":
                scale.set_dead_cell(f.cell if f.cell is not None else 0)
            elif name == "bump":
                if not hasattr(scale, "bump"):
                    raise UnsupportedFault("bump: the simulated scale has no bump() yet")
                scale.bump()
            else:
                raise ValueError(f"unknown fault {name!r}")
        if name not in ("scale_garbage", "scale_reboot", "bump"):  # the others last until cleared
            self.active_faults[name] = f

    def clear_fault(self, name: str) -> None:
        """End a lasting fault: camera back on, scale plugged back in, dead cell working again."""
        if name in ("camera_off", "camera_frozen"):
            self.camera.set_fault(None)
        elif name == "scale_unplugged":
            self._scale_for(name).replug()
        elif name == "dead_cell":
            self._scale_for(name).set_dead_cell(None)
        self.active_faults.pop(name, None)

    def clear_faults(self) -> None:
        for name in list(self.active_faults):
            self.clear_fault(name)

    def _scale_for(self, fault: str) -> Any:
        if self.scale is None:
            raise UnsupportedFault(f"{fault}: this station has no simulated scale")
        return self.scale

    # -- what is true --------------------------------------------------------------------------

    def truth(self) -> list[dict[str, Any]]:
        """The ground truth of the current camera frame: one dict per item (see render.GroundTruth)."""
        return self.camera.current_frame()[1]

    def status(self) -> dict[str, Any]:
        """Everything a tester wants to see at a glance; JSON-serialisable."""
        snap = self.scene.snapshot()
        running = self.camera.running
        return {
            "camera_url": self.camera_url if running else None,
            "snapshot_url": self.snapshot_url if running else None,
            "scale_port": self.scale_port,
            "scenario": self.scenario.name if self.scenario is not None else None,
            "scene_version": snap.version,
            "items": [
                {"item_id": i.item_id, "kind": i.kind, "ref": i.ref, "mass_g": i.mass_g, "x_mm": i.x_mm, "y_mm": i.y_mm}
                for i in snap.items
            ],
            "total_mass_g": round(snap.total_mass_g, 1),
            "faults": sorted(self.active_faults),
            "skipped_faults": list(self.skipped_faults),
        }
