"""Detections: a validated record of boxes, confidences, classes and GTINs, with per-product counts."""

from __future__ import annotations

import numpy as np
import pytest

from vision.detections import Detections

A = "04001000010361"
B = "04001000010378"


def make(xyxy=None, conf=None, cls=None, gtins=None, image_size=None) -> Detections:  # type: ignore[no-untyped-def]
    return Detections(
        np.array([[0, 0, 10, 10], [5, 5, 20, 30]], np.float32) if xyxy is None else xyxy,
        np.array([0.9, 0.5]) if conf is None else conf,
        np.array([0, 1]) if cls is None else cls,
        (A, None) if gtins is None else gtins,
        image_size,
    )


def test_valid_detections_are_frozen_arrays_of_the_right_types() -> None:
    d = make()
    assert len(d) == 2
    assert d.xyxy.dtype == np.float32 and d.class_id.dtype == np.int64 and d.confidence.dtype == np.float32
    with pytest.raises(ValueError):
        d.xyxy[0, 0] = 3  # read-only: evidence must not change after the fact


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"xyxy": np.zeros((2, 3))}, "N×4"),
        ({"conf": np.array([0.9])}, "confidence has 1 entries for 2 boxes"),
        ({"cls": np.array([0, 1, 2])}, "class_id has 3 entries"),
        ({"gtins": (A,)}, "gtin14 has 1 entries"),
        ({"xyxy": np.array([[10, 0, 5, 10], [0, 0, 1, 1]])}, "x1 < x0"),
        ({"xyxy": np.array([[0, 0, np.nan, 10], [0, 0, 1, 1]])}, "NaN"),
        ({"conf": np.array([1.5, 0.2])}, r"\[0, 1\]"),
        ({"conf": np.array([-0.1, 0.2])}, r"\[0, 1\]"),
        ({"cls": np.array([0, -1])}, "≥ 0"),
        ({"cls": np.array([0.5, 1.0])}, "integers"),
        ({"gtins": ("4001000010361", None)}, "14 digits"),
        ({"gtins": (A, 12345678901234)}, "14 digits"),
        ({"image_size": (0, 720)}, "positive"),
    ],
)
def test_invalid_detections_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make(**kwargs)


def test_counts_group_by_gtin_and_leave_out_non_merchandise() -> None:
    d = Detections(np.zeros((4, 4)), np.full(4, 0.8), np.array([0, 0, 1, 2]), (A, A, B, None))
    assert d.counts() == {A: 2, B: 1}
    assert d.non_merchandise() == 1


def test_empty_and_threshold() -> None:
    assert len(Detections.empty()) == 0 and Detections.empty().counts() == {}
    assert make().above(0.6).counts() == {A: 1}
    assert make().above(0.6).non_merchandise() == 0


def test_to_dict_is_json_ready() -> None:
    import json

    text = json.dumps(make(image_size=(1280, 720)).to_dict())
    assert '"gtin14": null' in text and '"image_size": [1280, 720]' in text
