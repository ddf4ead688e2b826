"""A station reading three real MJPEG streams (the simulator's camera server, opened with cv2.VideoCapture as a
store's IP cameras are), one of them off: the decision rests on the two others, and says so."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest

from firmware_bridge.reading import Reading
from hardware_sim.camera_server import CameraServer
from hardware_sim.catalog import load_demo_catalog
from hardware_sim.scene import PlacedItem, Scene
from tests.validation_unit.test_station_cameras import NoScale, Source
from validation_unit.basket import ExpectedBasket, ExpectedLine
from validation_unit.camera import Camera, quiet_opencv
from validation_unit.state_machine import Capture
from validation_unit.station import Station
from vision.detections import Detections


@pytest.fixture
def streams() -> Iterator[tuple[Scene, dict[str, CameraServer], dict[str, Camera]]]:
    quiet_opencv()
    scene = Scene()
    servers = {name: CameraServer(scene, fps=10.0, seed=i) for i, name in enumerate(("top", "left", "right"))}
    for server in servers.values():
        server.start()
    servers["left"].set_fault("off")
    cameras = {name: Camera(server.stream_url, name=name, reconnect_s=5.0) for name, server in servers.items()}
    for camera in cameras.values():
        camera.start()
    try:
        yield scene, servers, cameras
    finally:
        for camera in cameras.values():
            camera.stop()
        for server in servers.values():
            server.stop()


def test_one_stream_off_the_others_decide(streams: tuple[Scene, dict[str, CameraServer], dict[str, Camera]]) -> None:
    scene, _servers, cameras = streams
    for name in ("top", "right"):
        assert cameras[name].frame_after(0.0, 10.0) is not None, cameras[name].problem
    product = next(p for p in load_demo_catalog() if not p.by_weight)
    seen_by: list[int] = []

    def detector(bgr: np.ndarray) -> Detections:  # every view sees the one product in the middle
        seen_by.append(id(bgr))
        h, w = bgr.shape[:2]
        box = [[w * 0.4, h * 0.4, w * 0.6, h * 0.6]]
        return Detections(np.array(box, np.float32), np.array([0.95]), np.array([0]), (product.gtin14,), names=("x",))

    expected = ExpectedBasket(
        "trip1", 1, (ExpectedLine(product.gtin14, product.name, 1, product.weight_mean_g, product.weight_sd_g),)
    )
    source = Source(expected)
    station = Station(scale=NoScale(), cameras=cameras, detector=detector, source=source, unit_id="u1")  # type: ignore[arg-type]
    time.sleep(0.4)  # the empty tray on the streams: the "before" picture of the frozen check
    m = station.machine
    m.reading(Reading(time.monotonic() - 1.0, 0.0, True))
    m.trip(True)
    grams = round(product.weight_mean_g)
    scene.place(PlacedItem(1, "product", product.gtin14, float(grams), 300.0, 200.0))
    arrived = time.monotonic()
    m.reading(Reading(arrived, grams * 0.7, False))
    m.reading(Reading(arrived + 0.1, grams * 1.05, False))
    time.sleep(0.3)
    (capture,) = m.reading(Reading(time.monotonic(), float(grams), True))
    assert isinstance(capture, Capture)
    started = time.monotonic()
    station._run([capture])
    waited = time.monotonic() - started
    outcome = station.last_outcome
    assert outcome is not None
    station._commit(outcome.attempt)
    station.stop()
    decision = outcome.decision
    assert decision.kind == "PASS", decision.explanation
    assert decision.seen == {product.gtin14: 1} and not decision.weight_only  # seen twice, counted once
    assert "camera left" in decision.explanation and "views top, right" in decision.explanation
    assert len(seen_by) == 2 and waited < station.frame_timeout_s  # the camera that is off was not waited for
    document, attachments = source.submitted[0]
    assert {"photo", "photo_annotated", "photo_right"} <= set(attachments) and "photo_left" not in attachments
    assert [(v["camera"], v["attachment"], v["ok"]) for v in document["views"]] == [
        ("top", "photo", True),
        ("left", None, False),
        ("right", "photo_right", True),
    ]
    assert {d["camera"] for d in document["detections"]} == {"top", "right"}
    health = station.health()
    assert health["cameras"]["top"] == health["cameras"]["right"] == "ok"
    assert "cannot open camera" in health["cameras"]["left"] and health["camera"].startswith("left: ")


def test_the_side_cameras_real_streams_find_what_the_top_cannot_see() -> None:
    """The simulator's three views as MJPEG streams: a can lies under a cereal box, so the top camera sees almost
    none of it and the left camera sees its end. Detections made from each view's own ground truth (a perfect
    detector per view) are merged through the views' tray homographies: the box, seen in all three views,
    counts once; the can, seen from the side only, is the unscanned item, and its reason points at the left
    camera's photo."""
    from validation_unit.basket import UNSCANNED_ITEM
    from validation_unit.bench import VISIBLE_ENOUGH, _products, _sim_geometry

    quiet_opencv()
    catalog = load_demo_catalog()
    can, box = catalog.get("04006381001014"), catalog.get("04005001000154")
    scene = Scene()
    views = ("top", "left", "right")
    servers = {v: CameraServer(scene, fps=10.0, seed=i, view=v) for i, v in enumerate(views)}
    for server in servers.values():
        server.start()
    cameras = {v: Camera(server.stream_url, name=v) for v, server in servers.items()}
    for camera in cameras.values():
        camera.start()
    geometry = _sim_geometry({v: server.stream_url for v, server in servers.items()})

    def per_view(bgr: np.ndarray, camera: str) -> Detections:  # what each view really shows (≥ 30 % visible)
        rows = [t for t in servers[camera].current_frame()[1] if t["visible_fraction"] >= VISIBLE_ENOUGH]
        boxes = np.array([t["visible_box"] for t in rows], np.float32).reshape(-1, 4)
        gtins = tuple(t["ref"] for t in rows)
        return Detections(boxes, np.full(len(rows), 0.95), np.arange(len(rows)), gtins, names=gtins, camera=camera)

    try:
        for camera in cameras.values():
            assert camera.frame_after(0.0, 10.0) is not None, camera.problem
        expected = ExpectedBasket(
            "trip1", 1, (ExpectedLine(box.gtin14, box.name, 1, box.weight_mean_g, box.weight_sd_g),)
        )
        source = Source(expected)
        station = Station(
            scale=NoScale(),  # type: ignore[arg-type]
            cameras=cameras,
            geometry=geometry,
            detector=per_view,
            source=source,
            unit_id="u1",
            products=_products(catalog),  # the catalog's weights: what an unscanned item weighs
        )
        time.sleep(0.4)  # the empty tray: the frozen check's "before" picture
        m = station.machine
        m.reading(Reading(time.monotonic() - 1.0, 0.0, True))
        m.trip(True)
        grams = round(can.weight_mean_g + box.weight_mean_g)
        scene.place(
            PlacedItem(1, "product", can.gtin14, can.weight_mean_g, 300.0, 200.0, z=1),
            PlacedItem(2, "product", box.gtin14, box.weight_mean_g, 390.0, 200.0, z=2),
        )
        truth = {v: {t["ref"]: t["visible_fraction"] for t in s.current_frame()[1]} for v, s in servers.items()}
        assert truth["top"][can.gtin14] < VISIBLE_ENOUGH <= truth["left"][can.gtin14]  # the scene is as described
        arrived = time.monotonic()
        m.reading(Reading(arrived, grams * 0.7, False))
        time.sleep(0.3)
        (capture,) = m.reading(Reading(time.monotonic(), float(grams), True))
        assert isinstance(capture, Capture)
        station._run([capture])
        outcome = station.last_outcome
        assert outcome is not None
        station.stop()
    finally:
        for camera in cameras.values():
            camera.stop()
        for server in servers.values():
            server.stop()
    decision = outcome.decision
    assert decision.seen == {box.gtin14: 1, can.gtin14: 1}, decision.explanation  # each item once
    assert decision.kind == "RECHECK" and decision.reasons[0].code == UNSCANNED_ITEM, (
        decision.reasons,
        decision.explanation,
        decision.seen,
    )
    assert decision.reasons[0].gtin14 == can.gtin14 and decision.reasons[0].camera == "left"
    document, attachments = source.submitted[0]
    assert {"photo", "photo_left", "photo_right"} <= set(attachments)
    assert [v["ok"] for v in document["views"]] == [True, True, True]
