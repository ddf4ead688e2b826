"""The overhead camera's picture of the tray: composite cached textures, then light, blur, noise and JPEG them.

Camera model (what the vision model is trained on, and what the station's camera stream shows):

* image 1280 × 720 pixels (BGR, ``uint8``); the camera looks straight down at the tray's centre from
  :data:`CAMERA_HEIGHT_MM` above it;
* a point on the tray surface at ``(x_mm, y_mm)`` (scene coordinates: origin at the tray's top-left corner
  as the camera sees it, x right, y down) lands at pixel ``u = 640 + 1.6 · (x − 300)``,
  ``v = 360 + 1.6 · (y − 200)``: the 600 × 400 mm tray fills ``[160, 1120) × [40, 680)``;
* a point ``z`` mm above the tray is magnified about the image centre by ``H / (H − z)`` (pinhole camera):
  tall items look bigger and lean outwards, as they do from a real ceiling camera.

Every item is drawn as the top face of its cached texture (see :mod:`hardware_sim.looks`) at the height it
reaches, in stacking order (``z``, then ``item_id``); items whose footprints overlap an earlier item lie on
top of it. Ground truth per item: a tight box around its whole silhouette, a box around what stays visible,
and the visible fraction after occlusion.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from hardware_sim import catalog_baskets, distractors
from hardware_sim.catalog import Catalog, load_demo_catalog
from hardware_sim.looks import product_texture
from hardware_sim.looks_paint import TEX_PX_PER_MM, Texture
from hardware_sim.scene import TRAY_DEPTH_MM, TRAY_WIDTH_MM, PlacedItem, SceneSnapshot

IMAGE_W, IMAGE_H = 1280, 720
PX_PER_MM = 1.6  # at the tray surface
CAMERA_HEIGHT_MM = 1100.0
_CX, _CY = IMAGE_W / 2, IMAGE_H / 2
_TRAY_CX, _TRAY_CY = TRAY_WIDTH_MM / 2, TRAY_DEPTH_MM / 2
MAX_PILE_MM = 150.0  # items rest at most this high: a basket's wall is about 200 mm
_SHADOW_PER_MM = 0.12  # shadow offset per mm of height: the store light is up and to the left


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """What the camera shows of one item: the truth a detector is scored against."""

    item_id: int
    kind: str  # "product" | "distractor" | "basket"
    ref: str  # GTIN-14, distractor name or basket type
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) around the whole silhouette, clipped to the image
    visible_box: tuple[int, int, int, int]  # around the pixels not hidden by items on top; zeros if none
    visible_fraction: float  # visible pixels / silhouette pixels (0 when off-picture)
    pixels: int  # silhouette pixels inside the image


@dataclass(frozen=True)
class RenderOptions:
    """Which camera imperfections to simulate. ``None`` lets the seed decide, as for a training set."""

    lighting: bool = True
    shadows: bool = True
    blur: bool | None = None
    noise: bool = True
    glare: bool | None = None  # reflections of the ceiling lights on glossy packs
    jpeg: bool | None = None  # JPEG artefacts baked into the frame (the camera stream adds its own anyway)
    jpeg_quality: tuple[int, int] = (55, 92)


CLEAN = RenderOptions(lighting=False, shadows=True, blur=False, noise=False, glare=False, jpeg=False)


def tray_to_pixel(x_mm: float, y_mm: float, z_mm: float = 0.0) -> tuple[float, float]:
    """Where a point of the tray (``z_mm`` above its surface) appears in the image."""
    k = PX_PER_MM * CAMERA_HEIGHT_MM / (CAMERA_HEIGHT_MM - z_mm)
    return _CX + k * (x_mm - _TRAY_CX), _CY + k * (y_mm - _TRAY_CY)


@lru_cache(maxsize=1)
def background() -> np.ndarray:
    """The empty station: dark counter, brushed-steel tray with a rim. Painted once."""
    rng = np.random.default_rng(7)
    img = np.empty((IMAGE_H, IMAGE_W, 3), np.float32)
    img[:] = (58, 62, 66)
    img += cv2.GaussianBlur(rng.normal(0, 6, (IMAGE_H, IMAGE_W)).astype(np.float32), (0, 0), 2)[..., None]
    x0, y0 = (round(v) for v in tray_to_pixel(0, 0))
    x1, y1 = (round(v) for v in tray_to_pixel(TRAY_WIDTH_MM, TRAY_DEPTH_MM))
    brushed: np.ndarray = rng.normal(0, 7, (y1 - y0, 1)).astype(np.float32) + rng.normal(
        0, 3, (y1 - y0, x1 - x0)
    ).astype(np.float32)
    brushed = cv2.GaussianBlur(brushed, (31, 1), 0)
    img[y0:y1, x0:x1] = (172, 174, 176)
    img[y0:y1, x0:x1] += brushed[..., None]
    cv2.rectangle(img, (x0 - 6, y0 - 6), (x1 + 6, y1 + 6), (110, 112, 115), 6, cv2.LINE_AA)
    out = np.clip(img, 0, 255).astype(np.uint8)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=1)
def _noise_bank() -> np.ndarray:
    """Sensor noise, generated once; each frame takes a window at a seeded offset (cheap and deterministic)."""
    rng = np.random.default_rng(12345)
    bank = rng.normal(0, 1.0, (IMAGE_H + 64, IMAGE_W + 64, 3)).astype(np.float32)
    out = np.clip(bank * 32, -127, 127).astype(np.int16)  # 32 = 1 σ; scaled per frame
    out.setflags(write=False)
    return out


@dataclass
class Placed:
    """An item as the renderers draw it: its look and the height it rests at (see :func:`stack`)."""

    item: PlacedItem
    texture: Texture
    elevation_mm: float
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((2, 3)))


def _texture_for(item: PlacedItem, catalog: Catalog) -> Texture:
    if item.kind == "product":
        return product_texture(catalog.get(item.ref), item.pose, item.seed)
    if item.kind == "distractor":
        return distractors.distractor_texture(item.ref, item.seed)
    if item.kind == "basket":
        return catalog_baskets.basket_texture(item.ref)
    raise ValueError(f"item {item.item_id}: unknown kind {item.kind!r}")


def _footprint_radius_mm(texture: Texture) -> float:
    w, h = texture.size_px
    return 0.5 * math.sqrt(w * h) / TEX_PX_PER_MM


def stack(items: Sequence[PlacedItem], catalog: Catalog) -> list[Placed]:
    """Items in drawing order with the height each one rests at (on the tray, or on what lies under it)."""
    ordered = sorted(items, key=lambda i: (i.kind != "basket", i.z, i.item_id))
    placed: list[Placed] = []
    for item in ordered:
        texture = _texture_for(item, catalog)
        elevation = 0.0
        if item.kind != "basket":
            r = _footprint_radius_mm(texture)
            for below in placed:
                if below.item.kind == "basket":
                    continue
                rb = _footprint_radius_mm(below.texture)
                if math.hypot(item.x_mm - below.item.x_mm, item.y_mm - below.item.y_mm) < 0.7 * (r + rb):
                    elevation = max(elevation, below.elevation_mm + below.texture.height_mm)
        placed.append(Placed(item, texture, min(elevation, MAX_PILE_MM)))
    return placed


def _top_mm(p: Placed) -> float:
    top = p.elevation_mm + (0.0 if p.item.kind == "basket" else p.texture.height_mm)
    return min(top, CAMERA_HEIGHT_MM * 0.6)


def _matrix(p: Placed, z_mm: float | None = None) -> np.ndarray:
    """Affine map from texture pixels to image pixels for the item's outline at height ``z_mm`` (its top)."""
    z = _top_mm(p) if z_mm is None else z_mm
    k = PX_PER_MM * CAMERA_HEIGHT_MM / (CAMERA_HEIGHT_MM - z) / TEX_PX_PER_MM
    w, h = p.texture.size_px
    a = math.radians(p.item.rotation_deg)
    c, s = math.cos(a) * k, math.sin(a) * k
    u, v = tray_to_pixel(p.item.x_mm, p.item.y_mm, z)
    # Rotate about the texture centre (clockwise on screen for positive degrees, y pointing down).
    tx = u - (c * (w / 2) - s * (h / 2))
    ty = v - (s * (w / 2) + c * (h / 2))
    return np.array([[c, -s, tx], [s, c, ty]], np.float64)


def _side_polygon(p: Placed, top: np.ndarray) -> np.ndarray | None:
    """The item's sides as the camera sees them: the hull of its outline at the base and at the top, or None
    when they hide behind the top (short items, items right under the camera)."""
    if p.item.kind == "basket" or p.texture.height_mm < 15 or len(p.texture.hull) < 3:
        return None
    base = _matrix(p, p.elevation_mm)
    hull = p.texture.hull.astype(np.float64)
    top_pts = hull @ top[:, :2].T + top[:, 2]
    base_pts = hull @ base[:, :2].T + base[:, 2]
    if np.abs(top_pts.mean(axis=0) - base_pts.mean(axis=0)).max() < 1.5:
        return None
    return cv2.convexHull(np.vstack((top_pts, base_pts)).astype(np.float32)).reshape(-1, 2)


def _bounds(m: np.ndarray, w: int, h: int, margin: float) -> tuple[int, int, int, int] | None:
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float64) @ m.T
    x0 = max(0, math.floor(corners[:, 0].min() - margin))
    y0 = max(0, math.floor(corners[:, 1].min() - margin))
    x1 = min(IMAGE_W, math.ceil(corners[:, 0].max() + margin))
    y1 = min(IMAGE_H, math.ceil(corners[:, 1].max() + margin))
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def box_of(mask: np.ndarray, ox: int, oy: int) -> tuple[int, int, int, int]:
    """The box (x0, y0, x1 exclusive, y1 exclusive) around a mask's true pixels, offset by (ox, oy); zeros if none."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return (0, 0, 0, 0)
    cols = np.flatnonzero(mask.any(axis=0))
    return (ox + int(cols[0]), oy + int(rows[0]), ox + int(cols[-1]) + 1, oy + int(rows[-1]) + 1)


def _composite(frame: np.ndarray, ids: np.ndarray, index: int, p: Placed, shadows: bool) -> tuple[tuple, int]:
    """Draw one item (its shadow, its sides, its top) onto ``frame``; mark its pixels in ``ids``.

    Returns the region that holds all of the item's pixels and how many there are."""
    m = _matrix(p)
    w, h = p.texture.size_px
    height = p.texture.height_mm if p.item.kind != "basket" else 15.0
    sdx = sdy = _SHADOW_PER_MM * height * PX_PER_MM + 1.5
    soft = 2.0 + 0.03 * height
    margin = (sdx + 3 * soft) if shadows else 1.0
    side = _side_polygon(p, m)
    roi = _bounds(m, w, h, margin)
    if roi is None and side is None:
        return (0, 0, 0, 0), 0
    if roi is not None:
        x0, y0, x1, y1 = roi
        local = m.copy()
        local[0, 2] -= x0
        local[1, 2] -= y0
        size = (x1 - x0, y1 - y0)
        tex = cv2.warpAffine(p.texture.premultiplied, local, size, flags=cv2.INTER_LINEAR)
        alpha = cv2.warpAffine(p.texture.alpha, local, size, flags=cv2.INTER_LINEAR)
        target = frame[y0:y1, x0:x1]
        # What shows through where the item is: 255 − alpha (8-bit), further darkened by the item's shadow.
        keep = cv2.subtract(np.full_like(alpha, 255), alpha)
        if shadows:
            # The shadow is the top's outline, moved away from the light and softened (box blur: cheap).
            dx, dy = round(sdx), round(sdy)
            shadow = np.zeros_like(alpha)
            shadow[dy:, dx:] = alpha[: alpha.shape[0] - dy, : alpha.shape[1] - dx]
            k = 2 * round(soft) + 1
            shadow = cv2.blur(cv2.blur(shadow, (k, k)), (k, k))
            # Up to 45 % darker under the shadow.
            light = cv2.subtract(np.full_like(shadow, 255), cv2.convertScaleAbs(shadow, alpha=0.45))
            if side is None:
                keep = cv2.multiply(keep, light, scale=1 / 255.0)
            else:  # the sides are drawn over the shadow, so it has to go down first
                target[:] = cv2.multiply(target, cv2.merge((light, light, light)), scale=1 / 255.0)
    region = roi
    if side is not None:
        # The sides go straight onto the frame (only their own pixels are touched); the top covers them next.
        pts = [np.round(side * 16).astype(np.int32)]  # 4 bits of sub-pixel precision
        cv2.fillPoly(frame, pts, p.texture.side_bgr, cv2.LINE_AA, shift=4)
        cv2.fillPoly(ids, pts, index, cv2.LINE_8, shift=4)
        sx0, sy0 = np.floor(side.min(axis=0)).astype(int)
        sx1, sy1 = np.ceil(side.max(axis=0)).astype(int) + 1
        rx0, ry0, rx1, ry1 = roi if roi is not None else (IMAGE_W, IMAGE_H, 0, 0)
        region = (
            max(0, min(rx0, sx0)),
            max(0, min(ry0, sy0)),
            min(IMAGE_W, max(rx1, sx1)),
            min(IMAGE_H, max(ry1, sy1)),
        )
        if region[2] <= region[0] or region[3] <= region[1]:
            return (0, 0, 0, 0), 0
    if roi is not None:
        # frame = frame·keep + premultiplied texture: the "over" operator in 8-bit saturating arithmetic.
        target[:] = cv2.add(cv2.multiply(target, cv2.merge((keep, keep, keep)), scale=1 / 255.0), tex)
        solid = alpha >= 128
        ids[y0:y1, x0:x1][solid] = index
        if side is None:
            return roi, int(np.count_nonzero(solid))
    assert region is not None
    gx0, gy0, gx1, gy1 = region
    return region, int(np.count_nonzero(ids[gy0:gy1, gx0:gx1] == index))


def _lighting(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A smooth brightness gradient, vignetting and a colour cast, as from store lights and a cheap lens."""
    gw, gh = 16, 9
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(ang) * (xx / (gw - 1) - 0.5) + np.sin(ang) * (yy / (gh - 1) - 0.5)) * rng.uniform(0.1, 0.45)
    r2 = ((xx / (gw - 1) - 0.5) ** 2 + (yy / (gh - 1) - 0.5) ** 2) * 2
    gain = rng.uniform(0.8, 1.12) * (1 + ramp) * (1 - rng.uniform(0.1, 0.3) * r2)
    cast = rng.uniform(0.93, 1.07, 3)
    small = np.clip(gain[..., None] * cast * 128, 0, 255).astype(np.uint8)
    field_ = cv2.resize(small, (IMAGE_W, IMAGE_H), interpolation=cv2.INTER_LINEAR)
    return cv2.multiply(frame, field_, scale=1 / 128.0)


def _glare(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One to three soft bright spots: the ceiling lights mirrored in foil, PET and glossy card."""
    spots: np.ndarray = np.zeros((IMAGE_H // 4, IMAGE_W // 4), np.uint8)
    for _ in range(int(rng.integers(1, 4))):
        centre = (int(rng.integers(40, IMAGE_W // 4 - 40)), int(rng.integers(20, IMAGE_H // 4 - 20)))
        axes = (int(rng.integers(4, 18)), int(rng.integers(2, 8)))
        cv2.ellipse(spots, centre, axes, float(rng.uniform(0, 180)), 0, 360, int(rng.integers(60, 160)), -1)
    spots = cv2.GaussianBlur(spots, (0, 0), 2.5)
    field_ = cv2.resize(spots, (IMAGE_W, IMAGE_H), interpolation=cv2.INTER_LINEAR)
    return cv2.add(frame, cv2.merge((field_, field_, field_)))


def _blur(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.35:  # motion: the shopper still moving the basket
        length = int(rng.integers(3, 9))
        kernel: np.ndarray = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        return cv2.filter2D(frame, -1, kernel * (1.0 / max(float(kernel.sum()), 1e-6)))
    sigma = float(rng.uniform(0.6, 1.6))  # focus
    return cv2.GaussianBlur(frame, (0, 0), sigma)


def _noise(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sensor noise of a seeded strength, taken from the pre-generated bank at a seeded offset."""
    bank = _noise_bank()
    ox, oy = int(rng.integers(0, 64)), int(rng.integers(0, 64))
    sigma = float(rng.uniform(1.5, 6.0))
    window = bank[oy : oy + IMAGE_H, ox : ox + IMAGE_W]
    return cv2.addWeighted(frame, 1.0, window, sigma / 32.0, 0.0, dtype=cv2.CV_8U)


def _jpeg(frame: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV always encodes a valid uint8 image
        return frame
    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return frame if decoded is None else decoded


def imperfections(frame: np.ndarray, rng: np.random.Generator, opts: RenderOptions) -> np.ndarray:
    """The camera's flaws on a drawn frame, in a fixed order (lighting, glare, blur, noise, JPEG), from ``rng``."""
    if opts.lighting:
        frame = _lighting(frame, rng)
    if opts.glare if opts.glare is not None else rng.random() < 0.3:
        frame = _glare(frame, rng)
    if opts.blur if opts.blur is not None else rng.random() < 0.5:
        frame = _blur(frame, rng)
    if opts.noise:
        frame = _noise(frame, rng)
    if opts.jpeg if opts.jpeg is not None else rng.random() < 0.6:
        frame = _jpeg(frame, int(rng.integers(opts.jpeg_quality[0], opts.jpeg_quality[1] + 1)))
    return frame


def ground_truth(
    placed: Sequence[Placed], ids: np.ndarray, drawn: Sequence[tuple[tuple, int, tuple[int, int, int, int]]]
) -> list[GroundTruth]:
    """Every item's ground truth from a finished id buffer (``ids[y, x]`` = the index of the item seen there)
    and, per item, what drawing it gave: (its region x0, y0, x1, y1; its silhouette's pixels; the box around the
    whole silhouette). Sorted by item id. Both renderers (top and side views) score their pictures this way."""
    truth: list[GroundTruth] = []
    for index, p in enumerate(placed):
        (x0, y0, x1, y1), area, box = drawn[index]
        visible_mask = ids[y0:y1, x0:x1] == index if area else np.zeros((0, 0), bool)
        visible = int(np.count_nonzero(visible_mask))
        truth.append(
            GroundTruth(
                item_id=p.item.item_id,
                kind=p.item.kind,
                ref=p.item.ref,
                box=box,
                visible_box=box_of(visible_mask, x0, y0) if visible else (0, 0, 0, 0),
                visible_fraction=round(visible / area, 4) if area else 0.0,
                pixels=area,
            )
        )
    truth.sort(key=lambda t: t.item_id)
    return truth


class Renderer:
    """Renders snapshots of the tray with one catalog; keeps nothing but the textures it has painted."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog if catalog is not None else load_demo_catalog()

    def render(
        self, source: SceneSnapshot | Sequence[PlacedItem], seed: int, options: RenderOptions | None = None
    ) -> tuple[np.ndarray, list[GroundTruth]]:
        """The camera frame for ``source`` and the ground truth of every item on it; same seed, same frame."""
        opts = options or RenderOptions()
        items = source.items if isinstance(source, SceneSnapshot) else tuple(source)
        rng = np.random.default_rng(seed)
        frame = background().copy()
        ids = np.full((IMAGE_H, IMAGE_W), -1, np.int16)
        placed = stack(items, self.catalog)
        rois: list[tuple] = []
        areas: list[int] = []
        full_boxes: list[tuple[int, int, int, int]] = []
        for index, p in enumerate(placed):
            roi, area = _composite(frame, ids, index, p, opts.shadows)
            rois.append(roi)
            areas.append(area)
            x0, y0, x1, y1 = roi
            # Right after drawing, the item's pixels in ``ids`` are its whole silhouette; later items cover some.
            full_boxes.append(box_of(ids[y0:y1, x0:x1] == index, x0, y0) if area else (0, 0, 0, 0))
        truth = ground_truth(placed, ids, list(zip(rois, areas, full_boxes, strict=True)))
        return imperfections(frame, rng, opts), truth


@lru_cache(maxsize=4)
def _default_renderer() -> Renderer:
    return Renderer()


def render(
    source: SceneSnapshot | Sequence[PlacedItem],
    seed: int,
    options: RenderOptions | None = None,
    catalog: Catalog | None = None,
) -> tuple[np.ndarray, list[GroundTruth]]:
    """Render a snapshot (or a list of placed items) with the demo catalog unless ``catalog`` is given."""
    renderer = Renderer(catalog) if catalog is not None else _default_renderer()
    return renderer.render(source, seed, options)
