"""What a detector returns: boxes, confidences, classes and product GTINs, checked on construction.

Whatever produces detections (today one YOLO class per product; later perhaps an embedding model that
looks products up by GTIN), the validation unit only sees this: boxes in original image pixels, and a
GTIN-14 per detection (None for objects that are not merchandise).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

GTIN14 = re.compile(r"^\d{14}$")


@dataclass(frozen=True)
class Detections:
    """N detections: ``xyxy`` (N×4 float32, pixels), ``confidence`` (N, 0–1), ``class_id`` (N int), ``gtin14``."""

    xyxy: np.ndarray
    confidence: np.ndarray
    class_id: np.ndarray
    gtin14: tuple[str | None, ...]
    image_size: tuple[int, int] | None = None  # (width, height) of the picture the boxes refer to
    names: tuple[str, ...] = field(default=(), compare=False)  # class names by id, for display
    camera: str = ""  # which camera's picture the boxes are in ("" = unknown, or the only one)

    def __post_init__(self) -> None:
        xyxy = np.asarray(self.xyxy, dtype=np.float32)
        if xyxy.size == 0:
            xyxy = xyxy.reshape(0, 4)
        if xyxy.ndim != 2 or xyxy.shape[1] != 4:
            raise ValueError(f"xyxy must be N×4, got shape {xyxy.shape}")
        n = xyxy.shape[0]
        conf = np.asarray(self.confidence, dtype=np.float32).reshape(-1)
        cls_raw = np.asarray(self.class_id)
        if cls_raw.size and not np.all(np.equal(np.mod(cls_raw, 1), 0)):
            raise ValueError("class_id must hold integers")
        cls = cls_raw.astype(np.int64).reshape(-1)
        gtins = tuple(self.gtin14)
        for name, length in (("confidence", conf.shape[0]), ("class_id", cls.shape[0]), ("gtin14", len(gtins))):
            if length != n:
                raise ValueError(f"{name} has {length} entries for {n} boxes")
        if not np.all(np.isfinite(xyxy)):
            raise ValueError("xyxy holds a NaN or infinite value")
        if n and (np.any(xyxy[:, 2] < xyxy[:, 0]) or np.any(xyxy[:, 3] < xyxy[:, 1])):
            raise ValueError("a box has x1 < x0 or y1 < y0")
        if n and (not np.all(np.isfinite(conf)) or conf.min() < 0 or conf.max() > 1):
            raise ValueError("confidence must lie in [0, 1]")
        if n and cls.min() < 0:
            raise ValueError("class_id must be ≥ 0")
        for g in gtins:
            if g is not None and not (isinstance(g, str) and GTIN14.match(g)):
                raise ValueError(f"gtin14 {g!r} is not 14 digits (or None)")
        if not isinstance(self.camera, str):
            raise ValueError(f"camera must be a camera id (str), got {self.camera!r}")
        if self.image_size is not None:
            w, h = self.image_size
            if w <= 0 or h <= 0:
                raise ValueError(f"image_size {self.image_size} must be positive")
        for arr in (xyxy, conf, cls):
            arr.setflags(write=False)
        object.__setattr__(self, "xyxy", xyxy)
        object.__setattr__(self, "confidence", conf)
        object.__setattr__(self, "class_id", cls)
        object.__setattr__(self, "gtin14", gtins)

    def __len__(self) -> int:
        return int(self.xyxy.shape[0])

    @classmethod
    def empty(cls, image_size: tuple[int, int] | None = None, camera: str = "") -> Detections:
        return cls(
            np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64), (), image_size, camera=camera
        )

    def counts(self) -> dict[str, int]:
        """How many of each product (by GTIN-14) were seen; non-merchandise objects are not counted here."""
        return dict(sorted(Counter(g for g in self.gtin14 if g is not None).items()))

    def non_merchandise(self) -> int:
        """How many detected objects are not merchandise (bags, phones, wallets …)."""
        return sum(1 for g in self.gtin14 if g is None)

    def above(self, threshold: float) -> Detections:
        """Only the detections at least this confident."""
        keep = self.confidence >= threshold
        return Detections(
            self.xyxy[keep],
            self.confidence[keep],
            self.class_id[keep],
            tuple(g for g, k in zip(self.gtin14, keep, strict=True) if k),
            self.image_size,
            self.names,
            self.camera,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for verdict evidence)."""
        return {
            "image_size": list(self.image_size) if self.image_size else None,
            "camera": self.camera,
            "detections": [
                {
                    "xyxy": [round(float(v), 1) for v in box],
                    "confidence": round(float(c), 4),
                    "class_id": int(k),
                    "gtin14": g,
                }
                for box, c, k, g in zip(self.xyxy, self.confidence, self.class_id, self.gtin14, strict=True)
            ],
        }
