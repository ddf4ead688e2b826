"""The simulated station end to end: a basket goes on the tray; the camera and the scale both see it."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from hardware_sim.camera_server import camera_options
from hardware_sim.render import render
from hardware_sim.scenario import find_scenario
from hardware_sim.station import SimStation, UnsupportedFault


def _read_frame(url: str) -> np.ndarray:
    cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG)
    try:
        assert cap.isOpened(), url
        ok, frame = cap.read()
        assert ok
        return frame
    finally:
        cap.release()


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    """Mean difference of the pictures, blurred: JPEG drops sensor noise, and that is not a difference."""
    a, b = cv2.GaussianBlur(a, (0, 0), 2), cv2.GaussianBlur(b, (0, 0), 2)
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_camera_shows_the_placed_scenario(sim_station: SimStation) -> None:
    items = sim_station.place_scenario(find_scenario("honest-5"))
    assert len(items) == 6  # basket + five products
    frame = _read_frame(sim_station.camera_url)
    expected, _ = render(sim_station.scene.snapshot(), sim_station.seed, camera_options())
    assert _diff(frame, expected) < 2.0
    assert {t["item_id"] for t in sim_station.truth()} == {i.item_id for i in items}
    status = sim_station.status()
    assert status["scenario"] == "honest-5"
    assert status["total_mass_g"] == pytest.approx(sum(i.mass_g for i in items), abs=0.2)


def test_scale_and_camera_agree_on_the_basket(sim_station: SimStation) -> None:
    from firmware_bridge.scale import open_scale

    assert sim_station.scale_port is not None
    with open_scale(sim_station.scale_port) as scale:
        empty = scale.wait_stable(10)
        assert empty.grams == pytest.approx(0, abs=5)
        items = sim_station.place_scenario(find_scenario("honest-produce-by-weight"))
        true_mass = sum(i.mass_g for i in items)
        reading = scale.wait_for(lambda r: r.stable and (r.grams or 0) > true_mass / 2, 10)
        assert reading.grams == pytest.approx(true_mass, abs=10)  # within 2 e of 5 g
        # The scale's centre of load is where the camera sees the mass.
        cx = sum(i.mass_g * i.x_mm for i in items) / true_mass
        cy = sum(i.mass_g * i.y_mm for i in items) / true_mass
        assert reading.centre_mm is not None
        assert reading.centre_mm == pytest.approx((cx, cy), abs=15)
        truth = sim_station.truth()
        assert sorted(t["ref"] for t in truth if t["kind"] == "product") == sorted(
            i.ref for i in items if i.kind == "product"
        )


def test_scale_faults_are_injected_and_cleared(sim_station: SimStation) -> None:
    sim_station.inject("scale_unplugged")
    assert sim_station.status()["faults"] == ["scale_unplugged"]
    sim_station.clear_fault("scale_unplugged")
    sim_station.inject("scale_garbage", bytes=32)
    sim_station.inject("bump")  # momentary: not listed as a lasting fault
    sim_station.inject("dead_cell", cell=1)
    assert sim_station.status()["faults"] == ["dead_cell"]
    sim_station.clear_faults()
    assert sim_station.status()["faults"] == []


def test_camera_faults_through_the_station(sim_station: SimStation) -> None:
    sim_station.inject("camera_off")
    cap = cv2.VideoCapture(sim_station.camera_url, cv2.CAP_FFMPEG)
    assert not cap.isOpened()
    cap.release()
    sim_station.clear_fault("camera_off")
    assert _read_frame(sim_station.camera_url).shape == (720, 1280, 3)


def test_play_follows_the_timeline() -> None:
    station = SimStation(with_scale=False)  # not started: play only needs the scene and the camera object
    waits: list[float] = []
    events: list[str] = []
    placed = station.play(
        find_scenario("late-item"), speed=10.0, sleep=waits.append, on_event=lambda e: events.append(e.action)
    )
    assert events == ["place", "place"]
    assert waits == [pytest.approx(0.1)]
    assert len(placed) == 4 and len(station.scene.snapshot().items) == 4


def test_scale_faults_without_a_scale_are_refused() -> None:
    station = SimStation(with_scale=False)
    assert station.scale_port is None
    with pytest.raises(UnsupportedFault, match="no simulated scale"):
        station.inject("scale_unplugged")
    station.inject("camera_frozen")
    assert station.active_faults.keys() == {"camera_frozen"}


def test_random_basket_and_clear() -> None:
    station = SimStation(with_scale=False)
    items = station.place_random(7, n_products=4, n_distractors=1)
    assert sum(1 for i in items if i.kind == "product") == 4
    station.clear()
    assert station.scene.snapshot().items == ()


def test_plays_in_real_time_by_default() -> None:
    station = SimStation(with_scale=False)
    started = time.monotonic()
    station.play(find_scenario("honest-1"))
    assert time.monotonic() - started < 1.0  # nothing to wait for: everything arrives at 0 s


def test_play_skips_faults_the_station_cannot_produce() -> None:
    station = SimStation(with_scale=False)
    station.play(find_scenario("scale-unplugged"), sleep=lambda _s: None)
    assert station.skipped_faults == ["scale_unplugged: this station has no simulated scale"]
    assert station.active_faults == {}
    station.play(find_scenario("camera-off"), sleep=lambda _s: None)
    assert station.active_faults.keys() == {"camera_off"} and station.skipped_faults == []
