"""The verdict's evidence: decoded back with OpenCV and checked where it matters (box colours, crop windows)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from contextlib import nullcontext as does_not_raise

import cv2
import numpy as np
import pytest

from validation_unit.basket import (
    MISSING_ITEM,
    UNSCANNED_ITEM,
    Decision,
    ExpectedBasket,
    ExpectedLine,
    Reason,
    SeenObject,
)
from validation_unit.evidence import (
    ATTACHMENT_NAME,
    GREEN,
    ORANGE,
    RED,
    annotate_photo,
    build_attachments,
    crop_box,
    crop_jpeg,
    evidence_rows,
    weight_trace_png,
)

COLA = "05449000000996"
GUM = "04009900484213"
RAZOR = "07702018072448"


def grey_photo(width: int = 640, height: int = 480) -> np.ndarray:
    return np.full((height, width, 3), 128, dtype=np.uint8)


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a decodable image"
    return image


def near(pixel: np.ndarray, bgr: tuple[int, int, int], tolerance: int = 45) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - np.array(bgr)) <= tolerance))


def edge_pixel(image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """A pixel on the box's left edge, half-way down (away from the label)."""
    x1, y1, _x2, y2 = (int(v) for v in box)
    return image[(y1 + y2) // 2, x1]


OBJECTS = (
    SeenObject(COLA, "Cola 1.5 L", 0.93, (60.0, 80.0, 200.0, 300.0)),
    SeenObject(GUM, "Chewing gum", 0.71, (300.0, 100.0, 380.0, 180.0)),
    SeenObject(None, "phone", 0.88, (420.0, 250.0, 600.0, 440.0)),
)


def test_annotated_photo_colours_boxes_by_role() -> None:
    photo = grey_photo()
    image = decode(annotate_photo(photo, OBJECTS, highlight={GUM}))
    assert image.shape == photo.shape
    assert near(edge_pixel(image, OBJECTS[0].box), GREEN)
    assert near(edge_pixel(image, OBJECTS[1].box), RED)
    assert near(edge_pixel(image, OBJECTS[2].box), ORANGE)
    # Inside the boxes the photo is untouched.
    assert near(image[200, 130], (128, 128, 128), 10)
    # The label sits above the box in the box's colour.
    assert near(image[int(OBJECTS[0].box[1]) - 3, int(OBJECTS[0].box[0]) + 1], GREEN)


def test_annotated_photo_without_objects_is_the_photo_and_labels_at_the_top_edge_stay_inside() -> None:
    photo = grey_photo(320, 240)
    assert near(decode(annotate_photo(photo, []))[120, 160], (128, 128, 128), 5)
    top = SeenObject(COLA, "Colá ×2", 0.5, (10.0, 0.0, 120.0, 100.0))  # non-ASCII label: drawn folded
    image = decode(annotate_photo(photo, [top], highlight=[COLA]))
    assert near(image[2, 11], RED)


@pytest.mark.parametrize(
    ("photo", "expectation"),
    [
        (grey_photo(), does_not_raise()),
        (np.zeros((480, 640), dtype=np.uint8), pytest.raises(ValueError, match=r"\(height, width, 3\)")),
        (np.zeros((0, 0, 3), dtype=np.uint8), pytest.raises(ValueError, match="BGR image")),
    ],
)
def test_annotate_photo_checks_the_image_shape(photo: np.ndarray, expectation: AbstractContextManager[object]) -> None:
    with expectation:
        annotate_photo(photo, OBJECTS)


@pytest.mark.parametrize(
    ("box", "window", "expectation"),
    [
        # A 100×50 box in the middle: grown by 10 % per side of its longer side, then square.
        ((270, 215, 370, 265), (260, 180, 380, 300), does_not_raise()),
        # At the top-left corner: slid into the photo.
        ((0, 0, 40, 40), (0, 0, 48, 48), does_not_raise()),
        # At the bottom-right corner.
        ((600, 440, 640, 480), (592, 432, 640, 480), does_not_raise()),
        # Taller than the photo allows: as wide as wanted, cut at the photo's height.
        ((300, 0, 340, 480), (32, 0, 608, 480), does_not_raise()),
        # Partly outside: clamped.
        ((-50, -50, 30, 30), (0, 0, 96, 96), does_not_raise()),
        ((100, 100, 100, 200), None, pytest.raises(ValueError, match="degenerate box")),
        ((100, 200, 150, 150), None, pytest.raises(ValueError, match="degenerate box")),
        ((700, 100, 800, 200), None, pytest.raises(ValueError, match="outside the 640×480 photo")),
        ((float("nan"), 0, 10, 10), None, pytest.raises(ValueError, match="four finite numbers")),
    ],
)
def test_crop_window(
    box: tuple[float, float, float, float],
    window: tuple[int, int, int, int] | None,
    expectation: AbstractContextManager[object],
) -> None:
    with expectation:
        assert crop_box((480, 640, 3), box, margin=0.1) == window


def test_crop_jpeg_is_at_most_size_and_shows_the_object() -> None:
    photo = grey_photo()
    photo[215:265, 270:370] = (0, 0, 255)  # a red item
    image = decode(crop_jpeg(photo, (270, 215, 370, 265), size=160))
    assert image.shape[:2] == (160, 160)
    assert near(image[80, 80], (0, 0, 255), 30)
    assert near(image[5, 5], (128, 128, 128), 20)
    tall = decode(crop_jpeg(photo, (300, 0, 340, 480), size=100))
    assert tall.shape[:2] == (83, 100)  # cut at the photo, not padded
    with pytest.raises(ValueError, match="degenerate box"):
        crop_jpeg(photo, (10, 10, 10, 10))


def test_weight_trace_png() -> None:
    trace = [(i * 0.05, min(1.0, i / 8) * 2470.0 + (12.0 if 8 < i < 14 else 0.0)) for i in range(24)]
    data = weight_trace_png(trace, 2450.0, 14.0, 3.29, 2470.0)
    assert data.startswith(b"\x89PNG")
    image = decode(data)
    assert image.shape[0] >= 200 and image.shape[1] >= 400
    # The shaded band is green-ish somewhere in the plot.
    b, g, r = (image[..., i].astype(int) for i in range(3))
    assert np.count_nonzero((g > r + 15) & (g > b + 15)) > 500


@pytest.mark.parametrize(
    ("expected_g", "sigma_g", "z", "measured_g"),
    [(None, None, None, None), (1000.0, None, None, None), (1000.0, 10.0, 3.0, 1200.0)],
)
def test_weight_trace_png_without_readings(
    expected_g: float | None, sigma_g: float | None, z: float | None, measured_g: float | None
) -> None:
    image = decode(weight_trace_png([], expected_g, sigma_g, z, measured_g))
    assert image.size > 0


def basket(*lines: tuple[str, str, int]) -> ExpectedBasket:
    return ExpectedBasket(
        trip_id="t1",
        trip_version=3,
        lines=tuple(ExpectedLine(g, n, q, 100.0, 2.0) for g, n, q in lines),
    )


def test_evidence_rows_statuses() -> None:
    expected = basket((COLA, "Cola 1.5 L", 2), (GUM, "Chewing gum", 1), (RAZOR, "Razor blades", 3), (COLA, "x", 1))
    seen = {COLA: 3, RAZOR: 4, "09999999999994": 1}
    rows = evidence_rows(expected, seen, {"09999999999994": "Chocolate bar"})
    assert rows == [
        {"gtin14": COLA, "name": "Cola 1.5 L", "scanned": 3, "seen": 3, "status": "ok"},
        {"gtin14": GUM, "name": "Chewing gum", "scanned": 1, "seen": 0, "status": "not seen"},
        {"gtin14": RAZOR, "name": "Razor blades", "scanned": 3, "seen": 4, "status": "more than scanned"},
        {"gtin14": "09999999999994", "name": "Chocolate bar", "scanned": 0, "seen": 1, "status": "not scanned"},
    ]
    partly = evidence_rows(basket((COLA, "Cola", 3)), {COLA: 1, "00000000000017": 1}, {})
    assert partly[0]["status"] == "not seen"  # one or more pieces the camera missed
    assert partly[1]["name"] == "00000000000017"  # unknown name: the GTIN stands in
    assert evidence_rows(basket(), {}, {}) == []


def decision(**changes: object) -> Decision:
    base: dict[str, object] = {
        "kind": "RECHECK",
        "reasons": (
            Reason(UNSCANNED_ITEM, "Scan 1× Chewing gum", gtin14=GUM, quantity=1),
            Reason(MISSING_ITEM, "Cola not seen"),
        ),
        "score": 0.5,
        "explanation": "one unscanned item",
        "expected_g": 2450.0,
        "sigma_g": 14.0,
        "measured_g": 2530.0,
    }
    base.update(changes)
    return Decision(**base)  # type: ignore[arg-type]


def test_build_attachments_with_a_photo() -> None:
    photo = grey_photo()
    trace = [(0.0, 0.0), (0.5, 2530.0)]
    out = build_attachments(photo, decision(), OBJECTS, trace)
    assert set(out) == {"photo", "photo_annotated", "weight_trace"}
    assert all(ATTACHMENT_NAME.match(name) for name in out)
    assert out["photo"][0] == "image/jpeg" and out["photo_annotated"][0] == "image/jpeg"
    assert out["weight_trace"][0] == "image/png"
    raw = decode(out["photo"][1])
    assert near(edge_pixel(raw, OBJECTS[1].box), (128, 128, 128), 10)  # the raw photo has no boxes
    annotated = decode(out["photo_annotated"][1])
    assert near(edge_pixel(annotated, OBJECTS[1].box), RED)  # the reason names the gum
    assert near(edge_pixel(annotated, OBJECTS[0].box), GREEN)


def test_build_attachments_without_a_photo() -> None:
    out = build_attachments(None, decision(weight_only=True, expected_g=None, sigma_g=None), [], [])
    assert list(out) == ["weight_trace"]
    assert decode(out["weight_trace"][1]).size > 0


def test_every_further_camera_adds_its_photo() -> None:
    side = np.full((360, 480, 3), 100, dtype=np.uint8)
    out = build_attachments(grey_photo(), decision(), OBJECTS, [], views=[("left", side)])
    assert set(out) == {"photo", "photo_annotated", "photo_left", "weight_trace"}
    left = decode(out["photo_left"][1])
    assert left.shape == side.shape and near(left[180, 240], (100, 100, 100), 10)  # raw, as "photo": the page draws
    with pytest.raises(ValueError, match="cannot name an attachment"):
        build_attachments(grey_photo(), decision(), OBJECTS, [], views=[("annotated", side)])
