"""The evidence a verdict carries: the annotated photo, crops for the shopper's prompts, the weight trace plot
and the expected-vs-seen table.

Images in, bytes out: nothing here talks to the network or the hardware, so the staff dashboard, the shopper
screen and the tests all see exactly what the unit signed. Drawing and encoding use OpenCV; the weight plot uses
matplotlib's Agg canvas directly (no pyplot: no global figure state, safe from any thread, never a display).
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import cv2
import numpy as np

from validation_unit.basket import Decision, ExpectedBasket, Policy, SeenObject
from validation_unit.views import photo_name

# Box colours (OpenCV is BGR): a product a reason names, non-merchandise, any other product.
RED = (0, 0, 230)
ORANGE = (0, 150, 255)
GREEN = (0, 190, 0)

ATTACHMENT_NAME = re.compile(r"^[a-z0-9_]+$")

Row = dict[str, Any]


def _check_bgr(bgr: np.ndarray) -> None:
    if not isinstance(bgr, np.ndarray) or bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.size == 0:
        shape = getattr(bgr, "shape", None)
        raise ValueError(f"expected a BGR image of shape (height, width, 3), got {shape}")


def _encode_jpeg(bgr: np.ndarray, quality: int) -> bytes:
    ok, buffer = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV only fails here on an unusable array
        raise ValueError("OpenCV could not encode the image as JPEG")
    return bytes(buffer.tobytes())


def _ascii(text: str) -> str:
    """OpenCV's Hershey fonts draw ASCII only: fold accents away and replace what is left."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return folded.replace("\n", " ").strip() or "?"


def box_colour(obj: SeenObject, highlight: Collection[str]) -> tuple[int, int, int]:
    """The BGR colour of an object's box: red if a reason names it, orange for non-merchandise, else green."""
    if obj.gtin14 is None:
        return ORANGE
    return RED if obj.gtin14 in highlight else GREEN


def annotate_photo(
    bgr: np.ndarray, objects: Sequence[SeenObject], highlight: Collection[str] = (), quality: int = 85
) -> bytes:
    """A JPEG of the photo with a labelled box per object (label and confidence).

    ``highlight`` holds the GTIN-14s the verdict's reasons name; those boxes are red so that whoever looks at
    the photo finds the problem first. Highlighted boxes are drawn last, on top of the others."""
    _check_bgr(bgr)
    canvas = np.ascontiguousarray(bgr).copy()
    height, width = canvas.shape[:2]
    scale = max(width, height) / 1000
    thickness = max(2, round(3 * scale))
    font_scale = max(0.45, 0.6 * scale)
    font_thickness = max(1, round(1.5 * scale))
    highlight = set(highlight)
    ordered = sorted(objects, key=lambda o: (o.gtin14 is not None and o.gtin14 in highlight, o.gtin14 is None))
    for obj in ordered:
        colour = box_colour(obj, highlight)
        x1, y1, x2, y2 = (round(v) for v in obj.box)
        x1, x2 = sorted((min(max(x1, 0), width - 1), min(max(x2, 0), width - 1)))
        y1, y2 = sorted((min(max(y1, 0), height - 1), min(max(y2, 0), height - 1)))
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, thickness, cv2.LINE_AA)
        text = f"{_ascii(obj.label)} {obj.confidence:.2f}"
        (tw, th), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, font_thickness)
        pad = max(2, thickness)
        # The label sits on top of the box; at the photo's top edge it moves inside the box.
        top = y1 - th - baseline - 2 * pad if y1 - th - baseline - 2 * pad >= 0 else y1
        left = min(x1, max(0, width - tw - 2 * pad))
        cv2.rectangle(canvas, (left, top), (left + tw + 2 * pad, top + th + baseline + 2 * pad), colour, cv2.FILLED)
        text_colour = (0, 0, 0) if colour == ORANGE else (255, 255, 255)
        cv2.putText(
            canvas,
            text,
            (left + pad, top + pad + th),
            cv2.FONT_HERSHEY_SIMPLEX,
            font_scale,
            text_colour,
            font_thickness,
            cv2.LINE_AA,
        )
    return _encode_jpeg(canvas, quality)


def crop_box(shape: tuple[int, ...], box: Sequence[float], margin: float = 0.1) -> tuple[int, int, int, int]:
    """The pixel window (x1, y1, x2, y2, end-exclusive) for a crop of ``box``: grown by ``margin`` of its size,
    widened to a square around its centre where the photo allows, and clamped to the photo."""
    height, width = shape[:2]
    if len(box) != 4 or not all(math.isfinite(float(v)) for v in box):
        raise ValueError(f"a box is four finite numbers x1, y1, x2, y2, got {tuple(box)}")
    x1, y1, x2, y2 = (float(v) for v in box)
    if x2 <= x1 or y2 <= y1:
        raise ValueError(f"degenerate box {tuple(box)}: x2 must exceed x1 and y2 must exceed y1")
    if x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height:
        raise ValueError(f"box {tuple(box)} lies outside the {width}×{height} photo")
    side = max(x2 - x1, y2 - y1) * (1 + 2 * margin)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    left, right = _window(cx, side, width)
    top, bottom = _window(cy, side, height)
    return left, top, right, bottom


def _window(centre: float, side: float, limit: int) -> tuple[int, int]:
    """A span of ``side`` pixels around ``centre``, slid (then cut) to fit in [0, limit)."""
    start = centre - side / 2
    start = min(max(start, 0.0), max(0.0, limit - side))
    lo = math.floor(start)
    hi = math.ceil(min(start + side, limit))
    return lo, max(hi, lo + 1)


def crop_jpeg(bgr: np.ndarray, box: Sequence[float], size: int = 160, margin: float = 0.1) -> bytes:
    """A JPEG crop of one object for the shopper's prompt, at most ``size`` pixels on its longer side.

    The crop is square where the photo allows (an item at the border gives a narrower crop, never padding)."""
    _check_bgr(bgr)
    if size < 8:
        raise ValueError(f"crop size must be at least 8 pixels, got {size}")
    x1, y1, x2, y2 = crop_box(bgr.shape, box, margin)
    crop = bgr[y1:y2, x1:x2]
    longer = max(crop.shape[0], crop.shape[1])
    factor = size / longer
    new_size = (max(1, round(crop.shape[1] * factor)), max(1, round(crop.shape[0] * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return _encode_jpeg(cv2.resize(crop, new_size, interpolation=interpolation), 85)


def weight_trace_png(
    trace: Sequence[tuple[float, float]],
    expected_g: float | None,
    sigma_g: float | None,
    z: float | None,
    measured_g: float | None,
) -> bytes:
    """A small PNG plot of grams over seconds since the basket arrived.

    Shows the expected weight with its acceptance band (±z·σ, shaded) and the stable reading the decision used,
    so staff see at a glance whether the scale settled and how far off the basket was."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.8, 2.6), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    points = [(float(t), float(g)) for t, g in trace if math.isfinite(float(t)) and math.isfinite(float(g))]
    if points:
        times, grams = zip(*points, strict=True)
        axes.plot(times, grams, color="#1f4e79", linewidth=1.5, label="scale")
    else:
        axes.text(0.5, 0.5, "no readings", transform=axes.transAxes, ha="center", va="center", color="#555555")
    if expected_g is not None:
        if sigma_g is not None and z is not None:
            half = abs(z) * sigma_g
            axes.axhspan(expected_g - half, expected_g + half, color="#2e7d32", alpha=0.18, linewidth=0)
            band = f"expected {expected_g:.0f} ± {half:.0f} g"
        else:
            band = f"expected {expected_g:.0f} g"
        axes.axhline(expected_g, color="#2e7d32", linestyle="--", linewidth=1, label=band)
    if measured_g is not None:
        axes.axhline(measured_g, color="#c62828", linestyle=":", linewidth=1.2, label=f"stable {measured_g:.0f} g")
        if points:
            axes.plot([points[-1][0]], [measured_g], marker="o", color="#c62828", markersize=5)
    axes.set_xlabel("seconds since the basket arrived")
    axes.set_ylabel("grams")
    axes.grid(True, alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="lower right", fontsize=7, framealpha=0.8)
    for label in (axes.xaxis.label, axes.yaxis.label):
        label.set_fontsize(8)
    axes.tick_params(labelsize=7)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def row_status(scanned: int, seen: int) -> str:
    """How a product's scanned count compares with the camera's: fewer seen than scanned is "not seen" (the
    camera missed at least one piece: weak evidence, items hide each other)."""
    if seen == scanned:
        return "ok"
    if scanned == 0:
        return "not scanned"
    if seen > scanned:
        return "more than scanned"
    return "not seen"


def evidence_rows(expected: ExpectedBasket, seen: Mapping[str, int], names: Mapping[str, str]) -> list[Row]:
    """The expected-vs-seen table: one row per product scanned or seen, scanned products first in basket order.

    Kept in the verdict and shown on the shopper screen; ``names`` names products that were seen but not
    scanned (the scanned ones carry their own names)."""
    scanned = expected.counts()
    line_names: dict[str, str] = {}
    for line in expected.lines:
        line_names.setdefault(line.gtin14, line.name)
    order = list(dict.fromkeys(line.gtin14 for line in expected.lines))
    order += sorted(g for g in seen if g not in scanned and seen[g] > 0)
    rows: list[Row] = []
    for gtin in order:
        count_scanned = scanned.get(gtin, 0)
        count_seen = int(seen.get(gtin, 0))
        rows.append(
            {
                "gtin14": gtin,
                "name": line_names.get(gtin) or names.get(gtin) or gtin,
                "scanned": count_scanned,
                "seen": count_seen,
                "status": row_status(count_scanned, count_seen),
            }
        )
    return rows


def build_attachments(
    bgr: np.ndarray | None,
    decision: Decision,
    objects: Sequence[SeenObject],
    trace: Sequence[tuple[float, float]],
    *,
    band_z: float | None = None,
    views: Sequence[tuple[str, np.ndarray]] = (),
) -> dict[str, tuple[str, bytes]]:
    """The verdict's attachments, name → (content type, bytes).

    "photo" is the primary camera's raw JPEG (the staff dashboard draws its own boxes on it), "photo_annotated"
    the same with ``objects`` (its boxes) drawn in, "weight_trace" the weight plot. Each further camera in
    ``views`` (camera id, its picture) adds "photo_<id>", raw like "photo": the flag page draws each view's own
    boxes (the detections that name its camera) and lets staff turn them off. Without a photo only
    "weight_trace" (and the further views). ``band_z`` is the store's z threshold for the shaded band; by
    default the standard policy's at the decision's mode."""
    highlight = {r.gtin14 for r in decision.reasons if r.gtin14 is not None}
    z = band_z if band_z is not None else Policy().z(weight_only=decision.weight_only)
    out: dict[str, tuple[str, bytes]] = {}
    if bgr is not None:
        _check_bgr(bgr)
        out["photo"] = ("image/jpeg", _encode_jpeg(bgr, 90))
        out["photo_annotated"] = ("image/jpeg", annotate_photo(bgr, objects, highlight))
    for camera, picture in views:
        name = photo_name(camera, primary=False)
        if not ATTACHMENT_NAME.match(name) or name in out or name == "photo_annotated":
            raise ValueError(f"camera id {camera!r} cannot name an attachment ({name!r} is not free)")
        _check_bgr(picture)
        out[name] = ("image/jpeg", _encode_jpeg(picture, 90))
    out["weight_trace"] = (
        "image/png",
        weight_trace_png(trace, decision.expected_g, decision.sigma_g, z, decision.measured_g),
    )
    return out
