"""Letterbox geometry, NMS and YOLOv8 output decoding on plain data."""

from __future__ import annotations

import numpy as np
import pytest

from vision.letterbox import PAD_VALUE, Letterbox, letterbox_image, to_input_tensor
from vision.postprocess import decode, iou_matrix, nms


@pytest.mark.parametrize(
    ("w", "h", "size", "scale", "pad_x", "pad_y", "new"),
    [
        (1280, 720, 640, 0.5, 0, 140, (640, 360)),
        (720, 1280, 640, 0.5, 140, 0, (360, 640)),
        (640, 640, 640, 1.0, 0, 0, (640, 640)),
        (100, 50, 160, 1.6, 0, 40, (160, 80)),
    ],
)
def test_letterbox_fit(w: int, h: int, size: int, scale: float, pad_x: int, pad_y: int, new: tuple) -> None:
    box = Letterbox.fit(w, h, size)
    assert box.scale == pytest.approx(scale)
    assert (box.pad_x, box.pad_y) == (pad_x, pad_y)
    assert (box.new_w, box.new_h) == new


def test_boxes_map_back_to_the_original_picture_and_are_clipped() -> None:
    box = Letterbox.fit(1280, 720, 640)
    out = box.to_original(np.array([[0, 140, 640, 500], [100, 150, 200, 250], [-10, 0, 700, 700]]), 1280, 720)
    np.testing.assert_allclose(out[0], [0, 0, 1280, 720])
    np.testing.assert_allclose(out[1], [200, 20, 400, 220])
    np.testing.assert_allclose(out[2], [0, 0, 1280, 720])


def test_letterbox_image_pads_grey_and_tensor_is_rgb_nchw() -> None:
    bgr = np.zeros((720, 1280, 3), np.uint8)
    bgr[..., 0] = 255  # blue
    boxed, _ = letterbox_image(bgr, 640)
    assert boxed.shape == (640, 640, 3)
    assert (boxed[0, 0] == PAD_VALUE).all() and (boxed[320, 320] == [255, 0, 0]).all()
    tensor = to_input_tensor(boxed)
    assert tensor.shape == (1, 3, 640, 640) and tensor.dtype == np.float32
    assert tensor[0, 2, 320, 320] == 1.0 and tensor[0, 0, 320, 320] == 0.0  # blue is the last RGB channel


def test_letterbox_refuses_empty_sizes() -> None:
    with pytest.raises(ValueError):
        Letterbox.fit(0, 10, 640)


def test_iou_matrix() -> None:
    a = np.array([[0, 0, 10, 10], [0, 0, 5, 10]], np.float32)
    b = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32)
    np.testing.assert_allclose(iou_matrix(a, b), [[1, 0], [0.5, 0]])
    assert iou_matrix(a[:0], b).shape == (0, 2)


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 60, 60]], np.float32)
    keep = nms(boxes, np.array([0.8, 0.9, 0.3]), 0.5)
    assert keep.tolist() == [1, 2]


def _head(rows: list[tuple[float, float, float, float, int, float]], classes: int, anchors: int = 8) -> np.ndarray:
    out = np.zeros((1, 4 + classes, anchors), np.float32)
    for a, (cx, cy, w, h, c, score) in enumerate(rows):
        out[0, :4, a] = (cx, cy, w, h)
        out[0, 4 + c, a] = score
    return out


def test_decode_turns_centres_into_corners_and_suppresses_per_class() -> None:
    head = _head(
        [
            (50, 50, 20, 10, 0, 0.9),
            (51, 50, 20, 10, 0, 0.8),  # same object, same class: suppressed
            (51, 50, 20, 10, 1, 0.7),  # same place, other class: kept (class-aware NMS)
            (200, 200, 10, 10, 2, 0.1),  # below the threshold
        ],
        classes=3,
    )
    boxes, conf, cls = decode(head, 3, conf_threshold=0.25, iou_threshold=0.7)
    assert cls.tolist() == [0, 1]
    np.testing.assert_allclose(boxes[0], [40, 45, 60, 55])
    np.testing.assert_allclose(conf, [0.9, 0.7])


def test_decode_with_nothing_confident_and_wrong_shape() -> None:
    boxes, conf, cls = decode(_head([], classes=2), 2, 0.25, 0.7)
    assert boxes.shape == (0, 4) and len(conf) == 0 and len(cls) == 0
    with pytest.raises(ValueError, match="expected 4 \\+ 5"):
        decode(_head([], classes=2), 5, 0.25, 0.7)


def test_nms_stops_at_the_limit() -> None:
    boxes = np.array([[i * 20, 0, i * 20 + 10, 10] for i in range(5)], np.float32)
    assert nms(boxes, np.linspace(0.9, 0.5, 5), 0.5, limit=2).tolist() == [0, 1]
