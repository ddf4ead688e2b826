"""A station with several cameras (in-memory pictures on a made-up timeline, a detector that knows what each
picture shows): every view is looked at, an item seen in several views counts once, a camera down leaves the
decision to the others and the explanation says so, and the evidence keeps every view."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from firmware_bridge.reading import Reading
from validation_unit.basket import CAMERA_UNAVAILABLE, UNSCANNED_ITEM, ExpectedBasket, ExpectedLine, SeenObject
from validation_unit.camera import Frame
from validation_unit.state_machine import Capture, Phase
from validation_unit.station import Outcome, Station
from validation_unit.views import ViewGeometry
from vision.detections import Detections

COLA, CHIPS = "04006381001014", "04012345000018"
NAMES = ("cola", "chips")
TOP = ((2.0, 0.0, 40.0), (0.0, 2.0, 30.0), (0.0, 0.0, 1.0))  # tray mm → pixels
LEFT = ((1.5, 0.3, 100.0), (0.1, 1.2, 50.0), (0.0002, 0.0005, 1.0))
RIGHT = ((-1.4, 0.2, 1200.0), (0.05, 1.1, 80.0), (-0.0003, 0.0004, 1.0))
GEOMETRY = {"top": ViewGeometry(TOP, "centre"), "left": ViewGeometry(LEFT), "right": ViewGeometry(RIGHT)}


class TimelineCamera:
    """The camera interface over pictures at given moments; ``down`` makes it a camera that delivers nothing."""

    def __init__(self, problem: str = "") -> None:
        self.frames: list[Frame] = []
        self.problem = problem

    @property
    def ok(self) -> bool:
        return not self.problem

    def add(self, picture: np.ndarray, at: float) -> None:
        self.frames.append(Frame(picture, at))

    def frame_before(self, t: float) -> Frame | None:
        older = [f for f in self.frames if f.at < t]
        return older[-1] if older else None

    def frame_after(self, t: float, timeout: float) -> Frame | None:
        return next((f for f in self.frames if f.at > t), None)


class KnowingDetector:
    """Says for each picture what it shows (by the picture's identity); counts its calls."""

    def __init__(self) -> None:
        self.shows: dict[int, list[tuple[str, tuple[float, float, float, float], float]]] = {}
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, bgr: np.ndarray) -> Detections:
        with self.lock:
            self.calls += 1
        items = self.shows.get(id(bgr), [])
        return Detections(
            np.array([box for _g, box, _c in items], np.float32).reshape(-1, 4),
            np.array([c for _g, _b, c in items], np.float32),
            np.array([NAMES.index("cola" if g == COLA else "chips") for g, _b, _c in items], np.int64),
            tuple(g for g, _b, _c in items),
            names=NAMES,
        )


class NoScale:
    """The station reads the scale only for its health here (the test feeds the readings to its machine)."""

    def latest(self) -> None:
        return None


class Source:
    def __init__(self, expected: ExpectedBasket) -> None:
        self.expected = expected
        self.submitted: list[tuple[dict[str, Any], dict[str, tuple[str, bytes]]]] = []

    def current(self) -> ExpectedBasket:
        return self.expected

    def bind_qr(self) -> None:
        return None

    def submit(self, document: dict[str, Any], attachments: dict[str, tuple[str, bytes]]) -> None:
        self.submitted.append((document, attachments))

    def heartbeat(self, state: str, health: dict[str, Any]) -> None:
        pass


def box(h: tuple[tuple[float, ...], ...], x: float, y: float, anchor: str) -> tuple[float, float, float, float]:
    u, v, w = np.asarray(h) @ np.array([x, y, 1.0])
    u, v = u / w, v / w
    return (u - 30, v - 40, u + 30, v + 40) if anchor == "centre" else (u - 30, v - 80, u + 30, v)


def picture(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (480, 640, 3), dtype=np.uint8)


PLACES = {"top": (TOP, "centre"), "left": (LEFT, "bottom"), "right": (RIGHT, "bottom")}


def decide_once(
    views: dict[str, list[tuple[str, float, float]]],
    *,
    down: tuple[str, ...] = (),
    frozen: tuple[str, ...] = (),
    scanned: int = 2,
    grams: float = 690.0,
    geometry: dict[str, ViewGeometry] | None = GEOMETRY,
    evidence_only: tuple[str, ...] = (),
) -> tuple[Outcome, Station, KnowingDetector, Source]:
    """A basket of ``grams`` on the bare tray, cans (345 g each) of which ``scanned`` were scanned; ``views`` says
    which camera sees which item (GTIN, tray x, y mm). Returns the outcome after the verdict was committed."""
    now = time.monotonic()
    detector = KnowingDetector()
    cameras: dict[str, TimelineCamera] = {}
    for i, (camera_id, items) in enumerate(views.items()):
        camera = cameras[camera_id] = TimelineCamera("camera stopped delivering frames" if camera_id in down else "")
        if camera_id in down:
            continue
        empty = np.full((480, 640, 3), 120, np.uint8)
        camera.add(empty, now - 1.0)
        loaded = empty.copy() if camera_id in frozen else picture(i)
        camera.add(loaded, now + 0.55)
        h, anchor = PLACES[camera_id]
        detector.shows[id(loaded)] = [(g, box(h, x, y, anchor), 0.9) for g, x, y in items]
    expected = ExpectedBasket("trip1", 1, (ExpectedLine(COLA, "Cola can", scanned, 345.0, 2.0),))
    source = Source(expected)
    station = Station(
        scale=NoScale(),  # type: ignore[arg-type]
        cameras=cameras,  # type: ignore[arg-type]
        geometry=geometry,
        detector=detector,
        source=source,
        unit_id="u1",
        products={},
        evidence_only=evidence_only,
    )
    m = station.machine
    m.reading(Reading(now - 1.0, 0.0, True))
    m.trip(True)
    assert m.reading(Reading(now, grams * 0.6, False)) == []
    assert m.reading(Reading(now + 0.2, grams * 1.1, False)) == []
    (capture,) = m.reading(Reading(now + 0.5, grams, True))
    assert isinstance(capture, Capture) and m.phase is Phase.CAPTURE
    station._run([capture])
    outcome = station.last_outcome
    assert outcome is not None
    station._commit(outcome.attempt)
    station.stop()
    return outcome, station, detector, source


def test_a_can_seen_by_three_cameras_counts_once() -> None:
    views = {
        "top": [(COLA, 100, 100), (COLA, 250, 160)],
        "left": [(COLA, 103, 98)],  # the second can hides behind the first for the left camera
        "right": [(COLA, 98, 104), (COLA, 247, 163)],
    }
    outcome, station, detector, source = decide_once(views)
    assert outcome.decision.kind == "PASS", outcome.decision.explanation
    assert outcome.decision.seen == {COLA: 2}  # five boxes, two cans: never summed
    assert detector.calls == 3  # one detector, every view
    assert [v.camera for v in outcome.views] == ["top", "left", "right"]
    document, attachments = source.submitted[0]
    assert set(attachments) == {"photo", "photo_annotated", "photo_left", "photo_right", "weight_trace"}
    assert [d["camera"] for d in document["detections"]] == ["top", "top", "left", "right", "right"]
    assert [(v["camera"], v["attachment"], v["ok"]) for v in document["views"]] == [
        ("top", "photo", True),
        ("left", "photo_left", True),
        ("right", "photo_right", True),
    ]
    assert "Not every camera" not in outcome.decision.explanation
    assert station.health()["cameras"] == {"top": "ok", "left": "ok", "right": "ok"}
    assert station.health()["camera"] == "ok"


def test_without_homographies_the_view_that_saw_most_counts() -> None:
    views = {"top": [(COLA, 100, 100)], "left": [(COLA, 103, 98), (COLA, 250, 160)], "right": [(COLA, 98, 104)]}
    outcome, *_ = decide_once(views, geometry=None)
    assert outcome.decision.seen == {COLA: 2} and outcome.decision.kind == "PASS"


@pytest.mark.parametrize("how", ["down", "frozen"])
def test_one_camera_down_decides_on_the_others_and_says_so(how: str) -> None:
    views = {"top": [(COLA, 100, 100), (COLA, 250, 160)], "left": [(COLA, 103, 98)], "right": [(COLA, 247, 163)]}
    options = {"down": ("left",)} if how == "down" else {"frozen": ("left",)}
    outcome, station, detector, source = decide_once(views, **options)  # type: ignore[arg-type]
    decision = outcome.decision
    assert decision.kind == "PASS" and not decision.weight_only and CAMERA_UNAVAILABLE not in decision.codes
    assert decision.seen == {COLA: 2}
    assert "camera left" in decision.explanation and "views top, right" in decision.explanation
    document, attachments = source.submitted[0]
    left = document["views"][1]
    assert left["camera"] == "left" and not left["ok"] and left["problem"]
    if how == "down":
        assert left["attachment"] is None and "photo_left" not in attachments
        assert station.health()["cameras"]["left"] == "camera stopped delivering frames"
        assert station.health()["camera"] == "left: camera stopped delivering frames"
    else:  # the frozen picture is kept as evidence
        assert left["attachment"] == "photo_left" and "frozen" in left["problem"]
    assert detector.calls == 2


def test_all_cameras_down_decides_on_the_weight_alone() -> None:
    views: dict[str, list[tuple[str, float, float]]] = {"top": [(COLA, 100, 100)], "left": [(COLA, 100, 100)]}
    outcome, _station, _detector, source = decide_once(views, down=("top", "left"), scanned=1, grams=345.0)
    assert outcome.decision.weight_only and CAMERA_UNAVAILABLE in outcome.decision.codes
    document, attachments = source.submitted[0]
    assert [v["attachment"] for v in document["views"]] == [None, None]
    assert set(attachments) == {"weight_trace"}


def test_an_item_only_a_side_camera_sees_is_pointed_at_in_that_view() -> None:
    views = {
        "top": [(COLA, 100, 100), (COLA, 250, 160)],
        "left": [(COLA, 103, 98), (CHIPS, 300, 60)],  # chips under the cans' shadow: only the left camera sees them
        "right": [(COLA, 247, 163)],
    }
    outcome, *_ = decide_once(views, grams=690.0 + 150.0)
    decision = outcome.decision
    assert UNSCANNED_ITEM in decision.codes, decision.explanation
    (reason,) = [r for r in decision.reasons if r.code == UNSCANNED_ITEM]
    assert reason.gtin14 == CHIPS and reason.camera == "left"
    left = next(v for v in outcome.views if v.camera == "left")
    assert outcome.picture("left") is left.frame is not outcome.frame  # the shopper's crop comes from that view


def test_the_one_camera_station_still_works() -> None:
    camera = TimelineCamera()
    station = Station(scale=NoScale(), camera=camera, detector=None, source=None, unit_id="u1")  # type: ignore[arg-type]
    assert list(station.cameras) == ["top"] and station.camera is camera
    assert station.health()["camera"] == "ok" and station.health()["cameras"] == {"top": "ok"}
    bare = Station(scale=NoScale(), camera=None, detector=None, source=None, unit_id="u1")  # type: ignore[arg-type]
    assert bare.health()["camera"] == "none" and bare.health()["cameras"] == {}
    with pytest.raises(ValueError, match="not both"):
        Station(scale=None, camera=camera, cameras={"top": camera}, detector=None, source=None, unit_id="u")  # type: ignore[arg-type, dict-item]
    for s in (station, bare):
        s.stop()


def test_detections_say_which_camera_they_come_from() -> None:
    d = Detections(np.zeros((1, 4), np.float32), np.array([0.5]), np.array([0]), (COLA,), camera="left")
    assert d.above(0.1).camera == "left" and d.to_dict()["camera"] == "left"
    assert Detections.empty().camera == ""
    assert SeenObject(COLA, "cola", 0.5, (0, 0, 1, 1)).camera == ""


def test_a_detector_that_takes_a_camera_is_told_the_view() -> None:
    asked: list[str] = []

    def oracle(bgr: np.ndarray, camera: str = "") -> Detections:  # ground truth per view, as the bench's oracle
        asked.append(camera)
        return Detections.empty()

    cameras = {name: TimelineCamera() for name in ("top", "left")}
    now = time.monotonic()
    for camera in cameras.values():
        camera.add(np.full((480, 640, 3), 120, np.uint8), now - 1.0)
        camera.add(picture(1), now + 0.1)
    station = Station(scale=NoScale(), cameras=cameras, detector=oracle, source=None, unit_id="u1")  # type: ignore[arg-type, dict-item]
    looks, _ = station._look_settled(now, now - 0.5, now - 0.5)
    station.stop()
    assert asked == ["top", "left"] and all(look.vision.camera_ok for look in looks.values())


def test_an_evidence_only_camera_is_photographed_but_never_detected_on() -> None:
    views = {
        "top": [(COLA, 100, 100), (COLA, 250, 160)],
        "left": [(COLA, 103, 98), (CHIPS, 300, 60)],  # what a detector not trained on this angle might report
        "right": [(COLA, 247, 163)],
    }
    outcome, _station, detector, source = decide_once(views, evidence_only=("left", "right"))
    assert outcome.decision.kind == "PASS" and outcome.decision.seen == {COLA: 2}, outcome.decision.explanation
    assert detector.calls == 1  # the top view only
    document, attachments = source.submitted[0]
    assert {"photo", "photo_left", "photo_right"} <= set(attachments)  # staff still see every view
    assert [v["ok"] for v in document["views"]] == [True, True, True]
    top_down, *_ = decide_once(views, down=("top",), evidence_only=("left", "right"), scanned=2, grams=690.0)
    assert top_down.decision.weight_only  # the evidence views cannot vouch for the basket
