"""Letterbox geometry: fit a picture into a square model input without distortion, and map boxes back."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PAD_VALUE = 114  # the grey ultralytics pads with, so the model sees what it was trained on


@dataclass(frozen=True)
class Letterbox:
    """How a (width, height) picture sits in a size×size input: uniform scale, then padding left/top."""

    scale: float
    pad_x: float
    pad_y: float
    new_w: int
    new_h: int

    @classmethod
    def fit(cls, width: int, height: int, size: int) -> Letterbox:
        if width <= 0 or height <= 0 or size <= 0:
            raise ValueError(f"bad sizes: picture {width}×{height}, input {size}")
        scale = min(size / width, size / height)
        new_w, new_h = round(width * scale), round(height * scale)
        # centred, split as ultralytics does (the odd pixel goes right/bottom)
        return cls(scale, round((size - new_w) / 2 - 0.1), round((size - new_h) / 2 - 0.1), new_w, new_h)

    def to_original(self, xyxy: np.ndarray, width: int, height: int) -> np.ndarray:
        """Boxes in input pixels → boxes in the original picture's pixels, clipped to it."""
        out = np.asarray(xyxy, dtype=np.float32).copy().reshape(-1, 4)
        out[:, [0, 2]] = (out[:, [0, 2]] - self.pad_x) / self.scale
        out[:, [1, 3]] = (out[:, [1, 3]] - self.pad_y) / self.scale
        out[:, [0, 2]] = out[:, [0, 2]].clip(0, width)
        out[:, [1, 3]] = out[:, [1, 3]].clip(0, height)
        return out


def letterbox_image(bgr: np.ndarray, size: int) -> tuple[np.ndarray, Letterbox]:
    """The picture resized and padded to size×size (still BGR uint8), and its geometry."""
    import cv2

    h, w = bgr.shape[:2]
    box = Letterbox.fit(w, h, size)
    resized = (
        bgr
        if (box.new_w, box.new_h) == (w, h)
        else cv2.resize(bgr, (box.new_w, box.new_h), interpolation=cv2.INTER_LINEAR)
    )
    out = np.full((size, size, 3), PAD_VALUE, dtype=np.uint8)
    out[int(box.pad_y) : int(box.pad_y) + box.new_h, int(box.pad_x) : int(box.pad_x) + box.new_w] = resized
    return out, box


def to_input_tensor(letterboxed_bgr: np.ndarray) -> np.ndarray:
    """BGR uint8 H×W×3 → RGB float32 1×3×H×W in [0, 1], as ultralytics feeds its models."""
    rgb = letterboxed_bgr[:, :, ::-1].transpose(2, 0, 1)
    return np.ascontiguousarray(rgb, dtype=np.float32)[None] / np.float32(255.0)
