"""Looking ahead: detections made while the scale settles are kept only when the settled picture shows the
same scene (pure picture comparison, and the station's choice with in-memory cameras, each on its own)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import numpy as np

from validation_unit.camera import Frame, same_scene
from validation_unit.state_machine import Phase
from validation_unit.station import LOOK_AHEAD_S, Station


def tray(seed: int = 0, item: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    picture = np.full((480, 640, 3), 120, np.uint8)
    picture[100:300, 150:450] = (30, 60, 200)  # the basket
    noise = rng.integers(-3, 4, picture.shape)  # sensor noise and JPEG: a few grey levels per pixel
    picture = np.clip(picture.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    if item:
        picture[320:345, 500:570] = (240, 240, 240)  # a chewing-gum pack (70 x 25 px) put next to the basket
    return picture


def test_the_same_scene_with_noise_is_the_same() -> None:
    assert same_scene(tray(1), tray(2))


def test_a_small_item_added_is_another_scene() -> None:
    assert not same_scene(tray(1), tray(2, item=True))
    assert not same_scene(tray(1), tray(1)[:240])  # another camera mode: never the same


class ListCamera:
    """The camera interface over a list of frames (time → picture), appended by the test as time passes."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.problem = ""
        self._cond = threading.Condition()

    def add(self, picture: np.ndarray) -> float:
        with self._cond:
            at = time.monotonic()
            self.frames.append(Frame(picture, at))
            self._cond.notify_all()
            return at

    def frame_before(self, t: float) -> Frame | None:
        older = [f for f in self.frames if f.at < t]
        return older[-1] if older else None

    def frame_after(self, t: float, timeout: float) -> Frame | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for f in self.frames:
                    if f.at > t:
                        return f
                if time.monotonic() >= deadline:
                    return None
                self._cond.wait(deadline - time.monotonic())


class CountingDetector:
    def __init__(self) -> None:
        self.pictures: list[np.ndarray] = []

    def __call__(self, bgr: np.ndarray) -> Any:
        self.pictures.append(bgr)
        return SimpleNamespace(names=[], xyxy=[], confidence=[], class_id=[], gtin14=[])


def settle(changed: bool) -> tuple[Station, CountingDetector, bool, np.ndarray]:
    camera, detector = ListCamera(), CountingDetector()
    station = Station(scale=None, camera=camera, detector=detector, source=None, unit_id="u1")  # type: ignore[arg-type]
    camera.add(np.full((480, 640, 3), 120, np.uint8))  # the empty tray
    time.sleep(0.02)
    arrived = time.monotonic()
    station.machine.phase, station.machine.arrived_at, station.machine.landed_at = Phase.SETTLING, arrived, arrived
    station._look_ahead()
    time.sleep(LOOK_AHEAD_S + 0.02)
    early = tray(1)
    camera.add(early)
    deadline = time.monotonic() + 5
    while not detector.pictures and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.08)  # the scale settles a while later; the picture the decision rests on is the one after that
    stable_at = camera.add(tray(2, item=changed))
    looks, looked_ahead = station._look_settled(stable_at, arrived, arrived)
    station.stop()
    frame = looks["top"].frame
    assert frame is not None
    return station, detector, looked_ahead, frame


def test_detections_made_while_settling_are_kept_for_the_same_scene() -> None:
    _station, detector, looked_ahead, frame = settle(changed=False)
    assert looked_ahead and len(detector.pictures) == 1
    assert frame is detector.pictures[0]  # the evidence is the picture the detections are of


def test_a_changed_scene_is_looked_at_again() -> None:
    _station, detector, looked_ahead, frame = settle(changed=True)
    assert not looked_ahead and len(detector.pictures) == 2
    assert same_scene(frame, tray(2, item=True))


def test_each_camera_keeps_its_early_look_only_for_its_own_unchanged_scene() -> None:
    top, left, detector = ListCamera(), ListCamera(), CountingDetector()
    station = Station(scale=None, cameras={"top": top, "left": left}, detector=detector, source=None, unit_id="u1")  # type: ignore[arg-type, dict-item]
    for camera in (top, left):
        camera.add(np.full((480, 640, 3), 120, np.uint8))  # the empty tray
    time.sleep(0.02)
    arrived = time.monotonic()
    station.machine.phase, station.machine.arrived_at, station.machine.landed_at = Phase.SETTLING, arrived, arrived
    station._look_ahead()
    time.sleep(LOOK_AHEAD_S + 0.02)
    early_top, early_left = tray(1), tray(3)
    top.add(early_top)
    left.add(early_left)
    deadline = time.monotonic() + 5
    while len(detector.pictures) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.08)
    stable_at = top.add(tray(2))  # the same scene for the top camera
    left.add(tray(4, item=True))  # the left camera sees a pack put in at the last moment
    looks, looked_ahead = station._look_settled(stable_at, arrived, arrived)
    station.stop()
    assert not looked_ahead  # the left view had to be looked at again
    assert looks["top"].frame is early_top and looks["top"].early  # kept: the detections are of this picture
    assert not looks["left"].early
    assert same_scene(looks["left"].frame, tray(4, item=True))  # type: ignore[arg-type]
    assert [id(p) for p in detector.pictures[:2]] == [id(early_top), id(early_left)] and len(detector.pictures) == 3
