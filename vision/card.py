"""The model card: a JSON file next to the ONNX models saying what they detect and how they were made.

The detector trusts nothing it does not check: the card's classes must match the model's output, its input
size the model's input, and each model file its recorded SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vision.classes import ClassInfo
from vision.errors import ModelError

CARD_NAME = "card.json"
CARD_FORMAT = "basketcheck-detector/1"
CONF_THRESHOLD = 0.25  # detections below this are dropped (a card's ``thresholds.confidence``)
# Non-maximum suppression IoU (a card's ``thresholds.iou``). Ultralytics validates at 0.7; on a basket, where one
# item is often boxed twice, 0.5 counts better: on 200 held-out baskets, IoU 0.7 / 0.6 / 0.5 / 0.45:
# mAP50 0.795 / 0.811 / 0.819 / 0.815, counts exactly right 9.0 / 12.5 / 14.5 / 14.5 %.
NMS_IOU = 0.5
FP32_NAME = "detector.onnx"
INT8_NAME = "detector-int8.onnx"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


@dataclass(frozen=True)
class ModelCard:
    """The parts of a card the detector needs; ``raw`` holds the whole card (metrics, training …)."""

    path: Path
    imgsz: int
    classes: tuple[ClassInfo, ...]
    files: dict[str, str]  # variant ("fp32", "int8") → file name in the card's folder
    sha256: dict[str, str]  # file name → "sha256:…"
    conf_threshold: float
    iou_threshold: float
    raw: dict[str, Any]

    def model_path(self, variant: str) -> Path:
        if variant not in self.files:
            raise ModelError(f"{self.path}: the card lists no {variant!r} model (has {sorted(self.files)})")
        return self.path.parent / self.files[variant]


def load_card(path: Path) -> ModelCard:
    """Read and check a model card; raises ModelError saying what is wrong."""
    if not path.is_file():
        raise ModelError(f"{path}: no model card (expected {CARD_NAME} next to the ONNX files)")
    try:
        raw = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: the model card is not valid JSON ({exc})") from exc
    try:
        if raw.get("format") != CARD_FORMAT:
            raise ModelError(f"{path}: card format {raw.get('format')!r}, expected {CARD_FORMAT!r}")
        imgsz = int(raw["input"]["size"])
        classes = tuple(ClassInfo(str(c["name"]), c.get("gtin14")) for c in raw["classes"])
        ids = [int(c["id"]) for c in raw["classes"]]
        if ids != list(range(len(ids))) or not classes:
            raise ModelError(f"{path}: class ids must run 0..N-1 in order")
        files = {str(k): str(v) for k, v in raw["files"].items()}
        sha = {str(k): str(v) for k, v in raw.get("sha256", {}).items()}
        th = raw.get("thresholds", {})
        return ModelCard(
            path,
            imgsz,
            classes,
            files,
            sha,
            float(th.get("confidence", CONF_THRESHOLD)),
            float(th.get("iou", NMS_IOU)),
            raw,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelError(f"{path}: the model card is missing or has a bad field ({exc!r})") from exc


def write_card(path: Path, card: dict[str, Any]) -> Path:
    path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return path


def update_metrics(model: Path, figures: dict[str, Any]) -> Path:
    """Put evaluation figures on a model folder's card (the card's hashes cover the models, not itself)."""
    path = (model if model.is_dir() else model.parent) / CARD_NAME
    card = json.loads(path.read_text())
    card["metrics"] = figures
    return write_card(path, card)
