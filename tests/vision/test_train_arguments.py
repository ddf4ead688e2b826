"""The arguments handed to ultralytics: a yaml trains from random weights, a .pt is fine-tuned from its own."""

from __future__ import annotations

from pathlib import Path

from vision.train import TrainConfig, ultralytics_arguments


def test_a_model_yaml_trains_from_random_weights(tmp_path: Path) -> None:
    kwargs = ultralytics_arguments(TrainConfig(data=tmp_path, out=tmp_path / "run"), "cpu", tmp_path / "run")
    assert kwargs["pretrained"] is False and kwargs["amp"] is False
    assert kwargs["data"] == str(tmp_path.resolve() / "data.yaml") and kwargs["name"] == "run"
    assert "lr0" not in kwargs and "time" not in kwargs


def test_a_checkpoint_is_fine_tuned_from_its_weights(tmp_path: Path) -> None:
    config = TrainConfig(data=tmp_path, out=tmp_path / "ft", model="vision/models/detector.pt", lr0=3e-4, time_h=1.5)
    kwargs = ultralytics_arguments(config, "0", tmp_path / "ft")
    assert "pretrained" not in kwargs  # ultralytics' pretrained=False would discard the checkpoint's weights
    assert kwargs["lr0"] == 3e-4 and kwargs["time"] == 1.5 and kwargs["amp"] is True
