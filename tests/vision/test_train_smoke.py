"""Training smoke test (training venv): tiny data set, 1 epoch, export, onnxruntime equals PyTorch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.train

IMGSZ = 160


def test_train_export_and_onnx_matches_pytorch(tmp_path: Path) -> None:
    from vision import dataset, ultralytics_env
    from vision.detector import Detector
    from vision.export import export
    from vision.letterbox import letterbox_image, to_input_tensor
    from vision.train import TrainConfig, train

    ultralytics_env.prepare(tmp_path / "ycfg")
    data = tmp_path / "data"
    dataset.generate(data, {"train": 8, "val": 4, "test": 0}, seed=3, max_side=320, show_progress=False)
    run = train(
        TrainConfig(data=data, out=tmp_path / "run", epochs=1, imgsz=IMGSZ, batch=4, seed=0, device="cpu", workers=0),
        command="pytest smoke",
    )
    weights = run / "weights" / "last.pt"
    assert weights.is_file()

    card_path = export(weights, data, tmp_path / "model", calibration=4)  # at the size it was trained at
    card = json.loads(card_path.read_text())
    assert sorted(p.name for p in weights.parent.iterdir()) == ["best.pt", "last.pt"]  # nothing written beside them
    assert card["input"]["size"] == IMGSZ and len(card["classes"]) == 55
    assert card["training"]["command"] == "pytest smoke" and card["training"]["epochs_run"] == 1
    assert card["dataset"]["hash"].startswith("sha256:") and card["export"]["torch"]
    # re-exporting the model folder's own weights into it keeps the card's record of how they were trained
    again = json.loads(
        export(card_path.parent / "detector.pt", data, card_path.parent, imgsz=IMGSZ, calibration=4).read_text()
    )
    assert again["training"] == card["training"] and again["dataset"] == card["dataset"]

    import torch
    from ultralytics import YOLO

    image = dataset.read_image(dataset.load(data).images("val")[0])
    tensor = to_input_tensor(letterbox_image(image, IMGSZ)[0])
    model = YOLO(str(weights)).model.float().eval()
    with torch.no_grad():
        expected = model(torch.from_numpy(tensor))[0].numpy()
    fp32 = Detector.from_path(tmp_path / "model", "fp32")
    got = fp32.raw(tensor)
    assert got.shape == expected.shape == (1, 4 + 55, (IMGSZ // 8) ** 2 + (IMGSZ // 16) ** 2 + (IMGSZ // 32) ** 2)
    np.testing.assert_allclose(got[:, :4], expected[:, :4], atol=0.05)  # box pixels
    np.testing.assert_allclose(got[:, 4:], expected[:, 4:], atol=1e-3)  # class scores
    # INT8 loads, runs and keeps the output's shape; its accuracy is the evaluation's business
    assert Detector.from_path(tmp_path / "model", "int8").raw(tensor).shape == expected.shape
    assert len(fp32(image, conf=0.0)) >= 0
