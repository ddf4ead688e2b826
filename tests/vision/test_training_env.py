"""The training environment (.venv-train) builds and runs a YOLO model from its yaml, offline."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

pytestmark = pytest.mark.train


def test_yolo_builds_from_yaml_and_predicts_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vision import ultralytics_env

    config_dir = ultralytics_env.prepare(tmp_path / "ycfg")
    assert (config_dir / "Ultralytics" / "Arial.ttf").is_file()

    def no_network(*_args, **_kwargs):
        raise AssertionError("ultralytics tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)

    import numpy as np
    from ultralytics import YOLO

    model = YOLO("yolov8n.yaml")  # architecture only: no pretrained weights
    results = model.predict(np.zeros((64, 64, 3), dtype=np.uint8), imgsz=64, device="cpu", verbose=False)
    assert len(results) == 1
    assert results[0].boxes is not None
