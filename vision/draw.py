"""Pictures of detections: boxes and short labels drawn on a copy of the frame (evidence, docs)."""

from __future__ import annotations

import numpy as np

from vision.detections import Detections

NON_MERCH_COLOUR = (0, 0, 255)  # red, BGR: not merchandise stands out


def _colour(class_id: int) -> tuple[int, int, int]:
    rng = np.random.default_rng(class_id)
    b, g, r = (int(v) for v in rng.integers(60, 230, 3))
    return b, g, r


def draw(bgr: np.ndarray, detections: Detections) -> np.ndarray:
    """A copy of ``bgr`` with each detection's box, class name and confidence."""
    import cv2

    out = bgr.copy()
    for box, conf, cls, gtin in zip(
        detections.xyxy, detections.confidence, detections.class_id, detections.gtin14, strict=True
    ):
        colour = NON_MERCH_COLOUR if gtin is None else _colour(int(cls))
        x0, y0, x1, y1 = (round(float(v)) for v in box)
        cv2.rectangle(out, (x0, y0), (x1, y1), colour, 2)
        name = detections.names[int(cls)] if int(cls) < len(detections.names) else str(int(cls))
        text = f"{name[:22]} {conf:.2f}"
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1)
        ty = max(y0, th + 4)
        cv2.rectangle(out, (x0, ty - th - 4), (x0 + tw + 4, ty), colour, -1)
        cv2.putText(out, text, (x0 + 2, ty - 3), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return out
