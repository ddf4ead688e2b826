"""The simulated IP camera, opened the way the validation unit opens a real one: cv2.VideoCapture(url)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import cv2
import numpy as np
import pytest

from hardware_sim.camera_server import CameraServer, camera_options
from hardware_sim.render import render
from hardware_sim.render_layout import random_basket
from hardware_sim.scene import Scene


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return bytes(response.read())


def _decode(jpeg: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    """Mean difference of the pictures, blurred: JPEG drops sensor noise, and that is not a difference."""
    a, b = cv2.GaussianBlur(a, (0, 0), 2), cv2.GaussianBlur(b, (0, 0), 2)
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


@pytest.fixture
def scene() -> Scene:
    s = Scene()
    s.place(*random_basket(3, n_products=6))
    return s


def test_videocapture_sees_the_scene(scene: Scene) -> None:
    with CameraServer(scene, fps=20, seed=5) as camera:
        assert camera.stream_url.startswith("http://127.0.0.1:") and camera.stream_url.endswith("/stream.mjpg")
        cap = cv2.VideoCapture(camera.stream_url, cv2.CAP_FFMPEG)
        try:
            assert cap.isOpened()
            ok, frame = cap.read()
            assert ok and frame.shape == (720, 1280, 3)
            expected, _ = render(scene.snapshot(), 5, camera_options())
            assert _diff(frame, expected) < 3.0, "the stream shows the scene, give or take JPEG"
            empty, _ = render(Scene().snapshot(), 5, camera_options())
            assert _diff(frame, empty) > 10.0
            scene.clear()
            for _ in range(40):  # the change shows within a few frames
                ok, frame = cap.read()
                assert ok
                if _diff(frame, empty) < 3.0:
                    break
            assert _diff(frame, empty) < 3.0
        finally:
            cap.release()


def test_snapshot_and_truth_follow_the_scene(scene: Scene) -> None:
    with CameraServer(scene, seed=2) as camera:
        snap = _decode(_get(camera.snapshot_url))
        assert snap.shape == (720, 1280, 3)
        truth = json.loads(_get(f"{camera.url}/truth.json"))
        assert truth["version"] == scene.snapshot().version
        assert sorted(t["item_id"] for t in truth["items"]) == sorted(i.item_id for i in scene.snapshot().items)
        assert b"stream.mjpg" in _get(camera.url + "/")
        with pytest.raises(urllib.error.HTTPError) as info:
            _get(camera.url + "/nope")
        assert info.value.code == 404


def test_camera_off_cuts_the_stream_and_refuses_requests(scene: Scene) -> None:
    with CameraServer(scene) as camera:
        camera.set_fault("off")
        with pytest.raises(urllib.error.HTTPError) as info:
            _get(camera.snapshot_url)
        assert info.value.code == 503
        cap = cv2.VideoCapture(camera.stream_url, cv2.CAP_FFMPEG)
        assert not cap.isOpened()
        cap.release()
        camera.set_fault(None)
        assert _decode(_get(camera.snapshot_url)) is not None


def test_frozen_camera_keeps_showing_the_old_picture(scene: Scene) -> None:
    with CameraServer(scene) as camera:
        before = _get(camera.snapshot_url)
        camera.set_fault("frozen")
        scene.clear()
        assert _get(camera.snapshot_url) == before
        camera.set_fault(None)
        assert _get(camera.snapshot_url) != before


def test_renders_only_when_the_scene_changes(scene: Scene) -> None:
    camera = CameraServer(scene)
    camera.current_jpeg()
    camera.current_jpeg()
    assert camera.frames_rendered == 1
    scene.clear()
    camera.current_jpeg()
    assert camera.frames_rendered == 2


def test_unknown_fault_and_url_before_start() -> None:
    camera = CameraServer(Scene())
    with pytest.raises(ValueError, match="unknown camera fault"):
        camera.set_fault("smoke")
    with pytest.raises(RuntimeError, match="start"):
        _ = camera.url
    camera.stop()  # stopping a camera that never started is harmless
