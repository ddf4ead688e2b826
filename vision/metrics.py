"""Detection and counting metrics in plain numpy: mAP (COCO-style, 101-point), per-class recall,
class confusions and RPC-style counting accuracy (cAcc: share of baskets with every count exactly right)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from vision.postprocess import iou_matrix

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)


@dataclass
class ImageResult:
    """Predictions and ground truth of one picture (boxes in the same pixels)."""

    pred_xyxy: np.ndarray
    pred_conf: np.ndarray
    pred_cls: np.ndarray
    gt_xyxy: np.ndarray
    gt_cls: np.ndarray


@dataclass
class _Matches:
    tp: list[np.ndarray] = field(default_factory=list)  # per image: n_pred × 10 bool
    conf: list[np.ndarray] = field(default_factory=list)
    cls: list[np.ndarray] = field(default_factory=list)


def match_image(r: ImageResult) -> np.ndarray:
    """Greedy matching by confidence: for each prediction and IoU threshold, whether it is a true positive."""
    n = len(r.pred_conf)
    tp = np.zeros((n, len(IOU_THRESHOLDS)), bool)
    if n == 0 or len(r.gt_cls) == 0:
        return tp
    ious = iou_matrix(np.asarray(r.pred_xyxy, np.float32), np.asarray(r.gt_xyxy, np.float32))
    same = r.pred_cls[:, None] == r.gt_cls[None, :]
    ious = np.where(same, ious, 0.0)
    order = np.argsort(-r.pred_conf, kind="stable")
    for t, thr in enumerate(IOU_THRESHOLDS):
        taken = np.zeros(len(r.gt_cls), bool)
        for i in order:
            cand = np.where(~taken & (ious[i] >= thr), ious[i], -1.0)
            j = int(cand.argmax())
            if cand[j] >= thr:
                taken[j] = True
                tp[i, t] = True
    return tp


def average_precision(tp: np.ndarray, conf: np.ndarray, n_gt: int) -> float:
    """COCO 101-point interpolated AP of one class at one IoU threshold."""
    if n_gt == 0:
        return float("nan")
    if len(tp) == 0:
        return 0.0
    order = np.argsort(-conf, kind="stable")
    hits = tp[order].astype(np.float64)
    tps, fps = np.cumsum(hits), np.cumsum(1 - hits)
    recall = tps / n_gt
    precision = tps / np.maximum(tps + fps, 1e-9)
    envelope = np.maximum.accumulate(precision[::-1])[::-1]  # precision made monotone
    points = np.linspace(0, 1, 101)
    idx = np.searchsorted(recall, points, side="left")
    return float(np.mean([envelope[i] if i < len(envelope) else 0.0 for i in idx]))


def detection_metrics(results: Sequence[ImageResult], num_classes: int, conf_threshold: float) -> dict:
    """mAP50, mAP50-95 (mean over classes present in the ground truth) and per-class recall at the threshold."""
    matches = _Matches()
    for r in results:
        matches.tp.append(match_image(r))
        matches.conf.append(np.asarray(r.pred_conf, np.float64))
        matches.cls.append(np.asarray(r.pred_cls, np.int64))
    tp = np.concatenate(matches.tp) if matches.tp else np.zeros((0, 10), bool)
    conf = np.concatenate(matches.conf) if matches.conf else np.zeros(0)
    cls = np.concatenate(matches.cls) if matches.cls else np.zeros(0, np.int64)
    gt_counts = Counter(int(c) for r in results for c in r.gt_cls)
    ap = np.full((num_classes, len(IOU_THRESHOLDS)), np.nan)
    recall = {}
    for c in range(num_classes):
        n_gt = gt_counts.get(c, 0)
        if n_gt == 0:
            continue
        mine = cls == c
        for t in range(len(IOU_THRESHOLDS)):
            ap[c, t] = average_precision(tp[mine, t], conf[mine], n_gt)
        recall[c] = float(np.sum(tp[mine & (conf >= conf_threshold), 0]) / n_gt)
    present = ~np.isnan(ap[:, 0])
    return {
        "map50": float(np.mean(ap[present, 0])) if present.any() else 0.0,
        "map50_95": float(np.mean(ap[present])) if present.any() else 0.0,
        "per_class_recall": recall,
    }


def confusions(results: Sequence[ImageResult], conf_threshold: float, iou: float = 0.5) -> Counter[tuple[int, int]]:
    """(true class, predicted class) pairs: a confident prediction of another class on a ground-truth box."""
    pairs: Counter[tuple[int, int]] = Counter()
    for r in results:
        keep = r.pred_conf >= conf_threshold
        if not keep.any() or len(r.gt_cls) == 0:
            continue
        ious = iou_matrix(np.asarray(r.gt_xyxy, np.float32), np.asarray(r.pred_xyxy[keep], np.float32))
        pcls = r.pred_cls[keep]
        for g, row in enumerate(ious):
            if np.any((row >= iou) & (pcls == r.gt_cls[g])):
                continue  # found as itself
            j = int(row.argmax())
            if row[j] >= iou:
                pairs[(int(r.gt_cls[g]), int(pcls[j]))] += 1
    return pairs


def counts_of(classes: np.ndarray) -> Counter[int]:
    return Counter(int(c) for c in classes)


def counting_accuracy(results: Sequence[ImageResult], conf_threshold: float) -> float:
    """cAcc: the share of pictures where every class's count at the threshold equals the ground truth's."""
    if not results:
        return 0.0
    right = sum(counts_of(r.pred_cls[r.pred_conf >= conf_threshold]) == counts_of(r.gt_cls) for r in results)
    return right / len(results)


def percentile_ms(seconds: Sequence[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(seconds) * 1000.0, q)), 2) if len(seconds) else float("nan")
