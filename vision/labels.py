"""Ground truth → YOLO labels: which rendered items count as present, and their normalised boxes.

An item counts as present when it is a product or a distractor (the basket is not a class) and at least
``MIN_VISIBLE_FRACTION`` of its silhouette is visible. Items hidden more than that are not labelled, because
neither a camera nor a person can fairly be asked to find them; the evaluation uses the same rule for the
counts it expects (cAcc), so a hidden item is neither a missed detection nor a false one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hardware_sim.render import GroundTruth

MIN_VISIBLE_FRACTION = 0.3
MIN_VISIBLE_SIDE_PX = 4  # slivers thinner than this are not a fair target either


@dataclass(frozen=True)
class Label:
    """One labelled object: class id and visible box in image pixels (x0, y0, x1, y1)."""

    class_id: int
    xyxy: tuple[float, float, float, float]


def is_present(kind: str, visible_fraction: float, visible_box: Sequence[float]) -> bool:
    """Whether an item counts as present in the picture (labelled, and expected by the evaluation)."""
    if kind not in ("product", "distractor"):
        return False
    x0, y0, x1, y1 = visible_box
    if x1 - x0 < MIN_VISIBLE_SIDE_PX or y1 - y0 < MIN_VISIBLE_SIDE_PX:
        return False
    return visible_fraction >= MIN_VISIBLE_FRACTION


def labels_from_truth(truth: Iterable[GroundTruth], index: dict[str, int], non_merchandise_id: int) -> list[Label]:
    """Labels for the present items of a rendered picture (``truth``: hardware_sim GroundTruth records)."""
    out: list[Label] = []
    for gt in truth:
        if not is_present(gt.kind, gt.visible_fraction, gt.visible_box):
            continue
        class_id = index[gt.ref] if gt.kind == "product" else non_merchandise_id
        x0, y0, x1, y1 = (float(v) for v in gt.visible_box)
        out.append(Label(class_id, (x0, y0, x1, y1)))
    return out


def to_yolo_lines(labels: Iterable[Label], width: int, height: int) -> list[str]:
    """YOLO text lines: ``class cx cy w h``, normalised to the image size."""
    lines = []
    for lab in labels:
        x0, y0, x1, y1 = lab.xyxy
        cx, cy = (x0 + x1) / 2 / width, (y0 + y1) / 2 / height
        w, h = (x1 - x0) / width, (y1 - y0) / height
        lines.append(f"{lab.class_id} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}")
    return lines


def from_yolo_lines(lines: Iterable[str], width: int, height: int) -> list[Label]:
    """Parse YOLO text lines back to labels in pixels; raises ValueError on a malformed line."""
    out = []
    for n, line in enumerate(lines, 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 5:
            raise ValueError(f"line {n}: expected 5 fields 'class cx cy w h', got {len(parts)}")
        cls = int(parts[0])
        cx, cy, w, h = (float(p) for p in parts[1:])
        out.append(
            Label(cls, ((cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height))
        )
    return out
