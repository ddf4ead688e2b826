"""The tester's fixtures, used the way a tester would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import cv2

from hardware_sim.camera_server import CameraServer
from hardware_sim.catalog import Catalog
from hardware_sim.scene import Scene


def test_catalog_and_scenarios(demo_catalog: Catalog, sim_scenarios: dict[str, Any]) -> None:
    assert len(demo_catalog) >= 40
    assert "honest-1" in sim_scenarios


def test_place_a_scenario_and_read_its_truth(
    sim_scene: Scene, place_scenario: Callable[..., Any], ground_truth: Callable[..., Any]
) -> None:
    items = place_scenario("personal-items")
    assert len(sim_scene.snapshot().items) == len(items) == 7
    truth = ground_truth(sim_scene)
    assert {t.kind for t in truth} == {"basket", "product", "distractor"}
    assert all(0.0 <= t.visible_fraction <= 1.0 for t in truth)


def test_ground_truth_per_camera(
    sim_scene: Scene, place_scenario: Callable[..., Any], ground_truth: Callable[..., Any]
) -> None:
    place_scenario("honest-1")
    top, left = ground_truth(sim_scene), ground_truth(sim_scene, camera="left")
    assert [t.item_id for t in top] == [t.item_id for t in left]
    assert [t.box for t in top] != [t.box for t in left]


def test_sim_station_cameras_streams_every_view(sim_station_cameras: Any) -> None:
    assert list(sim_station_cameras.camera_urls) == ["top", "left", "right"]
    cap = cv2.VideoCapture(sim_station_cameras.camera_urls["right"], cv2.CAP_FFMPEG)
    ok, frame = cap.read()
    cap.release()
    assert ok and frame.shape == (720, 1280, 3)


def test_sim_camera_streams_the_scene(sim_camera: CameraServer, place_scenario: Callable[..., Any]) -> None:
    place_scenario("honest-1")
    cap = cv2.VideoCapture(sim_camera.stream_url, cv2.CAP_FFMPEG)
    ok, frame = cap.read()
    cap.release()
    assert ok and frame.shape == (720, 1280, 3)


def test_plugin_import_is_light() -> None:
    code = "import sys, hardware_sim.pytest_plugin; print(','.join(m for m in ('numpy', 'cv2') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""
