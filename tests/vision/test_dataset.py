"""Synthetic data sets: the labelling rule, YOLO lines, seeded splits, data.yaml and reading data sets back."""

from __future__ import annotations

from pathlib import Path

import pytest

from vision import dataset
from vision.labels import MIN_VISIBLE_FRACTION, Label, from_yolo_lines, is_present, to_yolo_lines


@pytest.mark.parametrize(
    ("kind", "fraction", "box", "present"),
    [
        ("product", 1.0, (0, 0, 50, 50), True),
        ("distractor", 0.6, (0, 0, 50, 50), True),
        ("basket", 1.0, (0, 0, 500, 500), False),  # the basket is not a class
        ("product", MIN_VISIBLE_FRACTION, (0, 0, 50, 50), True),
        ("product", MIN_VISIBLE_FRACTION - 0.01, (0, 0, 50, 50), False),  # mostly hidden
        ("product", 0.9, (0, 0, 3, 50), False),  # a sliver
        ("product", 0.0, (0, 0, 0, 0), False),  # off the picture
    ],
)
def test_what_counts_as_present(kind: str, fraction: float, box: tuple, present: bool) -> None:
    assert is_present(kind, fraction, box) is present


def test_yolo_lines_round_trip() -> None:
    labels = [Label(3, (10.0, 20.0, 110.0, 70.0)), Label(0, (0.0, 0.0, 1280.0, 720.0))]
    lines = to_yolo_lines(labels, 1280, 720)
    assert lines[1] == "0 0.500000 0.500000 1.000000 1.000000"
    back = from_yolo_lines(lines, 1280, 720)
    for a, b in zip(labels, back, strict=True):
        assert a.class_id == b.class_id and a.xyxy == pytest.approx(b.xyxy, abs=0.01)
    with pytest.raises(ValueError, match="line 1"):
        from_yolo_lines(["3 0.5 0.5"], 10, 10)


def test_render_seeds_differ_between_splits_and_repeat_for_a_seed() -> None:
    seeds = {dataset.render_seed(0, s, i) for s in dataset.SPLITS for i in range(50)}
    assert len(seeds) == 150
    assert dataset.render_seed(0, "val", 3) == dataset.render_seed(0, "val", 3)
    assert dataset.render_seed(1, "val", 3) != dataset.render_seed(0, "val", 3)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ds") / "tiny"
    dataset.generate(out, {"train": 2, "val": 1, "test": 1}, seed=5, max_side=320, show_progress=False)
    return out


def test_generated_dataset_is_yolo_format_with_gtins(tiny: Path) -> None:
    data = dataset.load(tiny)
    assert len(data.names) == 55 and data.names[-1] == "non_merchandise"
    assert data.gtin14[-1] is None and all(g and len(g) == 14 for g in data.gtin14[:-1])
    assert [len(data.images(s)) for s in dataset.SPLITS] == [2, 1, 1]
    image, labels = next(data.examples("train"))
    assert image.suffix == ".jpg" and labels
    assert all(0 <= lab.class_id < 55 for lab in labels)
    assert all(0 <= v <= 320 for lab in labels for v in lab.xyxy)


def test_same_seed_same_files(tiny: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    dataset.generate(again, {"train": 2, "val": 1, "test": 1}, seed=5, max_side=320, show_progress=False)
    assert dataset.dataset_hash(again) == dataset.dataset_hash(tiny)  # data.yaml's absolute path left out
    (again / "labels" / "train" / "000000.txt").write_text("")
    assert dataset.dataset_hash(again) != dataset.dataset_hash(tiny)


def test_a_real_dataset_with_list_names_and_no_gtins_loads(tmp_path: Path) -> None:
    (tmp_path / "images" / "val").mkdir(parents=True)
    (tmp_path / "data.yaml").write_text("path: .\ntrain: images/train\nval: images/val\nnames: [cola, chips]\n")
    data = dataset.load(tmp_path)
    assert data.names == ["cola", "chips"] and data.gtin14 == [None, None]
    assert data.images("train") == []
    assert data.label_path(tmp_path / "images" / "val" / "a.png") == tmp_path / "labels" / "val" / "a.txt"


def test_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no data\.yaml"):
        dataset.load(tmp_path)
    (tmp_path / "data.yaml").write_text("train: x\n")
    with pytest.raises(ValueError, match="names"):
        dataset.load(tmp_path)
