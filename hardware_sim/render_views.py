"""The side cameras' pictures of the tray: every item as a solid, ray-cast per pixel with a depth buffer.

The top camera keeps :mod:`hardware_sim.render` (the picture the shipped detector was trained on); the oblique
cameras of :mod:`hardware_sim.views` see the same scene through this module:

* items stack as the top renderer stacks them (:func:`hardware_sim.render.stack`: same textures, positions,
  rotations and resting heights), and each becomes a solid the size of its look: a **box** (boxes, cartons,
  blister cards, phones, wallets…), an **upright cylinder** (cans, bottles, jars and tubs standing: elliptic
  when the top is), or a **lying cylinder** along its long side (cans, bottles, jars and tubs lying; bags,
  produce and cloth bags as flattened ones: rounded along their length, sealed flat at the ends);
* every pixel's line of sight is intersected with each solid analytically; the nearest hit wins a depth
  buffer, so stacked, crossing and leaning items hide one another the way they do in space. The id buffer
  written with it gives the ground truth, the same :class:`~hardware_sim.render.GroundTruth` records as the
  top camera's (box, visible box, visible fraction, pixels);
* a solid's faces carry its look: the top (and a lying cylinder's whole curved surface, which the top view
  shows from above) takes the cached texture where the line of sight meets it; the sides take the colour at
  the texture's edge mixed with its mean, shaded by the side's angle to the store light. Where the texture is
  transparent (a bottle's neck, a bag's rounded corners, a bunch of keys) the solid is too;
* a basket is its slotted floor (a thin box under the goods) and a wire rim with corner wires. **The walls are
  wire mesh: they do not hide goods**, so they are drawn over the picture but never into the id buffer;
* the camera's flaws are the top renderer's (:func:`hardware_sim.render.imperfections`). Shadows are not
  drawn in these views; where items meet, pixels are blended with their neighbours (the rays go through pixel
  centres, which would leave stairs).
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np

from hardware_sim import catalog_baskets
from hardware_sim.catalog import Catalog, load_demo_catalog
from hardware_sim.looks_paint import TEX_PX_PER_MM, Texture, canvas, mix, px
from hardware_sim.render import (
    GroundTruth,
    Placed,
    Renderer,
    RenderOptions,
    background,
    box_of,
    ground_truth,
    imperfections,
    stack,
)
from hardware_sim.scene import PlacedItem, SceneSnapshot
from hardware_sim.views import VIEWS, CameraView, get_view, project_points, to_camera, tray_homography

SHAPES = ("box", "upright", "lying")
_LIGHT = np.array([-0.3, -0.3, 0.9]) / np.linalg.norm([-0.3, -0.3, 0.9])  # up and to the left, as render.py's
_AMBIENT, _DIFFUSE = 0.35, 0.65
_EDGE_PX = 3  # sides sample the texture this far inside its edge (past anti-aliasing and crimped seals)
_COUNTER_BGR = (58, 62, 66)
_FACE_TOP, _FACE_SIDE_X, _FACE_SIDE_Y, _FACE_CURVED = (np.int8(i) for i in (1, 2, 3, 4))

_ROUND = frozenset({"can", "bottle", "jar", "tub"})
_SOFT = frozenset({"bag", "produce"})


def solid_shape(item: PlacedItem, catalog: Catalog) -> str:
    """The solid an item is drawn as in the side views: ``"box"``, ``"upright"`` or ``"lying"`` (cylinders)."""
    if item.kind == "distractor":
        return "lying" if item.ref.endswith("bag") else "box"
    if item.kind != "product":
        raise ValueError(f"item {item.item_id}: a {item.kind} is not drawn as a solid")
    row = catalog.get(item.ref)
    if row.packaging in _ROUND:
        return "upright" if item.pose == "standing" and row.can_stand else "lying"
    if row.packaging in _SOFT:
        return "lying"
    return "box"


@dataclass(frozen=True)
class Solid:
    """An item's solid in its own frame: centre ``(x, y)`` on the tray, turned ``angle`` (radians, as the top
    renderer turns its texture), resting at ``base`` mm; half-sizes ``hx`` (along the texture's width) and ``hy``,
    and its height, all in mm."""

    shape: str
    texture: Texture
    x: float
    y: float
    angle: float
    base: float
    hx: float
    hy: float
    height: float

    @classmethod
    def of(cls, placed: Placed, shape: str, texture: Texture | None = None) -> Solid:
        tex = placed.texture if texture is None else texture
        w, h = tex.size_px
        return cls(
            shape,
            tex,
            placed.item.x_mm,
            placed.item.y_mm,
            math.radians(placed.item.rotation_deg),
            placed.elevation_mm,
            w / (2 * TEX_PX_PER_MM),
            h / (2 * TEX_PX_PER_MM),
            max(tex.height_mm, 0.5),
        )

    def to_world(self, local: np.ndarray) -> np.ndarray:
        """N × 3 points of the solid's frame → scene mm."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        x = self.x + c * local[:, 0] - s * local[:, 1]
        y = self.y + s * local[:, 0] + c * local[:, 1]
        return np.column_stack((x, y, self.base + local[:, 2]))

    def corners(self) -> np.ndarray:
        """The 8 corners of its bounding box, scene mm."""
        g = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (0, 1)], np.float64)
        return self.to_world(g * [self.hx, self.hy, self.height])


def _slab(o: float, d: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    t1 = (lo - o) / d
    t2 = (hi - o) / d
    return np.minimum(t1, t2), np.maximum(t1, t2)


def _quadric(
    o1: float, d1: np.ndarray, r1: float, o2: float, d2: np.ndarray, r2: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entry and exit depth of rays through an elliptic cylinder (semi-axes ``r1``, ``r2`` across its axis)."""
    a = (d1 / r1) ** 2 + (d2 / r2) ** 2
    b = 2 * (o1 * d1 / r1**2 + o2 * d2 / r2**2)
    c = (o1 / r1) ** 2 + (o2 / r2) ** 2 - 1
    disc = b * b - 4 * a * c
    sq = np.sqrt(np.maximum(disc, 0))
    return (-b - sq) / (2 * a), (-b + sq) / (2 * a), disc > 0


def _cast(solid: Solid, origin: np.ndarray, dx: np.ndarray, dy: np.ndarray, dz: np.ndarray) -> tuple[np.ndarray, ...]:
    """Intersect rays (one per pixel; ``origin`` and directions in the solid's frame) with the solid: whether
    each ray hits it, the camera depth where it enters and the face (``_FACE_*``) it enters through."""
    ox, oy, oz = (float(v) for v in origin)
    hx, hy, h = solid.hx, solid.hy, solid.height
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if solid.shape == "floor":  # only its top can be seen
            tn = (h - oz) / dz
            hit = (np.abs(ox + tn * dx) <= hx) & (np.abs(oy + tn * dy) <= hy) & (tn > 0)
            return hit, tn, np.full(tn.shape, _FACE_TOP, np.int8)
        if solid.shape == "box":
            tnx, tfx = _slab(ox, dx, -hx, hx)
            tny, tfy = _slab(oy, dy, -hy, hy)
            tnz, tfz = _slab(oz, dz, 0.0, h)
            tn = np.maximum(np.maximum(tnx, tny), tnz)
            hit = (tn <= np.minimum(np.minimum(tfx, tfy), tfz)) & (tn > 0)
            face = np.where(tn == tnz, _FACE_TOP, np.where(tn == tnx, _FACE_SIDE_X, _FACE_SIDE_Y))
        elif solid.shape == "upright":
            tc1, tc2, ok = _quadric(ox, dx, hx, oy, dy, hy)
            tnz, tfz = _slab(oz, dz, 0.0, h)
            tn = np.maximum(tc1, tnz)
            hit = ok & (tn <= np.minimum(tc2, tfz)) & (tn > 0)
            face = np.where(tnz >= tc1, _FACE_TOP, _FACE_CURVED)
        else:  # lying: axis along x, centred h/2 up
            tc1, tc2, ok = _quadric(oy, dy, hy, oz - h / 2, dz, h / 2)
            tnx, tfx = _slab(ox, dx, -hx, hx)
            tn = np.maximum(tc1, tnx)
            hit = ok & (tn <= np.minimum(tc2, tfx)) & (tn > 0)
            face = np.where(tnx > tc1, _FACE_SIDE_X, _FACE_CURVED)
    return hit, tn, face


def _normals(
    solid: Solid, face: np.ndarray, lx: np.ndarray, ly: np.ndarray, lz: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit normals (solid's frame) of the faces at these points of the surface."""
    zero = np.zeros(lx.shape, np.float32)
    if solid.shape == "upright":
        curved = face == _FACE_CURVED
        nx, ny, nz = np.where(curved, lx / solid.hx**2, 0), np.where(curved, ly / solid.hy**2, 0), (~curved) + zero
    elif solid.shape == "lying":
        cap = face == _FACE_SIDE_X
        rz = solid.height / 2
        nx = np.where(cap, np.sign(lx), 0)
        ny, nz = np.where(cap, 0, ly / solid.hy**2), np.where(cap, 0, (lz - rz) / rz**2)
    else:
        nx = np.where(face == _FACE_SIDE_X, np.sign(lx), 0)
        ny = np.where(face == _FACE_SIDE_Y, np.sign(ly), 0)
        nz = (face == _FACE_TOP) + zero
    norm = np.sqrt(nx * nx + ny * ny + nz * nz)
    norm = np.where(norm > 0, norm, 1)
    return nx / norm, ny / norm, nz / norm


def _shade(angle: float, nx: np.ndarray, ny: np.ndarray, nz: np.ndarray) -> np.ndarray:
    """Brightness of faces with these normals (solid's frame) relative to a face looking straight up: the
    textures are painted lit from above."""
    c, s = math.cos(angle), math.sin(angle)
    wx, wy = c * nx - s * ny, s * nx + c * ny
    lambert = np.maximum(0.0, wx * _LIGHT[0] + wy * _LIGHT[1] + nz * _LIGHT[2])
    return ((_AMBIENT + _DIFFUSE * lambert) / (_AMBIENT + _DIFFUSE * _LIGHT[2])).astype(np.float32)


_BGRA: OrderedDict[int, tuple[Texture, np.ndarray]] = OrderedDict()  # id(texture) → (texture, BGRA): one lookup
_BGRA_MAX = 256
_BGRA_LOCK = threading.Lock()


def _bgra(tex: Texture) -> np.ndarray:
    """The texture's colour and alpha as one 4-channel image (cached), so one lookup samples both."""
    key = id(tex)
    with _BGRA_LOCK:
        hit = _BGRA.get(key)
        if hit is not None and hit[0] is tex:
            _BGRA.move_to_end(key)
            return hit[1]
    bgra = cv2.merge((*cv2.split(tex.bgr), tex.alpha))
    with _BGRA_LOCK:
        _BGRA[key] = (tex, bgra)  # the texture is kept with it, so its id cannot be reused while cached
        while len(_BGRA) > _BGRA_MAX:
            _BGRA.popitem(last=False)
    return bgra


def _colour(
    solid: Solid,
    hit: np.ndarray,
    face: np.ndarray,
    lx: np.ndarray,
    ly: np.ndarray,
    lz: np.ndarray,
    camera_x: float,
    camera_y: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(BGR uint8, opaque mask) of the solid where rays hit it at ``lx, ly, lz`` (its own frame), per pixel;
    ``camera_x``/``camera_y``: where the camera is in that frame (which of a box's sides face it)."""
    tex = solid.texture
    w, h = tex.size_px
    top = face == _FACE_TOP
    cx, cy = np.float32(w / 2 - 0.5), np.float32(h / 2 - 0.5)
    mx = lx * np.float32(TEX_PX_PER_MM) + cx
    my = ly * np.float32(TEX_PX_PER_MM) + cy
    if solid.shape == "upright":
        # The curved side shows the colour just inside the top's rim.
        k = np.float32(max(0.0, 1 - _EDGE_PX / (TEX_PX_PER_MM * min(solid.hx, solid.hy))))
        mx, my = np.where(top, mx, (mx - cx) * k + cx), np.where(top, my, (my - cy) * k + cy)
    elif solid.shape != "floor":  # the sides show the top's edge, a little inside its anti-aliasing
        mx = np.where(top, mx, np.clip(mx, _EDGE_PX, w - 1 - _EDGE_PX))
        my = np.where(top, my, np.clip(my, _EDGE_PX, h - 1 - _EDGE_PX))
    np.copyto(mx, np.float32(-10), where=~hit)
    sampled = cv2.remap(_bgra(tex), mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    opaque = hit & (sampled[..., 3] >= 128)
    bgr = sampled[..., :3]
    if solid.shape == "floor" or not (opaque & ~top).any():
        return bgr, opaque
    # 8-bit OpenCV arithmetic, as render.py composites: flat sides and caps mix the edge with the texture's
    # mean colour, then every side is shaded (gain in 1/128ths; the top keeps its painted light).
    bgr = cv2.cvtColor(sampled, cv2.COLOR_BGRA2BGR)
    flat = face == _FACE_SIDE_X if solid.shape == "lying" else ~top
    half_mean = np.array([min(127.0, c / 0.62 / 2) for c in tex.side_bgr], np.uint8)  # half the mean colour
    cv2.copyTo(np.right_shift(bgr, 1) + half_mean, flat.view(np.uint8), bgr)
    if solid.shape == "box":  # flat faces: one gain each, for the x and y sides that face the camera
        ones = np.ones(1, np.float32)
        gx = _shade(solid.angle, np.sign(camera_x) * ones, 0 * ones, 0 * ones)[0]
        gy = _shade(solid.angle, 0 * ones, np.sign(camera_y) * ones, 0 * ones)[0]
        for side, gain in ((_FACE_SIDE_X, gx), (_FACE_SIDE_Y, gy)):
            cv2.copyTo(cv2.convertScaleAbs(bgr, alpha=float(gain)), (face == side).view(np.uint8), bgr)
        return bgr, opaque
    gain = np.where(top, np.float32(1), _shade(solid.angle, *_normals(solid, face, lx, ly, lz)))
    gain8 = cv2.convertScaleAbs(gain, alpha=128.0)
    return cv2.multiply(bgr, cv2.merge((gain8, gain8, gain8)), scale=1 / 128.0), opaque


@lru_cache(maxsize=16)
def _basket_floor(name: str) -> Texture:
    """The slotted floor of a basket, painted as its top view paints it (without the tare labels on the walls)."""
    b = catalog_baskets.get(name)
    floor_bgr = mix(b.colour, (0, 0, 0), 0.25)
    bgr, _ = canvas(b.floor_w_mm, b.floor_d_mm, floor_bgr)
    h, w = bgr.shape[:2]
    slot_w, slot_h, gap = px(40), px(6), px(14)
    for y in range(gap, h - slot_h - gap, gap):
        for x in range(gap, w - slot_w - gap, slot_w + gap):
            cv2.rectangle(bgr, (x, y), (x + slot_w, y + slot_h), (55, 55, 58), -1)  # the tray through the slots
    return Texture(bgr, np.full((h, w), 255, np.uint8), 2.0)


@dataclass(frozen=True)
class _ViewData:
    pixel_to_ray: np.ndarray  # 3 × 3: [u, v, 1] → the scene direction of that line of sight (unit camera depth)
    background: np.ndarray


@lru_cache(maxsize=8)
def _view_data(view: CameraView) -> _ViewData:
    pixel_to_ray = view.rotation.T @ np.linalg.inv(view.intrinsics)
    # The empty station as the top camera paints it, seen from here: counter and tray lie in the plane z = 0.
    top_to_here = tray_homography(view) @ np.linalg.inv(tray_homography(VIEWS["top"]))
    bg = cv2.warpPerspective(background(), top_to_here, view.size, flags=cv2.INTER_LINEAR, borderValue=_COUNTER_BGR)
    bg.setflags(write=False)
    return _ViewData(pixel_to_ray, bg)


def _roi(view: CameraView, points: np.ndarray) -> tuple[int, int, int, int] | None:
    cam = to_camera(view, points)
    if np.any(cam[:, 2] <= 1.0):
        return None  # reaches behind the camera: not on a station's tray
    uv = project_points(view, points)
    w, h = view.size
    x0, y0 = max(0, math.floor(uv[:, 0].min()) - 1), max(0, math.floor(uv[:, 1].min()) - 1)
    x1, y1 = min(w, math.ceil(uv[:, 0].max()) + 1), min(h, math.ceil(uv[:, 1].max()) + 1)
    return None if x1 <= x0 or y1 <= y0 else (x0, y0, x1, y1)


def _draw_solid(
    view: CameraView,
    data: _ViewData,
    solid: Solid,
    frame: np.ndarray,
    depth: np.ndarray,
    ids: np.ndarray,
    index: int,
) -> tuple[tuple[int, int, int, int], int, tuple[int, int, int, int]]:
    """Ray-cast one solid into the buffers. Returns its region, its silhouette's pixel count and box."""
    roi = _roi(view, solid.corners())
    if roi is None:
        return (0, 0, 0, 0), 0, (0, 0, 0, 0)
    x0, y0, x1, y1 = roi
    c, s = math.cos(solid.angle), math.sin(solid.angle)
    px, py, pz = view.position
    ex, ey = px - solid.x, py - solid.y
    ox, oy, oz = c * ex + s * ey, -s * ex + c * ey, pz - solid.base
    # Lines of sight in the solid's frame are affine in the pixel position: no per-pixel table to read.
    turn = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    m = (turn @ data.pixel_to_ray).astype(np.float32)
    u = np.arange(x0, x1, dtype=np.float32) + np.float32(0.5)
    v = (np.arange(y0, y1, dtype=np.float32) + np.float32(0.5))[:, None]
    dx, dy, dz = (m[i, 0] * u + (m[i, 1] * v + m[i, 2]) for i in range(3))
    hit, tn, face = _cast(solid, np.array([ox, oy, oz]), dx, dy, dz)
    if not hit.any():
        return roi, 0, (0, 0, 0, 0)
    t = np.where(hit, tn, np.float32(0))
    bgr, opaque = _colour(solid, hit, face, ox + t * dx, oy + t * dy, oz + t * dz, ox, oy)
    area = int(np.count_nonzero(opaque))
    if area == 0:
        return roi, 0, (0, 0, 0, 0)
    here = depth[y0:y1, x0:x1]
    win = opaque & (tn < here)
    mask = win.view(np.uint8)
    cv2.copyTo(tn, mask, here)  # masked copies straight into the buffers' regions (views: written in place)
    cv2.copyTo(np.ascontiguousarray(bgr), mask, frame[y0:y1, x0:x1])
    np.copyto(ids[y0:y1, x0:x1], np.int16(index), where=win)
    return roi, area, box_of(opaque, x0, y0)


def _basket_wires(view: CameraView, placed: Placed) -> list[tuple[np.ndarray, np.ndarray]]:
    """The rim and corner wires of a basket as polylines (scene mm): (points, thickness per segment)."""
    b = catalog_baskets.get(placed.item.ref)
    ow, od, fw, fd, hz = b.outer_w_mm / 2, b.outer_d_mm / 2, b.floor_w_mm / 2, b.floor_d_mm / 2, b.wall_mm
    cut = 30.0  # the rim's rounded corners, as a chamfer
    rim = [(ow - cut, od), (-ow + cut, od), (-ow, od - cut), (-ow, -od + cut)]
    rim += [(-ow + cut, -od), (ow - cut, -od), (ow, -od + cut), (ow, od - cut), rim[0]]
    solid = Solid.of(placed, "box")
    lines: list[tuple[np.ndarray, np.ndarray]] = []
    for z, width in ((hz, 4.0), (hz * 0.5, 2.0)):
        f = z / hz
        ring = [(x * (fw + (ow - fw) * f) / ow, y * (fd + (od - fd) * f) / od) for x, y in rim]
        lines.append((solid.to_world(np.array([(x, y, z) for x, y in ring])), np.array(width)))
    for sx in (-1, 1):
        for sy in (-1, 1):
            corner = np.array([(sx * fw * 0.97, sy * fd * 0.97, 0.0), (sx * (ow - cut / 3), sy * (od - cut / 3), hz)])
            lines.append((solid.to_world(corner), np.array(2.0)))
    return lines


def _draw_wires(view: CameraView, placed: Placed, frame: np.ndarray, depth: np.ndarray, step_mm: float = 25.0) -> None:
    """Draw a basket's wires where nothing nearer hides them; the id buffer does not change (mesh hides nothing)."""
    colour = mix(catalog_baskets.get(placed.item.ref).colour, (255, 255, 255), 0.15)
    segments: list[tuple[np.ndarray, np.ndarray, int]] = []  # (pixel positions × 16, camera depths, width)
    for points, width in _basket_wires(view, placed):
        for a, b in itertools.pairwise(points):
            n = max(1, math.ceil(np.linalg.norm(b - a) / step_mm))
            seg = a + (b - a) * np.linspace(0, 1, n + 1)[:, None]
            if np.any(to_camera(view, seg)[:, 2] <= 1.0):
                continue
            z = to_camera(view, (seg[:-1] + seg[1:]) / 2)[:, 2]
            segments.append((project_points(view, seg), z, int(width)))
    if not segments:
        return
    everything = np.vstack([uv for uv, _, _ in segments])
    h, w = depth.shape
    x0, y0 = max(0, math.floor(everything[:, 0].min()) - 4), max(0, math.floor(everything[:, 1].min()) - 4)
    x1, y1 = min(w, math.ceil(everything[:, 0].max()) + 4), min(h, math.ceil(everything[:, 1].max()) + 4)
    if x1 <= x0 or y1 <= y0:
        return
    layer = np.full((y1 - y0, x1 - x0), np.inf, np.float32)
    for uv, z, thickness in segments:
        q = np.round((uv - (x0, y0)) * 16).astype(np.int32)
        for i in range(len(z)):
            p0, p1 = (int(q[i, 0]), int(q[i, 1])), (int(q[i + 1, 0]), int(q[i + 1, 1]))
            cv2.line(layer, p0, p1, float(z[i]), thickness, cv2.LINE_8, shift=4)
    show = layer < depth[y0:y1, x0:x1]
    frame[y0:y1, x0:x1][show] = np.clip(np.array(colour) * 0.9, 0, 255).astype(np.uint8)


def _soften_edges(frame: np.ndarray, ids: np.ndarray, region: tuple[int, int, int, int]) -> None:
    """Blend the pixels where one item meets another (or the tray) inside ``region``: rays through pixel
    centres leave stairs."""
    x0, y0, x1, y1 = region
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    here = ids[y0:y1, x0:x1]
    edge = np.zeros(here.shape, bool)
    edge[:, 1:] = here[:, 1:] != here[:, :-1]
    edge[1:, :] |= here[1:, :] != here[:-1, :]
    target = frame[y0:y1, x0:x1]
    cv2.copyTo(cv2.blur(target, (3, 3)), edge.view(np.uint8), target)


class ViewRenderer:
    """Renders snapshots of the tray as one station camera sees them, with one catalog.

    The ``"top"`` camera is :class:`hardware_sim.render.Renderer` unchanged; the others are ray-cast here."""

    def __init__(self, view: CameraView | str = "top", catalog: Catalog | None = None) -> None:
        self.view = get_view(view) if isinstance(view, str) else view
        self.catalog = catalog if catalog is not None else load_demo_catalog()
        self._top = Renderer(self.catalog) if self.view == VIEWS["top"] else None

    def render(
        self, source: SceneSnapshot | Sequence[PlacedItem], seed: int, options: RenderOptions | None = None
    ) -> tuple[np.ndarray, list[GroundTruth]]:
        """The camera frame for ``source`` and the ground truth of every item in it; same seed, same frame."""
        if self._top is not None:
            return self._top.render(source, seed, options)
        opts = options or RenderOptions()
        items = source.items if isinstance(source, SceneSnapshot) else tuple(source)
        data = _view_data(self.view)
        frame = data.background.copy()
        w, h = self.view.size
        depth = np.full((h, w), np.inf, np.float32)
        ids = np.full((h, w), -1, np.int16)
        placed = stack(items, self.catalog)
        drawn: list[tuple[tuple[int, int, int, int], int, tuple[int, int, int, int]]] = []
        baskets: list[Placed] = []
        for index, p in enumerate(placed):
            if p.item.kind == "basket":
                baskets.append(p)
                floor = Solid.of(p, "floor", _basket_floor(p.item.ref))
                solid = replace(floor, base=floor.base - floor.height)  # goods stand on it, not in it
            else:
                solid = Solid.of(p, solid_shape(p.item, self.catalog))
            drawn.append(_draw_solid(self.view, data, solid, frame, depth, ids, index))
        drawn_at = [roi for roi, area, _ in drawn if area]
        if drawn_at:
            rx0, ry0 = min(r[0] for r in drawn_at), min(r[1] for r in drawn_at)
            rx1, ry1 = max(r[2] for r in drawn_at), max(r[3] for r in drawn_at)
            _soften_edges(frame, ids, (max(0, rx0 - 1), max(0, ry0 - 1), min(w, rx1 + 1), min(h, ry1 + 1)))
        for p in baskets:
            _draw_wires(self.view, p, frame, depth)
        truth = ground_truth(placed, ids, drawn)
        frame = imperfections(frame, np.random.default_rng(seed), opts)
        return frame, truth


@lru_cache(maxsize=8)
def _default_renderer(view_id: str) -> ViewRenderer:
    return ViewRenderer(view_id)


def render_view(
    view: str,
    source: SceneSnapshot | Sequence[PlacedItem],
    seed: int,
    options: RenderOptions | None = None,
    catalog: Catalog | None = None,
) -> tuple[np.ndarray, list[GroundTruth]]:
    """Render a snapshot as camera ``view`` sees it, with the demo catalog unless ``catalog`` is given."""
    renderer = ViewRenderer(view, catalog) if catalog is not None else _default_renderer(get_view(view).id)
    return renderer.render(source, seed, options)
