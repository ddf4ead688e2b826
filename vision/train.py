"""Train the product detector with ultralytics from a model yaml (no pretrained weights), fully offline.

The run folder gets ``basketcheck_train.json``: the exact command, seed, data set and versions, which the
export copies into the model card.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "yolov8n.yaml"
TRAIN_RECORD = "basketcheck_train.json"


@dataclass(frozen=True)
class TrainConfig:
    """What a training run needs; ``time_h`` (when set) caps the run's length and overrides ``epochs``."""

    data: Path
    out: Path
    model: str = DEFAULT_MODEL
    epochs: int = 100
    imgsz: int = 640
    batch: int = 16
    seed: int = 0
    device: str = "auto"
    workers: int = 2
    time_h: float | None = None
    patience: int = 100
    optimizer: str = "auto"  # ultralytics picks AdamW with a small lr for short runs, SGD for long ones
    lr0: float | None = None
    warmup_epochs: float = 3.0


def pick_device(requested: str) -> str:
    """``auto`` → the first CUDA GPU when torch sees one, else ``cpu``."""
    if requested != "auto":
        return requested
    import torch

    return "0" if torch.cuda.is_available() else "cpu"


def ultralytics_arguments(config: TrainConfig, device: str, run_dir: Path) -> dict[str, Any]:
    """The keyword arguments of ultralytics' ``YOLO.train`` for this run."""
    kwargs: dict[str, Any] = dict(
        data=str(Path(config.data).resolve() / "data.yaml" if Path(config.data).is_dir() else config.data),
        epochs=config.epochs,
        imgsz=config.imgsz,
        batch=config.batch,
        seed=config.seed,
        deterministic=True,
        device=device,
        workers=config.workers,
        project=str(run_dir.parent),
        name=run_dir.name,
        exist_ok=True,
        amp=device != "cpu",
        patience=config.patience,
        plots=False,
        verbose=True,
        fliplr=0.5,
        optimizer=config.optimizer,
        warmup_epochs=config.warmup_epochs,
    )
    if config.model.endswith((".yaml", ".yml")):
        kwargs["pretrained"] = False  # a yaml is the architecture alone: random weights, nothing to download
    # A .pt keeps its weights (fine-tuning): ultralytics' pretrained=False would throw them away.
    if config.lr0 is not None:
        kwargs["lr0"] = config.lr0
    if config.time_h:
        kwargs["time"] = config.time_h
    return kwargs


def train(config: TrainConfig, command: str | None = None) -> Path:
    """Run the training; returns the run folder (``weights/best.pt`` inside)."""
    from vision import ultralytics_env

    ultralytics_env.prepare()
    import torch

    device = pick_device(config.device)
    if device == "cpu":
        torch.set_num_threads(max(1, os.cpu_count() or 1))  # both cores of the station / CI machine
    import ultralytics
    from ultralytics import YOLO

    run_dir = config.out.resolve()
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    model = YOLO(config.model)  # a yaml builds the architecture with random weights: nothing is downloaded
    kwargs = ultralytics_arguments(config, device, run_dir)
    record = {
        "command": command or shlex.join(["basketcheck", *sys.argv[1:]]),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()},
        "device": device,
        "torch": torch.__version__,
        "ultralytics": ultralytics.__version__,
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / TRAIN_RECORD).write_text(json.dumps(record, indent=2) + "\n")
    model.train(**kwargs)
    return run_dir
