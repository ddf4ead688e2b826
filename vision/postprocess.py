"""YOLOv8 output decoding and non-maximum suppression, in plain numpy.

The exported head gives (1, 4 + classes, anchors): box centre, width and height in input pixels, then
per-class scores already passed through a sigmoid.
"""

from __future__ import annotations

import numpy as np


def iou_one_to_many(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one xyxy box with each of N boxes."""
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box of ``a`` (N×4) with every box of ``b`` (M×4): N×M."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).astype(np.float32)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, limit: int | None = None) -> np.ndarray:
    """Indices of the boxes kept by greedy NMS, highest score first (at most ``limit`` of them)."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size and (limit is None or len(keep) < limit):
        i = int(order[0])
        keep.append(i)
        if order.size == 1:
            break
        rest = order[1:]
        order = rest[iou_one_to_many(boxes[i], boxes[rest]) <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def decode(
    output: np.ndarray, num_classes: int, conf_threshold: float, iou_threshold: float, max_detections: int = 300
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(1, 4+C, A) head output → (xyxy in input pixels, confidence, class id) after class-aware NMS."""
    pred = np.asarray(output)
    if pred.ndim == 3:
        pred = pred[0]
    if pred.shape[0] != 4 + num_classes:
        raise ValueError(f"output has {pred.shape[0]} rows, expected 4 + {num_classes} classes")
    scores_all = pred[4:]
    class_id = scores_all.argmax(axis=0)
    conf = scores_all[class_id, np.arange(pred.shape[1])]
    mask = conf >= conf_threshold
    if not mask.any():
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
    cx, cy, w, h = pred[:4, mask]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).astype(np.float32)
    conf, class_id = conf[mask].astype(np.float32), class_id[mask].astype(np.int64)
    if len(conf) > 30000:  # keep NMS bounded on a badly trained model
        top = np.argsort(-conf)[:30000]
        boxes, conf, class_id = boxes[top], conf[top], class_id[top]
    # class-aware NMS in one pass: shift each class to its own region so boxes of different classes never overlap
    offset = class_id[:, None].astype(np.float32) * 8192.0
    keep = nms(boxes + offset, conf, iou_threshold, max_detections)
    return boxes[keep], conf[keep], class_id[keep]
