"""The shipped detector: loads with its card, finds products on rendered baskets, refuses bad model files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from vision.card import CARD_NAME, FP32_NAME, INT8_NAME
from vision.detector import Detector
from vision.errors import ModelError

SHIPPED = Path(__file__).resolve().parents[2] / "vision" / "models"


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.from_path(SHIPPED)


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    out = tmp_path / "model"
    out.mkdir()
    for name in (CARD_NAME, FP32_NAME, INT8_NAME):
        shutil.copyfile(SHIPPED / name, out / name)
    return out


def _edit_card(folder: Path, change) -> None:  # type: ignore[no-untyped-def]
    card = json.loads((folder / CARD_NAME).read_text())
    change(card)
    (folder / CARD_NAME).write_text(json.dumps(card))


def test_shipped_model_is_small_and_its_card_lists_every_catalog_product(detector: Detector) -> None:
    from vision.classes import catalog_classes

    for name in (FP32_NAME, INT8_NAME):
        assert (SHIPPED / name).stat().st_size < 16 * 1024 * 1024
    assert [(c.name, c.gtin14) for c in detector.card.classes] == [(c.name, c.gtin14) for c in catalog_classes()]
    raw = detector.card.raw
    assert raw["training"]["command"].startswith("basketcheck vision train")
    assert raw["dataset"]["hash"].startswith("sha256:")
    # it runs at the size it was trained at (trained at 416 px and run at 640, it lost 0.07 mAP50)
    assert raw["input"]["size"] == raw["training"]["config"]["imgsz"]
    # and suppresses duplicate boxes as export writes it (at ultralytics' 0.7 one item was often counted twice)
    from vision.card import NMS_IOU

    assert detector.card.iou_threshold == NMS_IOU


def test_detections_are_in_picture_pixels_with_gtins(detector: Detector) -> None:
    from vision.classes import catalog_classes
    from vision.dataset import render_example, render_seed

    image, _ = render_example(render_seed(77, "test", 0), None, catalog_classes())
    found = detector(image, conf=0.01)
    assert found.image_size == (1280, 720)
    assert len(found) > 0
    assert found.xyxy[:, [0, 2]].max() <= 1280 and found.xyxy[:, [1, 3]].max() <= 720
    for cls, gtin in zip(found.class_id, found.gtin14, strict=True):
        assert gtin == detector.card.classes[int(cls)].gtin14


def test_int8_model_loads_and_detects(detector: Detector) -> None:
    q8 = Detector.from_path(SHIPPED, "int8")
    assert q8.model_path.name == INT8_NAME and q8.card.classes == detector.card.classes
    image = np.full((720, 1280, 3), 90, np.uint8)
    assert q8(image).image_size == (1280, 720)


def test_an_onnx_file_path_finds_its_card_beside_it() -> None:
    assert Detector.from_path(SHIPPED / INT8_NAME).model_path.name == INT8_NAME


def test_bad_pictures_are_refused(detector: Detector) -> None:
    with pytest.raises(ValueError, match="BGR uint8"):
        detector(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="BGR uint8"):
        detector(np.zeros((10, 10, 3), np.float32))


def _drop_file(folder: Path) -> None:
    (folder / FP32_NAME).unlink()


def _corrupt(folder: Path) -> None:
    (folder / FP32_NAME).write_bytes(b"this is not a protobuf" * 10)
    _edit_card(folder, lambda c: c["sha256"].pop(FP32_NAME))  # so the ONNX parser is what notices


def _tamper(folder: Path) -> None:
    data = bytearray((folder / FP32_NAME).read_bytes())
    data[-10] ^= 0xFF
    (folder / FP32_NAME).write_bytes(bytes(data))


def _fewer_classes(folder: Path) -> None:
    _edit_card(folder, lambda c: c.update(classes=c["classes"][:-1]))


def _other_size(folder: Path) -> None:
    _edit_card(folder, lambda c: c["input"].update(size=320))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_drop_file, "model file missing"),
        (_corrupt, "not a valid ONNX model"),
        (_tamper, "does not match its card"),
        (_fewer_classes, "card lists 54 classes"),
        (_other_size, "does not match the card's 1×3×320×320"),
        (lambda f: (f / CARD_NAME).unlink(), "no model card"),
        (lambda f: (f / CARD_NAME).write_text("{not json"), "not valid JSON"),
        (lambda f: _edit_card(f, lambda c: c.update(format="other/9")), "card format"),
        (lambda f: _edit_card(f, lambda c: c.pop("classes")), "missing or has a bad field"),
        (lambda f: _edit_card(f, lambda c: c["classes"].reverse()), "class ids must run"),
    ],
)
def test_broken_or_mismatched_models_give_clear_errors(model_copy: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    damage(model_copy)
    with pytest.raises(ModelError, match=message):
        Detector.from_path(model_copy)


def test_missing_paths_and_unlisted_files(tmp_path: Path, model_copy: Path) -> None:
    with pytest.raises(ModelError, match="no such model folder"):
        Detector.from_path(tmp_path / "nowhere")
    shutil.copyfile(model_copy / FP32_NAME, model_copy / "other.onnx")
    with pytest.raises(ModelError, match="not one of the models its card lists"):
        Detector.from_path(model_copy / "other.onnx")
    with pytest.raises(ModelError, match="no 'fp16' model"):
        Detector.from_path(model_copy, "fp16")
