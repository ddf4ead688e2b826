"""Synthetic YOLO-format datasets from the simulator's renderer, and reading any YOLO-format dataset.

Layout (what ultralytics and labelling tools such as CVAT or Label Studio export)::

    DIR/data.yaml               path, train/val/test image folders, nc, names (+ gtin14 per class)
    DIR/images/{train,val,test}/NNNNNN.jpg
    DIR/labels/{train,val,test}/NNNNNN.txt   "class cx cy w h" per present object, normalised

Each picture's render seed comes from (dataset seed, split, index), so splits never share a basket and the
same command makes the same files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vision.classes import ClassInfo, catalog_classes, class_index
from vision.labels import Label, from_yolo_lines, labels_from_truth, to_yolo_lines

if TYPE_CHECKING:
    import numpy as np

SPLITS = ("train", "val", "test")
MAX_PRODUCTS = 30  # baskets of 1–30 products, as in the targets of issue 5
JPEG_QUALITY = 92


def render_seed(seed: int, split: str, index: int) -> int:
    """The render seed of one picture: distinct per (dataset seed, split, index)."""
    import numpy as np

    return int(np.random.SeedSequence([seed, SPLITS.index(split), index]).generate_state(1)[0])


def synthetic_basket(render_seed_: int, catalog: Any) -> Any:
    """A random basket of 1–30 products (plus the occasional distractor) for one picture."""
    import numpy as np

    from hardware_sim.render_layout import random_basket

    rng = np.random.default_rng([render_seed_, 7])
    n_products = int(rng.integers(1, MAX_PRODUCTS + 1))
    return random_basket(render_seed_, n_products=n_products, catalog=catalog)


def render_example(render_seed_: int, catalog: Any, classes: list[ClassInfo]) -> tuple[Any, list[Label]]:
    """One rendered picture (BGR, full size) and its labels."""
    from hardware_sim.render import render

    image, truth = render(synthetic_basket(render_seed_, catalog), render_seed_, catalog=catalog)
    return image, labels_from_truth(truth, class_index(classes), len(classes) - 1)


def _write_one(job: tuple[str, str, int, int, int]) -> int:
    out, split, index, seed, max_side = job
    import cv2

    from hardware_sim.catalog import load_demo_catalog

    catalog = load_demo_catalog()
    classes = catalog_classes(catalog)
    image, labels = render_example(render_seed(seed, split, index), catalog, classes)
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale < 1.0:
        image = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    name = f"{index:06d}"
    cv2.imwrite(str(Path(out) / "images" / split / f"{name}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    text = "\n".join(to_yolo_lines(labels, w, h))
    (Path(out) / "labels" / split / f"{name}.txt").write_text(text + ("\n" if text else ""))
    return len(labels)


def write_data_yaml(out: Path, classes: list[ClassInfo], splits: dict[str, int], seed: int | None) -> Path:
    """The ultralytics ``data.yaml`` (paths relative to ``out``), with each class's GTIN-14 alongside."""
    import yaml

    data = {
        "path": str(out.resolve()),
        "train": "images/train",
        "val": "images/val",
        "test": "images/test",
        "nc": len(classes),
        "names": {i: c.name for i, c in enumerate(classes)},
        "gtin14": {i: c.gtin14 for i, c in enumerate(classes)},
        "basketcheck": {"generator": "vision.dataset (hardware_sim renderer)", "seed": seed, "counts": splits},
    }
    path = out / "data.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def generate(
    out: Path, counts: dict[str, int], seed: int, *, max_side: int = 1280, workers: int = 1, show_progress: bool = True
) -> Path:
    """Render a dataset of ``counts`` pictures per split into ``out``; returns its ``data.yaml``."""
    from vision.progress import Progress

    out.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
    jobs = [(str(out), split, i, seed, max_side) for split in SPLITS for i in range(counts.get(split, 0))]
    bar = Progress(len(jobs), "rendering") if show_progress else None
    if workers > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            for _ in pool.imap_unordered(_write_one, jobs, chunksize=4):
                if bar:
                    bar.step()
    else:
        for job in jobs:
            _write_one(job)
            if bar:
                bar.step()
    return write_data_yaml(out, catalog_classes(), {s: counts.get(s, 0) for s in SPLITS}, seed)


@dataclass(frozen=True)
class YoloDataset:
    """A YOLO-format dataset on disk: its folder, class names (and GTINs where known) and split folders."""

    root: Path
    data_yaml: Path
    names: list[str]
    gtin14: list[str | None]
    splits: dict[str, Path]  # split → image folder

    def images(self, split: str) -> list[Path]:
        folder = self.splits.get(split)
        if folder is None or not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".bmp"))

    def label_path(self, image: Path) -> Path:
        """Where ultralytics looks for an image's labels: the last ``images`` folder swapped for ``labels``."""
        parts = list(image.parts)
        i = len(parts) - 1 - parts[::-1].index("images")
        parts[i] = "labels"
        return Path(*parts).with_suffix(".txt")

    def examples(self, split: str) -> Iterator[tuple[Path, list[Label]]]:
        """Each image of a split with its labels in pixels (needs the image size: read lazily with cv2)."""
        for image in self.images(split):
            h, w = read_image(image).shape[:2]
            lp = self.label_path(image)
            lines = lp.read_text().splitlines() if lp.is_file() else []
            yield image, from_yolo_lines(lines, w, h)


def read_image(path: Path) -> np.ndarray:
    """A picture as BGR uint8; raises ValueError when it cannot be read."""
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    return image


def load(path: Path) -> YoloDataset:
    """Read a YOLO-format dataset from its folder or its ``data.yaml``; raises ValueError when it is not one."""
    import yaml

    data_yaml = path / "data.yaml" if path.is_dir() else path
    if not data_yaml.is_file():
        raise ValueError(f"{path}: no data.yaml (expected a YOLO-format dataset)")
    data = yaml.safe_load(data_yaml.read_text()) or {}
    names_raw = data.get("names")
    if isinstance(names_raw, dict):
        names = [str(names_raw[k]) for k in sorted(names_raw, key=int)]
    elif isinstance(names_raw, list):
        names = [str(n) for n in names_raw]
    else:
        raise ValueError(f"{data_yaml}: 'names' missing or not a list/mapping")
    gt = data.get("gtin14") or {}
    gtin14 = [(str(gt[i]) if gt.get(i) else None) if isinstance(gt, dict) else None for i in range(len(names))]
    base = Path(data.get("path") or data_yaml.parent)
    if not base.is_absolute():
        base = (data_yaml.parent / base).resolve()
    if not base.is_dir():
        base = data_yaml.parent  # a dataset moved since its data.yaml was written
    splits = {s: base / str(data[s]) for s in SPLITS if isinstance(data.get(s), str)}
    return YoloDataset(base, data_yaml, names, gtin14, splits)


def dataset_hash(path: Path) -> str:
    """SHA-256 over every file of a dataset (relative path and bytes), data.yaml's ``path`` line excluded."""
    root = path if path.is_dir() else path.parent
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".cache"):
        rel = file.relative_to(root).as_posix()
        digest.update(rel.encode() + b"\0")
        data = file.read_bytes()
        if rel == "data.yaml":
            data = b"\n".join(line for line in data.splitlines() if not line.startswith(b"path:"))
        digest.update(hashlib.sha256(data).digest())
    return "sha256:" + digest.hexdigest()
