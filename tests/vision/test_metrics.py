"""mAP, per-class recall, confusions and cAcc on hand-made predictions."""

from __future__ import annotations

import numpy as np
import pytest

from vision.metrics import ImageResult, average_precision, confusions, counting_accuracy, detection_metrics

GT = np.array([[0, 0, 10, 10], [20, 20, 40, 40]], np.float32)


def result(
    pred: list[tuple[float, float, float, float]], conf: list[float], cls: list[int], gt_cls=(0, 1)
) -> ImageResult:  # type: ignore[no-untyped-def]
    return ImageResult(np.array(pred, np.float32).reshape(-1, 4), np.array(conf), np.array(cls), GT, np.array(gt_cls))


def test_perfect_predictions_score_one() -> None:
    r = result([(0, 0, 10, 10), (20, 20, 40, 40)], [0.9, 0.8], [0, 1])
    m = detection_metrics([r], num_classes=3, conf_threshold=0.25)
    assert m["map50"] == pytest.approx(1.0) and m["map50_95"] == pytest.approx(1.0)
    assert m["per_class_recall"] == {0: 1.0, 1: 1.0}  # class 2 has no ground truth: not averaged
    assert counting_accuracy([r], 0.25) == 1.0


def test_loose_box_counts_at_iou_50_but_not_at_95() -> None:
    r = result([(0, 0, 10, 12), (20, 20, 40, 40)], [0.9, 0.8], [0, 1])  # IoU 0.83 for class 0
    m = detection_metrics([r], num_classes=2, conf_threshold=0.25)
    assert m["map50"] == pytest.approx(1.0)
    assert 0.5 < m["map50_95"] < 1.0


def test_wrong_class_is_a_miss_and_a_confusion_and_breaks_the_count() -> None:
    r = result([(0, 0, 10, 10), (20, 20, 40, 40)], [0.9, 0.8], [1, 1])
    m = detection_metrics([r], num_classes=2, conf_threshold=0.25)
    assert m["per_class_recall"] == {0: 0.0, 1: 1.0}
    assert m["map50"] == pytest.approx(0.25)  # class 0: AP 0; class 1: its hit ranks behind a false one, AP 0.5
    assert confusions([r], 0.25) == {(0, 1): 1}
    assert counting_accuracy([r], 0.25) == 0.0


def test_low_confidence_duplicates_lower_precision_and_cacc_uses_the_threshold() -> None:
    r = result([(0, 0, 10, 10), (0, 0, 10, 10), (20, 20, 40, 40)], [0.9, 0.1, 0.8], [0, 0, 1])
    assert counting_accuracy([r], 0.25) == 1.0  # the duplicate is below the counting threshold
    assert counting_accuracy([r], 0.05) == 0.0


@pytest.mark.parametrize(
    ("tp", "conf", "n_gt", "expected"),
    [
        ([True, True], [0.9, 0.8], 2, 1.0),
        ([False, True], [0.9, 0.8], 1, 0.5),
        ([True], [0.9], 2, 51 / 101),  # half the recall points reached at precision 1
        ([], [], 3, 0.0),
    ],
)
def test_average_precision(tp: list[bool], conf: list[float], n_gt: int, expected: float) -> None:
    assert average_precision(np.array(tp, bool), np.array(conf), n_gt) == pytest.approx(expected, abs=1e-6)


def test_no_ground_truth_gives_nan() -> None:
    assert np.isnan(average_precision(np.array([True]), np.array([0.9]), 0))
