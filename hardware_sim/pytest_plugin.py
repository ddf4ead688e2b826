"""pytest plugin for testers: fixtures that give a test a simulated validation unit to drive.

Registered through the ``pytest11`` entry point, so any project that installs basketcheck gets the
fixtures. Importing it stays light; each fixture imports what it starts.

Fixtures:

* ``sim_scene`` — an empty tray (:class:`~hardware_sim.scene.Scene`);
* ``demo_catalog`` — the demo store's catalog (:func:`hardware_sim.catalog.load_demo_catalog`);
* ``sim_scenarios`` — the shipped scenarios by name;
* ``sim_camera`` — a running MJPEG camera server on ``sim_scene`` (``.stream_url``, ``.snapshot_url``,
  ``.set_fault("off" | "frozen" | None)``);
* ``sim_station`` — a running station: its own scene, camera and (when built) scale on a pty
  (``.camera_url``, ``.scale_port``, ``.place_scenario()``, ``.play()``, ``.inject()``, ``.truth()``…);
* ``sim_station_cameras`` — the same with the top and both side cameras, each its own stream
  (``.camera_urls``, ``.truth_by_camera()``, ``.inject("camera_off", camera="left")``);
* ``place_scenario`` — ``place_scenario("honest-5")`` puts a scenario's basket on ``sim_scene`` and returns
  the placed items;
* ``ground_truth`` — ``ground_truth(scene_or_items, seed=0, camera="top")``: what a camera shows of each item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from hardware_sim.scene import PlacedItem, Scene

if TYPE_CHECKING:
    from hardware_sim.camera_server import CameraServer
    from hardware_sim.catalog import Catalog
    from hardware_sim.render import GroundTruth
    from hardware_sim.scenario import Scenario
    from hardware_sim.station import SimStation


@pytest.fixture
def sim_scene() -> Scene:
    """An empty tray: place and remove items on it; the simulated scale and camera read it."""
    return Scene()


@pytest.fixture
def demo_catalog() -> Catalog:
    """The demo store's products, as the ERP export the backend imports."""
    from hardware_sim.catalog import load_demo_catalog

    return load_demo_catalog()


@pytest.fixture
def sim_scenarios() -> dict[str, Scenario]:
    """Every shipped scenario (``hardware_sim/data/scenarios``), by name."""
    from hardware_sim.scenario import load_shipped_scenarios

    return load_shipped_scenarios()


@pytest.fixture
def sim_camera(sim_scene: Scene) -> Iterator[CameraServer]:
    """A running simulated IP camera on ``sim_scene`` (127.0.0.1, a free port); open ``.stream_url`` with
    ``cv2.VideoCapture``."""
    from hardware_sim.camera_server import CameraServer

    with CameraServer(sim_scene, fps=15) as camera:
        yield camera


@pytest.fixture
def sim_station() -> Iterator[SimStation]:
    """A running simulated station: scene, camera stream and, when the build has one, the scale on a pty."""
    from hardware_sim.station import SimStation

    station = SimStation(fps=15)
    with station:
        yield station
        station.clear_faults()


@pytest.fixture
def sim_station_cameras() -> Iterator[SimStation]:
    """A running simulated station with three cameras (``top``, ``left``, ``right``) and, when built, the scale."""
    from hardware_sim.station import SimStation

    station = SimStation(fps=15, cameras=("top", "left", "right"))
    with station:
        yield station
        station.clear_faults()


@pytest.fixture
def place_scenario(sim_scene: Scene) -> Callable[..., list[PlacedItem]]:
    """``place_scenario(name_or_scenario, scene=sim_scene, late_items=True)``: clear the scene and put the
    scenario's basket on it; returns the placed items (with the scene's ids)."""
    from hardware_sim.scenario import find_scenario
    from hardware_sim.scenario_layout import basket_items

    def place(scenario: str | Scenario, scene: Scene | None = None, late_items: bool = True) -> list[PlacedItem]:
        s = find_scenario(scenario) if isinstance(scenario, str) else scenario
        target = scene if scene is not None else sim_scene
        items = [item for at_s, item in basket_items(s) if late_items or at_s == 0.0]
        target.clear()
        return target.place(*items)

    return place


@pytest.fixture
def ground_truth() -> Callable[..., list[GroundTruth]]:
    """``ground_truth(scene_or_items, seed=0, camera="top")``: per item, its box, visible box and visible
    fraction in that camera's picture (a clean render: the boxes do not depend on lighting or noise)."""
    from hardware_sim.render import CLEAN
    from hardware_sim.render_views import render_view

    def truth(source: Any, seed: int = 0, camera: str = "top") -> list[GroundTruth]:
        if isinstance(source, Scene):
            source = source.snapshot()
        return render_view(camera, source, seed, CLEAN)[1]

    return truth
