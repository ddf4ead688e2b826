"""The station's cameras as pinhole models: where each one hangs, where it looks, and how tray points land in it.

Coordinates are the scene's (:mod:`hardware_sim.scene`): millimetres, origin at the tray's top-left corner as the
top camera sees it, x to the right, y towards the shopper, and z up from the tray's surface.

* ``"top"`` hangs :data:`~hardware_sim.render.CAMERA_HEIGHT_MM` above the tray's centre and looks straight down
  (focal length 1.6 px/mm × 1100 mm): exactly :func:`hardware_sim.render.tray_to_pixel`;
* ``"left"`` and ``"right"`` hang 250 mm up, 350 mm beyond the tray's left (x = 0) and right (x = 600) ends,
  and look at the tray's centre about 18° below the horizontal (through the basket's wire walls). An item hidden
  under another from above shows its side to them, and an item behind a tall one from one end is in the open
  from the other. Lower is better here: of the shipped decision suite's distinct frauds, the share that some
  camera shows (every fraud item ≥ 30 % visible in some view) is 0.874 with the top camera alone and 0.976
  with these two added (0.963 on a fresh suite, seed 9001); mounted 350 mm up it was 0.963 (0.958), 650 mm up
  0.935. A back and a front camera on the long sides reached 0.984, but a front camera would stand where the
  shopper does.

A camera's picture is not mirrored: seen from ``"left"``, the shopper's side of the tray (y = 400) is on the
right of the picture. Everything here is pure arithmetic; the renderers (:mod:`hardware_sim.render` for the top
camera, :mod:`hardware_sim.render_views` for the others) draw with it, and a validation unit uses
:func:`tray_homography`'s inverse to put a view's detections back on the tray.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hardware_sim.scene import TRAY_DEPTH_MM, TRAY_WIDTH_MM

IMAGE_SIZE = (1280, 720)  # width, height: every camera of the station


@dataclass(frozen=True)
class CameraView:
    """One camera: its id, position and aim (mm, scene coordinates), focal length and image size (pixels).

    ``up`` is the world direction that shows as "up" in the picture; it must not be parallel to the line of
    sight (a camera looking straight down needs a horizontal one).
    """

    id: str
    position: tuple[float, float, float]
    look_at: tuple[float, float, float]
    focal_px: float
    size: tuple[int, int] = IMAGE_SIZE
    up: tuple[float, float, float] = (0.0, 0.0, 1.0)

    def __post_init__(self) -> None:
        if self.focal_px <= 0:
            raise ValueError(f"camera {self.id!r}: focal length must be positive, got {self.focal_px}")
        forward = np.subtract(self.look_at, self.position)
        if np.linalg.norm(forward) < 1e-9:
            raise ValueError(f"camera {self.id!r}: position and look-at point are the same")
        if np.linalg.norm(np.cross(forward, self.up)) < 1e-9 * np.linalg.norm(forward):
            raise ValueError(f"camera {self.id!r}: 'up' {self.up} is parallel to the line of sight")

    @cached_property
    def rotation(self) -> np.ndarray:
        """3 × 3, rows: the picture's right, down and forward directions in scene coordinates."""
        forward = np.subtract(self.look_at, self.position).astype(np.float64)
        forward /= np.linalg.norm(forward)
        up = np.asarray(self.up, np.float64)
        down = -(up - up.dot(forward) * forward)
        down /= np.linalg.norm(down)
        # forward × down keeps the picture unmirrored (the top camera's +x right, +y down is the reference).
        right = np.cross(forward, down)
        rotation = np.vstack((right, down, forward))
        rotation.setflags(write=False)
        return rotation

    @cached_property
    def intrinsics(self) -> np.ndarray:
        """3 × 3 camera matrix K: square pixels, the principal point in the picture's centre."""
        w, h = self.size
        k = np.array([[self.focal_px, 0.0, w / 2], [0.0, self.focal_px, h / 2], [0.0, 0.0, 1.0]])
        k.setflags(write=False)
        return k

    @property
    def depression_deg(self) -> float:
        """How far below the horizontal the camera looks, in degrees (90: straight down)."""
        f = self.rotation[2]
        return math.degrees(math.asin(-f[2]))


def _side(view_id: str, x_mm: float) -> CameraView:
    return CameraView(view_id, (x_mm, TRAY_DEPTH_MM / 2, 250.0), (TRAY_WIDTH_MM / 2, TRAY_DEPTH_MM / 2, 40.0), 960.0)


VIEWS: dict[str, CameraView] = {
    v.id: v
    for v in (
        CameraView(
            "top",
            (TRAY_WIDTH_MM / 2, TRAY_DEPTH_MM / 2, 1100.0),
            (TRAY_WIDTH_MM / 2, TRAY_DEPTH_MM / 2, 0.0),
            1.6 * 1100.0,
            up=(0.0, -1.0, 0.0),  # the tray's far side is up in the picture
        ),
        _side("left", -350.0),
        _side("right", TRAY_WIDTH_MM + 350.0),
    )
}


def parse_cameras(text: str) -> tuple[str, ...]:
    """``"top,left,right"`` → the camera ids, each once, in that order (the first is the primary camera);
    ``ValueError`` naming the problem (an unknown camera, one named twice, none)."""
    ids = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [i for i in ids if i not in VIEWS]
    if not ids or unknown:
        shown = ", ".join(repr(i) for i in unknown) or "none"
        raise ValueError(f"--cameras: unknown camera {shown}: known are {', '.join(VIEWS)}")
    if len(set(ids)) != len(ids):
        raise ValueError(f"--cameras: {text!r} names a camera twice")
    return ids


def get_view(view_id: str) -> CameraView:
    """The station camera called ``view_id``; ``KeyError`` listing the known ones otherwise."""
    try:
        return VIEWS[view_id]
    except KeyError:
        raise KeyError(f"unknown camera {view_id!r}: known are {', '.join(VIEWS)}") from None


def to_camera(view: CameraView, points: np.ndarray) -> np.ndarray:
    """N × 3 scene points → N × 3 camera coordinates (x right, y down, z along the line of sight, mm)."""
    return (np.asarray(points, np.float64) - np.asarray(view.position)) @ view.rotation.T


def project_points(view: CameraView, points: np.ndarray) -> np.ndarray:
    """N × 3 scene points (mm) → N × 2 pixel positions (``u`` right, ``v`` down; pixel i spans [i, i + 1))."""
    cam = to_camera(view, np.reshape(points, (-1, 3)))
    if np.any(cam[:, 2] <= 0):
        raise ValueError(f"camera {view.id!r}: a point is behind the camera")
    w, h = view.size
    f = view.focal_px
    return np.column_stack((w / 2 + f * cam[:, 0] / cam[:, 2], h / 2 + f * cam[:, 1] / cam[:, 2]))


def project(view: CameraView, x_mm: float, y_mm: float, z_mm: float = 0.0) -> tuple[float, float]:
    """Where the scene point ``(x_mm, y_mm, z_mm)`` appears in ``view``'s picture."""
    ((u, v),) = project_points(view, np.array([[x_mm, y_mm, z_mm]]))
    return float(u), float(v)


def tray_homography(view: CameraView) -> np.ndarray:
    """3 × 3 H with ``[u, v, 1] ~ H @ [x_mm, y_mm, 1]`` for points on the tray's surface (z = 0).

    ``np.linalg.inv(H)`` takes a pixel of the view back to the tray (where a detection's foot stands)."""
    r = view.rotation
    t = -r @ np.asarray(view.position, np.float64)
    h = view.intrinsics @ np.column_stack((r[:, 0], r[:, 1], t))
    return h / h[2, 2]


def pixel_to_tray(view: CameraView, u: float, v: float) -> tuple[float, float]:
    """The point of the tray's surface (z = 0) that pixel position ``(u, v)`` of ``view`` shows."""
    x, y, w = np.linalg.solve(tray_homography(view), np.array([u, v, 1.0]))
    return float(x / w), float(y / w)


def ray_directions(view: CameraView) -> np.ndarray:
    """H × W × 3 (float32): for each pixel's centre, the scene direction of its line of sight, scaled so that
    moving ``t`` along it goes ``t`` mm deeper along the camera's axis (``t`` is the camera-frame depth)."""
    w, h = view.size
    u = (np.arange(w, dtype=np.float64) + 0.5 - w / 2) / view.focal_px
    v = (np.arange(h, dtype=np.float64) + 0.5 - h / 2) / view.focal_px
    r = view.rotation
    rays = u[None, :, None] * r[0] + v[:, None, None] * r[1] + r[2]
    return rays.astype(np.float32)
