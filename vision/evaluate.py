"""Evaluate the shipped (or a given) detector on a held-out test split: accuracy, counting, latency.

The test split is either generated (``baskets`` random baskets of 1–30 products, rendered from ``seed``
with the same labelling rule as training, never written to disk) or a YOLO-format data set's ``test``
split (real store photos, for instance).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from vision.detector import Detector
from vision.errors import ModelError
from vision.labels import Label
from vision.metrics import ImageResult, confusions, counting_accuracy, detection_metrics, percentile_ms

EVAL_CONF = 0.001  # mAP sweeps the whole precision-recall curve
LATENCY_THREADS = 2


def generated_split(seed: int, baskets: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Rendered test pictures (BGR, full 1280×720) with their present objects' boxes and class ids."""
    from hardware_sim.catalog import load_demo_catalog
    from vision.classes import catalog_classes
    from vision.dataset import render_example, render_seed

    catalog = load_demo_catalog()
    classes = catalog_classes(catalog)
    for i in range(baskets):
        image, labels = render_example(render_seed(seed, "test", i), catalog, classes)
        yield image, _boxes(labels), np.asarray([lab.class_id for lab in labels], np.int64)


def dataset_split(path: Path, split: str = "test") -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Pictures of a YOLO-format data set's split with their labels in pixels."""
    from vision import dataset

    data = dataset.load(path)
    if not data.images(split):
        raise ModelError(f"{path}: the data set has no {split} images")
    for image_path, labels in data.examples(split):
        image = dataset.read_image(image_path)
        yield image, _boxes(labels), np.asarray([lab.class_id for lab in labels], np.int64)


def _boxes(labels: list[Label]) -> np.ndarray:
    return np.asarray([lab.xyxy for lab in labels], np.float32).reshape(-1, 4)


def _result(det: Any, gt_xyxy: np.ndarray, gt_cls: np.ndarray) -> ImageResult:
    return ImageResult(np.asarray(det.xyxy), np.asarray(det.confidence), np.asarray(det.class_id), gt_xyxy, gt_cls)


def _summarise(results: list[ImageResult], names: tuple[str, ...], conf: float) -> dict[str, Any]:
    figures = detection_metrics(results, len(names), conf)
    pairs = confusions(results, conf)
    return {
        "map50": round(figures["map50"], 4),
        "map50_95": round(figures["map50_95"], 4),
        "cacc": round(counting_accuracy(results, conf), 4),
        "per_class_recall": {names[c]: round(r, 4) for c, r in sorted(figures["per_class_recall"].items())},
        "confusions": [{"true": names[t], "predicted": names[p], "count": n} for (t, p), n in pairs.most_common(10)],
    }


def _time_calls(detector: Detector, images: list[np.ndarray]) -> list[float]:
    detector(images[0])  # warm-up: first run allocates
    times = []
    for image in images:
        start = time.perf_counter()
        detector(image)
        times.append(time.perf_counter() - start)
    return times


def ultralytics_latency(weights: Path, images: list[np.ndarray], imgsz: int) -> list[float] | None:
    """ultralytics' own PyTorch predict on the same pictures, when the training venv is what runs this."""
    try:
        from vision import ultralytics_env

        ultralytics_env.prepare()
        import torch
        from ultralytics import YOLO
    except ModuleNotFoundError:
        return None
    if not weights.is_file():
        return None
    torch.set_num_threads(LATENCY_THREADS)
    model = YOLO(str(weights))
    model.predict(images[0], imgsz=imgsz, device="cpu", verbose=False)
    times = []
    for image in images:
        start = time.perf_counter()
        model.predict(image, imgsz=imgsz, device="cpu", verbose=False)
        times.append(time.perf_counter() - start)
    return times


def run(
    model: Path,
    *,
    data: Path | None = None,
    seed: int = 1000,
    baskets: int = 500,
    latency_images: int = 50,
    int8: bool = True,
    progress: bool = True,
) -> dict[str, Any]:
    """All figures of ``basketcheck vision eval`` as one JSON-ready dict."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    from vision.progress import Progress

    fp32 = Detector.from_path(model, "fp32", threads=LATENCY_THREADS)
    q8 = Detector.from_path(model, "int8", threads=LATENCY_THREADS) if int8 and "int8" in fp32.card.files else None
    conf = fp32.card.conf_threshold
    split = dataset_split(data) if data is not None else generated_split(seed, baskets)
    total = len(_dataset_images(data)) if data is not None else baskets
    bar = Progress(total, "evaluating") if progress else None
    res32: list[ImageResult] = []
    res8: list[ImageResult] = []
    latency_set: list[np.ndarray] = []
    objects = 0
    for image, gt_xyxy, gt_cls in split:
        if len(latency_set) < latency_images:
            latency_set.append(image)
        res32.append(_result(fp32(image, conf=EVAL_CONF), gt_xyxy, gt_cls))
        if q8 is not None:
            res8.append(_result(q8(image, conf=EVAL_CONF), gt_xyxy, gt_cls))
        objects += len(gt_cls)
        if bar:
            bar.step()
    if not res32:
        raise ModelError("no test pictures to evaluate on")
    figures: dict[str, Any] = {
        "test_set": {
            "source": str(data) if data is not None else f"generated: seed {seed}, split test",
            "pictures": len(res32),
            "objects": objects,
        },
        "model": str(fp32.model_path),
        "conf_threshold": conf,
        **_summarise(res32, fp32.names, conf),
    }
    if q8 is not None:
        s8 = _summarise(res8, q8.names, conf)
        figures.update(int8_map50=s8["map50"], int8_map50_95=s8["map50_95"], int8_cacc=s8["cacc"])
    latency: dict[str, Any] = {"size_px": fp32.imgsz, "threads": LATENCY_THREADS, "pictures": len(latency_set)}
    t32 = _time_calls(fp32, latency_set)
    latency.update(fp32_p50=percentile_ms(t32, 50), fp32_p95=percentile_ms(t32, 95))
    if q8 is not None:
        t8 = _time_calls(q8, latency_set)
        latency.update(int8_p50=percentile_ms(t8, 50), int8_p95=percentile_ms(t8, 95))
    figures["latency_ms"] = latency
    pt = fp32.card.raw.get("files", {}).get("pytorch")
    tu = ultralytics_latency(fp32.card.path.parent / pt, latency_set, fp32.imgsz) if pt else None
    if tu is not None:
        figures["ultralytics_p50"] = percentile_ms(tu, 50)
        figures["onnx_speedup_vs_ultralytics"] = round(figures["ultralytics_p50"] / latency["fp32_p50"], 2)
    return figures


def _dataset_images(path: Path) -> list[Path]:
    from vision import dataset

    return dataset.load(path).images("test")
