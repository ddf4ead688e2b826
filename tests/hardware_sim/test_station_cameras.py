"""A three-camera station through its real HTTP servers: one MJPEG stream and one truth per view, faults per camera."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, replace

import pytest

from hardware_sim.camera_server import camera_options
from hardware_sim.render_views import render_view
from hardware_sim.scenario import Fault, find_scenario, parse_scenarios
from hardware_sim.scene import PlacedItem
from hardware_sim.station import SimStation, UnsupportedFault
from tests.hardware_sim.test_station import _diff, _read_frame

CAN = "04006381001014"
BOX = "04005001000154"
VIEW_IDS = ("top", "left", "right")


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def _truth(station: SimStation, view: str) -> dict:
    status, body = _get(station.cameras[view].url + "/truth.json")
    assert status == 200
    return json.loads(body)


@pytest.fixture
def station() -> Iterator[SimStation]:
    with SimStation(with_scale=False, fps=15, seed=4, cameras=VIEW_IDS) as s:
        yield s


def test_each_camera_has_its_own_stream(station: SimStation) -> None:
    urls = station.camera_urls
    assert list(urls) == list(VIEW_IDS) and len(set(urls.values())) == 3
    assert all(u.startswith("http://127.0.0.1:") and u.endswith("/stream.mjpg") for u in urls.values())
    assert station.camera is station.cameras["top"] and station.camera_url == urls["top"]
    assert station.status()["camera_urls"] == urls
    items = station.place(PlacedItem(0, "product", CAN, 350.0, 300, 200, 0.0, 1, "standing"))
    for view, url in urls.items():
        frame = _read_frame(url)
        expected, _ = render_view(view, items, 4, camera_options())
        assert _diff(frame, expected) < 3.0, f"{view}: the stream shows its own view of the scene"
    top, left = _read_frame(urls["top"]), _read_frame(urls["left"])
    assert _diff(top, left) > 10.0


def test_truth_per_camera_says_what_each_view_shows(station: SimStation) -> None:
    """A can under a cereal box: the top camera does not see it, the left camera does."""
    station.place(
        PlacedItem(0, "product", CAN, 350.0, 300, 200, 0.0, 1), PlacedItem(0, "product", BOX, 400.0, 390, 200, 0.0, 2)
    )
    by_camera = station.truth_by_camera()
    assert list(by_camera) == list(VIEW_IDS) and by_camera["top"] == station.truth()
    for view in VIEW_IDS:
        served = _truth(station, view)
        assert served["camera"] == view and served["items"] == json.loads(json.dumps(by_camera[view]))
        assert served["version"] == station.scene.snapshot().version
    can = {view: next(t for t in by_camera[view] if t["ref"] == CAN) for view in VIEW_IDS}
    assert can["top"]["visible_fraction"] < 0.1 < 0.3 < can["left"]["visible_fraction"]
    expected = render_view("left", station.scene.snapshot(), 4, camera_options())[1]
    assert by_camera["left"] == [asdict(t) for t in expected]


def test_a_fault_can_hit_one_camera(station: SimStation) -> None:
    station.inject("camera_off", camera="left")
    assert station.active_faults.keys() == {"camera_off:left"}
    assert _get(station.cameras["left"].snapshot_url)[0] == 503
    assert _get(station.cameras["top"].snapshot_url)[0] == 200 and _get(station.cameras["right"].snapshot_url)[0] == 200
    station.inject(Fault("camera_frozen", camera="right"))
    before = _truth(station, "right")["version"]
    station.place(PlacedItem(0, "product", CAN, 350.0, 300, 200, 0.0, 1))
    assert _truth(station, "right")["version"] == before  # frozen: still the old picture
    assert _truth(station, "top")["version"] == station.scene.snapshot().version
    station.clear_fault("camera_off:left")
    assert _get(station.cameras["left"].snapshot_url)[0] == 200
    assert station.cameras["right"].fault == "frozen"
    station.clear_faults()
    assert all(c.fault is None for c in station.cameras.values())
    assert _truth(station, "right")["version"] == station.scene.snapshot().version


def test_a_fault_without_a_camera_hits_them_all(station: SimStation) -> None:
    station.inject("camera_off")
    assert all(_get(c.snapshot_url)[0] == 503 for c in station.cameras.values())
    station.inject("camera_frozen", camera="top")
    station.clear_fault("camera_off")
    assert [c.fault for c in station.cameras.values()] == ["frozen", None, None]


def test_faults_for_a_missing_camera_are_skipped() -> None:
    station = SimStation(with_scale=False)  # only the top camera
    assert list(station.cameras) == ["top"]
    with pytest.raises(UnsupportedFault, match="no 'left' camera"):
        station.inject("camera_off", camera="left")
    with pytest.raises(ValueError, match="only camera_off and camera_frozen take a camera"):
        station.inject(Fault("dead_cell", cell=1, camera="top"))
    scenario = find_scenario("camera-off")
    one_camera = replace(scenario, faults=tuple(replace(f, camera="right") for f in scenario.faults))
    station.play(one_camera, sleep=lambda _s: None)
    assert station.active_faults == {} and station.skipped_faults[0].startswith("camera_off: this station has no")


def test_stations_refuse_unknown_or_repeated_cameras() -> None:
    with pytest.raises(KeyError, match="known are top, left, right"):
        SimStation(with_scale=False, cameras=("top", "back"))
    with pytest.raises(ValueError, match="each camera once"):
        SimStation(with_scale=False, cameras=("left", "left"))
    with pytest.raises(ValueError, match="at least one"):
        SimStation(with_scale=False, cameras=())


def _scenario_with(fault_yaml: str) -> str:
    return (
        "name: one-camera\ndescription: x\nscans: []\nplaced: []\n"
        f"faults:\n  - {fault_yaml}\nexpect:\n  verdict: recheck\n"
    )


def test_scenario_faults_may_name_a_camera() -> None:
    (scenario,) = parse_scenarios(_scenario_with("fault: camera_frozen\n    camera: left"))
    assert scenario.faults == (Fault("camera_frozen", camera="left"),)
    (old,) = parse_scenarios(_scenario_with("fault: camera_off"))
    assert old.faults == (Fault("camera_off"),) and old.faults[0].camera is None
    with pytest.raises(ValueError, match=r"faults\[0\].camera: unknown camera 'back': known are top, left, right"):
        parse_scenarios(_scenario_with("fault: camera_off\n    camera: back"))
    with pytest.raises(ValueError, match="only camera_off and camera_frozen take a camera"):
        parse_scenarios(_scenario_with("fault: dead_cell\n    cell: 1\n    camera: top"))
