"""Export trained weights to ONNX fp32 and INT8 (onnxruntime static quantization) with a model card.

Runs in the training venv (it needs ultralytics, torch and onnx). INT8 calibration uses the data set's
validation pictures, letterboxed exactly as the detector does.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from vision.card import (
    CARD_FORMAT,
    CARD_NAME,
    CONF_THRESHOLD,
    FP32_NAME,
    INT8_NAME,
    NMS_IOU,
    sha256_file,
    write_card,
)
from vision.train import TRAIN_RECORD

WEIGHTS_NAME = "detector.pt"
DEFAULT_IMGSZ = 640
OPSET = 17
RETRAIN = (
    "Label the store's own photos (CVAT or Label Studio, YOLO 1.1 export) with this card's class list "
    "(data.yaml names, plus gtin14 per class), then: basketcheck vision train --data DIR --model "
    "vision/models/detector.pt (fine-tunes this model) or --model yolov8n.yaml (from scratch); "
    "basketcheck vision export --weights RUN/weights/best.pt --data DIR; basketcheck vision eval --data DIR --json."
)


class _Calibration:
    """onnxruntime CalibrationDataReader over letterboxed pictures."""

    def __init__(self, images: list[Path], input_name: str, imgsz: int) -> None:
        self.images, self.input_name, self.imgsz = list(images), input_name, imgsz

    def get_next(self) -> dict[str, np.ndarray] | None:
        from vision.dataset import read_image
        from vision.letterbox import letterbox_image, to_input_tensor

        if not self.images:
            return None
        bgr = read_image(self.images.pop(0))
        return {self.input_name: to_input_tensor(letterbox_image(bgr, self.imgsz)[0])}

    def rewind(self) -> None:  # pragma: no cover - part of the reader protocol, unused by quantize_static
        pass


def head_nodes_to_keep_float(model_path: Path) -> list[str]:
    """Nodes of the detection head's decoding (DFL, anchors, sigmoid, concat) stay fp32.

    Their outputs are box coordinates in pixels next to 0–1 class scores in one tensor; one INT8 scale
    for both would wipe out the scores, and they cost little time."""
    import onnx

    model = onnx.load(str(model_path))
    head = _head_prefix(model)
    return [n.name for n in model.graph.node if n.name.startswith(head) and n.op_type != "Conv"]


def _head_prefix(model: Any) -> str:
    prefixes = sorted({n.name.split("/")[1] for n in model.graph.node if n.name.startswith("/model.")}, key=_layer)
    return f"/{prefixes[-1]}/"


def _layer(name: str) -> int:
    try:
        return int(name.split(".")[1])
    except (IndexError, ValueError):
        return -1


def quantize_int8(fp32: Path, out: Path, calibration_images: list[Path], imgsz: int) -> Path:
    """Static INT8 quantization (QDQ, per-channel weights) calibrated on the given pictures."""
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = out.with_suffix(".pre.onnx")
    quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
    input_name = ort.InferenceSession(str(prepared), providers=["CPUExecutionProvider"]).get_inputs()[0].name
    quantize_static(
        str(prepared),
        str(out),
        _Calibration(calibration_images, input_name, imgsz),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        weight_type=QuantType.QInt8,
        activation_type=QuantType.QUInt8,
        calibrate_method=CalibrationMethod.MinMax,
        nodes_to_exclude=head_nodes_to_keep_float(prepared),
    )
    prepared.unlink(missing_ok=True)
    return out


def training_summary(run_dir: Path) -> dict[str, Any]:
    """What the run folder says about the training: the command, epochs run, time, versions."""
    summary: dict[str, Any] = {}
    record = run_dir / TRAIN_RECORD
    if record.is_file():
        summary.update(json.loads(record.read_text()))
    results = run_dir / "results.csv"
    if results.is_file():
        rows = list(csv.DictReader(results.open()))
        rows = [{k.strip(): v for k, v in r.items()} for r in rows]
        summary["epochs_run"] = len(rows)
        if rows and "time" in rows[-1]:
            summary["train_seconds"] = round(float(rows[-1]["time"]), 1)
        if rows:
            last = rows[-1]
            summary["ultralytics_val"] = {
                k: round(float(last[k]), 4) for k in ("metrics/mAP50(B)", "metrics/mAP50-95(B)") if k in last
            }
    return summary


def export(
    weights: Path,
    data: Path,
    out: Path,
    *,
    imgsz: int | None = None,
    calibration: int = 64,
    metrics: dict[str, Any] | None = None,
) -> Path:
    """Write detector.onnx, detector-int8.onnx, detector.pt and card.json into ``out``; returns the card.

    ``imgsz`` None: the size the weights were trained at (from the run's record, else 640). Another size is
    allowed (a latency trade) but warned about: run at 640 px, weights trained at 416 px lost 0.07 mAP50."""
    from vision import dataset as ds
    from vision import ultralytics_env

    ultralytics_env.prepare()
    import onnxruntime
    import torch
    import ultralytics
    from ultralytics import YOLO

    data_set = ds.load(data)
    out.mkdir(parents=True, exist_ok=True)
    previous = _card_of(out, weights)
    training = training_summary(weights.resolve().parent.parent)
    trained_on = {"path": str(data_set.root), "hash": ds.dataset_hash(data_set.root), **_counts(data_set)}
    if not training and previous is not None:  # re-exporting shipped weights: their card knows how they were made
        training, trained_on = previous.get("training", {}), previous.get("dataset", trained_on)
    trained_at = training.get("config", {}).get("imgsz")
    if imgsz is None:
        imgsz = int(trained_at) if trained_at else DEFAULT_IMGSZ
    elif trained_at and int(trained_at) != imgsz:
        print(
            f"warning: exporting at {imgsz} px weights trained at {trained_at} px: expect lower accuracy",
            file=sys.stderr,
        )
    fp32 = out / FP32_NAME
    with tempfile.TemporaryDirectory(prefix="basketcheck-export-") as scratch:
        # ultralytics writes the .onnx beside the weights it loads: export from a copy, so that exporting the
        # shipped vision/models/detector.pt never overwrites the shipped detector.onnx before the card is made.
        staged = Path(scratch) / WEIGHTS_NAME
        shutil.copyfile(weights, staged)
        model = YOLO(str(staged))
        onnx_path = Path(
            model.export(format="onnx", imgsz=imgsz, opset=OPSET, simplify=True, dynamic=False, device="cpu")
        )
        shutil.copyfile(onnx_path, fp32)
        if not (out / WEIGHTS_NAME).exists() or not (out / WEIGHTS_NAME).samefile(weights):
            shutil.copyfile(weights, out / WEIGHTS_NAME)
    calib = data_set.images("val")[:calibration] or data_set.images("train")[:calibration]
    if not calib:
        raise ValueError(f"{data}: no val or train images to calibrate INT8 with")
    int8 = quantize_int8(fp32, out / INT8_NAME, calib, imgsz)

    names = model.names if isinstance(model.names, dict) else dict(enumerate(model.names))
    if len(names) != len(data_set.names):
        raise ValueError(f"the weights have {len(names)} classes, the data set {len(data_set.names)}")
    card = {
        "format": CARD_FORMAT,
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "architecture": "YOLOv8n (ultralytics), one class per catalog product + non_merchandise",
        "input": {"size": imgsz, "layout": "NCHW", "colour": "RGB", "scale": "1/255", "letterbox_pad": 114},
        "output": "(1, 4 + classes, anchors): cx, cy, w, h in input pixels, then sigmoid class scores",
        "thresholds": {"confidence": CONF_THRESHOLD, "iou": NMS_IOU},
        "classes": [{"id": i, "name": data_set.names[i], "gtin14": data_set.gtin14[i]} for i in range(len(names))],
        "files": {"fp32": FP32_NAME, "int8": INT8_NAME, "pytorch": WEIGHTS_NAME},
        "sha256": {p.name: sha256_file(p) for p in (fp32, int8, out / WEIGHTS_NAME)},
        "labels": {
            "rule": "products and distractors with visible_fraction >= 0.3 and a visible box >= 4 px a side",
            "box": "the visible part of the item (hardware_sim GroundTruth.visible_box)",
        },
        "dataset": trained_on,
        "training": training,
        "export": {
            "opset": OPSET,
            "int8": "onnxruntime quantize_static, QDQ, per-channel QInt8 weights, QUInt8 activations, MinMax, "
            f"{len(calib)} val pictures; detection-head decoding kept fp32",
            "int8_calibration_set": str(data_set.root),
            "torch": torch.__version__,
            "ultralytics": ultralytics.__version__,
            "onnxruntime": onnxruntime.__version__,
        },
        "metrics": metrics,
        "retrain": RETRAIN,
    }
    return write_card(out / CARD_NAME, card)


def _card_of(folder: Path, weights: Path) -> dict[str, Any] | None:
    """The card already in ``folder`` when it describes these very weights (a re-export), else None."""
    try:
        card = json.loads((folder / CARD_NAME).read_text())
        return card if card.get("sha256", {}).get(WEIGHTS_NAME) == sha256_file(weights) else None
    except (OSError, ValueError, AttributeError):
        return None


def _counts(data_set: Any) -> dict[str, int]:
    return {f"{s}_images": len(data_set.images(s)) for s in ("train", "val", "test")}
