"""A simulated validation unit: one scene, its camera streams and its scale on a pty.

The cameras (:mod:`hardware_sim.camera_server`, one server and MJPEG stream per view of
:data:`hardware_sim.views.VIEWS`: ``cameras=("top",)`` by default, ``("top", "left", "right")`` for the
three-camera station) and the scale (:mod:`hardware_sim.scale_device`, the weighing issue's device) all read
the same :class:`~hardware_sim.scene.Scene`, so placing a scenario's basket changes the weight and every
picture consistently. Tests use it through the pytest plugin's ``sim_station``;
testers through ``basketcheck sim station``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from hardware_sim.camera_server import CameraServer
from hardware_sim.catalog import Catalog, load_demo_catalog
from hardware_sim.render_layout import random_basket
from hardware_sim.scenario import CAMERA_FAULTS, Fault, Scenario
from hardware_sim.scenario_layout import Event, basket_items, timeline
from hardware_sim.scene import PlacedItem, Scene
from hardware_sim.views import get_view

if TYPE_CHECKING:
    from hardware_sim.scale_device import SimulatedScaleDevice


class UnsupportedFault(RuntimeError):
    """A fault this station cannot produce (no scale, or the scale cannot do it)."""


def fault_key(fault: Fault) -> str:
    """How a lasting fault is listed in :attr:`SimStation.active_faults`: its name, with ``:camera`` when it
    hits one camera only (``camera_off:left``)."""
    return fault.fault if fault.camera is None else f"{fault.fault}:{fault.camera}"


class SimStation:
    """The scene, a camera server per camera on it and (if available and wanted) a simulated scale on it.

    ``camera``/``camera_url``/``truth()`` are the top camera's (the first camera's on a station without one);
    ``cameras``, ``camera_urls`` and ``truth_by_camera()`` have every camera by id."""

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
        cameras: Sequence[str] = ("top",),
    ) -> None:
        ids = list(cameras)
        if not ids:
            raise ValueError("a station needs at least one camera")
        if len(set(ids)) != len(ids):
            raise ValueError(f"cameras {', '.join(ids)}: each camera once")
        for view in ids:
            get_view(view)  # KeyError naming the known cameras
        self.catalog = catalog if catalog is not None else load_demo_catalog()
        self.seed = seed
        self.scene = Scene()
        # A fixed camera_port is the first camera's; the others take the ports after it.
        self.cameras: dict[str, CameraServer] = {
            view: CameraServer(
                self.scene,
                host=host,
                port=camera_port + i if camera_port else 0,
                fps=fps,
                seed=seed,
                catalog=self.catalog,
                view=view,
            )
            for i, view in enumerate(ids)
        }
        self.camera = self.cameras.get("top", self.cameras[ids[0]])
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
        try:
            for camera in self.cameras.values():
                camera.start()
        except OSError:
            self.stop()
            raise
        if self.scale is not None:
            self.scale.start()
        return self

    def stop(self) -> None:
        if self.scale is not None:
            self.scale.stop()
        # Side by side: each server takes up to its poll interval (0.5 s) to notice the shutdown.
        stopping = [threading.Thread(target=camera.stop, name=f"stop-{view}") for view, camera in self.cameras.items()]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()

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
    def camera_urls(self) -> dict[str, str]:
        """Every camera's MJPEG stream URL, by camera id (``{"top": "http://…/stream.mjpg", …}``)."""
        return {view: camera.stream_url for view, camera in self.cameras.items()}

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
            elif (
                event.action == "fault_off" and event.fault is not None and fault_key(event.fault) in self.active_faults
            ):
                self.clear_fault(fault_key(event.fault))
            if on_event is not None:
                on_event(event)
        return placed

    # -- faults --------------------------------------------------------------------------------

    def inject(self, fault: Fault | str, **options: Any) -> None:
        """Start a fault by name (see :data:`hardware_sim.scenario.FAULTS`) or from a scenario. Camera faults hit
        every camera, or the one ``camera=`` (or the scenario's ``camera:``) names."""
        f = (
            fault
            if isinstance(fault, Fault)
            else Fault(fault, cell=options.get("cell"), bytes=options.get("bytes"), camera=options.get("camera"))
        )
        name = f.fault
        if f.camera is not None and name not in CAMERA_FAULTS:
            raise ValueError(f"{name}: only {' and '.join(CAMERA_FAULTS)} take a camera")
        if name in CAMERA_FAULTS:
            if f.camera is not None and f.camera not in self.cameras:
                raise UnsupportedFault(f"{name}: this station has no {f.camera!r} camera ({', '.join(self.cameras)})")
            self.active_faults[fault_key(f)] = f
            self._apply_camera_faults()
            return
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
        """End a lasting fault: camera back on, scale plugged back in, dead cell working again. ``name`` is as
        :attr:`active_faults` lists it (``camera_off``, ``camera_off:left``, ``dead_cell``…)."""
        fault = name.split(":", 1)[0]
        if fault in CAMERA_FAULTS:
            self.active_faults.pop(name, None)
            self._apply_camera_faults()
            return
        if fault == "scale_unplugged":
            self._scale_for(name).replug()
        elif fault == "dead_cell":
            self._scale_for(name).set_dead_cell(None)
        self.active_faults.pop(name, None)

    def _apply_camera_faults(self) -> None:
        """Give each camera the fault the active ones put on it: off beats frozen; none, it works."""
        for view, camera in self.cameras.items():
            hits = {
                f.fault for f in self.active_faults.values() if f.fault in CAMERA_FAULTS and f.camera in (None, view)
            }
            wanted = "off" if "camera_off" in hits else "frozen" if "camera_frozen" in hits else None
            if camera.fault != wanted:
                camera.set_fault(wanted)

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

    def truth_by_camera(self) -> dict[str, list[dict[str, Any]]]:
        """Every camera's ground truth of its current frame, by camera id: what each view shows of each item."""
        return {view: camera.current_frame()[1] for view, camera in self.cameras.items()}

    def status(self) -> dict[str, Any]:
        """Everything a tester wants to see at a glance; JSON-serialisable."""
        snap = self.scene.snapshot()
        running = self.camera.running
        return {
            "camera_url": self.camera_url if running else None,
            "camera_urls": self.camera_urls if running else {},
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
