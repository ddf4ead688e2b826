"""The product detector at inference time: an ONNX model run by onnxruntime on the CPU (no torch).

``Detector.from_path(folder_or_onnx)`` checks the model against its card; calling the detector on a BGR
picture gives :class:`vision.detections.Detections` in that picture's pixels, with GTINs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from vision.card import CARD_NAME, ModelCard, load_card, sha256_file
from vision.detections import Detections
from vision.errors import ModelError
from vision.letterbox import letterbox_image, to_input_tensor
from vision.postprocess import decode


class ProductDetector(Protocol):
    """What the validation unit relies on: a picture in, detections with GTINs out."""

    def __call__(self, bgr: np.ndarray) -> Detections: ...


class Detector:
    """An onnxruntime session plus the card that says what its classes are."""

    def __init__(self, session: Any, card: ModelCard, model_path: Path) -> None:
        self.session, self.card, self.model_path = session, card, model_path
        self.input_name = session.get_inputs()[0].name
        self.gtin14 = tuple(c.gtin14 for c in card.classes)
        self.names = tuple(c.name for c in card.classes)

    @classmethod
    def from_path(
        cls, path: str | Path, variant: str = "fp32", threads: int | None = 2, check_hash: bool = True
    ) -> Detector:
        """Load a model folder (card.json + ONNX files) or an ONNX file with card.json beside it."""
        path = Path(path)
        if not path.exists():
            raise ModelError(f"{path}: no such model folder or file")
        if path.is_dir():
            card = load_card(path / CARD_NAME)
            model_path = card.model_path(variant)
        else:
            card = load_card(path.parent / CARD_NAME)
            model_path = path
            if path.name not in card.files.values():
                raise ModelError(f"{path}: not one of the models its card lists ({sorted(card.files.values())})")
        if not model_path.is_file():
            raise ModelError(f"{model_path}: model file missing (listed in {card.path})")
        expected = card.sha256.get(model_path.name)
        if check_hash and expected and sha256_file(model_path) != expected:
            raise ModelError(f"{model_path}: does not match its card (SHA-256 differs: a different or damaged file)")
        session = _session(model_path, threads)
        _check_shapes(session, card, model_path)
        return cls(session, card, model_path)

    @property
    def imgsz(self) -> int:
        return self.card.imgsz

    def raw(self, tensor: np.ndarray) -> np.ndarray:
        """The model's raw head output for a 1×3×S×S input."""
        return np.asarray(self.session.run(None, {self.input_name: tensor})[0])

    def __call__(self, bgr: np.ndarray, conf: float | None = None, iou: float | None = None) -> Detections:
        if not isinstance(bgr, np.ndarray) or bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
            raise ValueError("expected a BGR uint8 picture of shape H×W×3")
        h, w = bgr.shape[:2]
        boxed, geometry = letterbox_image(bgr, self.imgsz)
        output = self.raw(to_input_tensor(boxed))
        boxes, scores, classes = decode(
            output,
            len(self.card.classes),
            self.card.conf_threshold if conf is None else conf,
            self.card.iou_threshold if iou is None else iou,
        )
        xyxy = geometry.to_original(boxes, w, h)
        return Detections(xyxy, scores, classes, tuple(self.gtin14[int(c)] for c in classes), (w, h), self.names)


def _session(model_path: Path, threads: int | None) -> Any:
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own classes for unreadable or invalid graphs
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{model_path}: not a valid ONNX model ({first[:200]})") from exc


def _check_shapes(session: Any, card: ModelCard, model_path: Path) -> None:
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1 or len(outputs) < 1:
        raise ModelError(f"{model_path}: expected one input and an output, got {len(inputs)} and {len(outputs)}")
    shape = inputs[0].shape
    if len(shape) != 4 or shape[1] != 3 or shape[2:] != [card.imgsz, card.imgsz]:
        raise ModelError(f"{model_path}: input shape {shape} does not match the card's 1×3×{card.imgsz}×{card.imgsz}")
    rows = outputs[0].shape[1] if len(outputs[0].shape) == 3 else None
    if rows != 4 + len(card.classes):
        raise ModelError(
            f"{model_path}: output has {rows} rows but the card lists {len(card.classes)} classes "
            f"(expected {4 + len(card.classes)})"
        )
