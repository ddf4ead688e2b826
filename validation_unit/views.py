"""Several cameras, one basket: the objects each view saw merged into one list in which an item seen in several
views counts once (never summed), and what a view without a usable picture means for the decision.

Pure: plain data in and out (SeenObjects, VisionObservations, 3 × 3 homographies); the station does the I/O.

The association rule, per class (a product's GTIN-14, or "not merchandise": two different products are never
one item):

* Views with a tray homography (tray millimetres on the tray plane z = 0 → the view's pixels) are related by
  place. The views are taken in the cameras' order, the primary (top) view first. A detection of a view is one
  item with an item found in the views before it when that item's place, projected into this view, could be
  the foot of its box: across the camera's line of sight within the box (give or take ``ACROSS_SLACK`` of its
  width), and along it at most ``ABOVE_SLACK`` box heights above it or ``BELOW_SLACK`` below it (an item
  lying on others or in a basket stands higher than the tray, a box's bottom may be hidden: a side view tells
  little about depth); or when the box's own anchor, mapped back onto the tray with the inverse homography, lies
  within ``radius_mm`` of the place. The anchor is the middle of the box's bottom edge (``"bottom"``: where an
  item stands, as an oblique view sees it) or its centre (``"centre"``: a view looking straight down). Pairs
  are made best fit first (the foot nearest the middle of the box's bottom edge, in box sizes); a view gives
  an item at most one detection (two boxes in one picture are two items); a detection that fits no item is a
  new item, placed by its anchor. An item's place is its first detection's (the primary view's, the exact one).
  The slack is wide on purpose: a detection becomes another item only where no item seen before can be it,
  because counting one item twice asks an honest shopper to re-check, while one missed twin is still weighed.
  (Measured on the simulator's top and two side views with perfect detections, the first 120 baskets of the
  bench suite: the count was exact in 105 (the largest-count rule below: 97), one item was counted twice once,
  and no honest basket of the first 200 was asked to re-check; a 60 mm radius alone counted 117 items twice
  in 30 baskets.) With the side cameras lowered to 250 mm (they then show more frauds) the boxes of partly
  hidden items fit their places worse: on the first 120 honest baskets the place rule counted 20 items twice
  (9 with the slack doubled), the largest-count rule none, and it was exact in as many baskets (90 vs 85–88).
  So the station merges by the largest count unless the unit's config asks for ``association = "place"``.
* Views without a homography cannot be related by place. Per class the count is the largest count of any
  one view (never the sum). Each view's detections of the class are ranked by confidence, and the k-th item
  is represented by the most confident k-th detection of any view, so that a view that saw more items, but
  faintly, does not hide what another view saw clearly. The views that have homographies, merged as above,
  take part as one view.

An item is represented by its most confident detection, on a tie by the earlier view (the primary first); it
keeps its ``camera``, so its box is read in that camera's photo.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from validation_unit.basket import Decision, SeenObject, VisionObservation

Anchor = Literal["centre", "bottom"]
ASSOCIATION_RADIUS_MM = 60.0  # two detections of one product closer than this on the tray are one item
ACROSS_SLACK = 0.3  # an item's place on the tray may project this share of the box's width beside the box,
ABOVE_SLACK = 0.5  # this share of its height above it (the place is the item's foot: never much above it),
BELOW_SLACK = 6.0  # and this many heights below it (an item lying on others or in a basket is above the tray)
NO_PICTURE = "no picture from the camera"


@dataclass(frozen=True)
class ViewGeometry:
    """Where a camera looks: its tray homography (tray mm at z = 0 → pixels) and which point of a box stands
    for the item's place on the tray."""

    homography: tuple[tuple[float, ...], ...] | None = None
    anchor: Anchor = "bottom"

    def __post_init__(self) -> None:
        if self.homography is not None:
            object.__setattr__(self, "homography", check_homography(self.homography))
        if self.anchor not in ("centre", "bottom"):
            raise ValueError(f"anchor must be 'centre' or 'bottom', got {self.anchor!r}")


def check_homography(h: Sequence[Sequence[float]] | np.ndarray) -> tuple[tuple[float, ...], ...]:
    """A 3 × 3 homography of finite numbers that can be inverted, as a tuple of rows (ValueError otherwise)."""
    matrix = np.asarray(h, dtype=np.float64)
    if matrix.shape != (3, 3):
        raise ValueError(f"a tray homography is 3 rows of 3 numbers, got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("a tray homography holds a NaN or infinite value")
    if abs(float(np.linalg.det(matrix))) < 1e-12 * max(1.0, float(np.abs(matrix).max()) ** 3):
        raise ValueError("a tray homography must be invertible (its determinant is 0)")
    return tuple(tuple(float(v) for v in row) for row in matrix)


def tray_point(
    box: Sequence[float], homography: Sequence[Sequence[float]], anchor: Anchor = "bottom"
) -> tuple[float, float] | None:
    """Where on the tray (mm) a box's anchor lies: the inverse homography applied to the middle of its bottom
    edge (``"bottom"``) or its centre (``"centre"``). None: the point maps to no place on the tray plane (it is
    above the view's horizon)."""
    x1, y1, x2, y2 = (float(v) for v in box)
    u, v = (x1 + x2) / 2, (y2 if anchor == "bottom" else (y1 + y2) / 2)
    x, y, w = np.linalg.inv(np.asarray(homography, dtype=np.float64)) @ np.array([u, v, 1.0])
    if not math.isfinite(w) or abs(w) < 1e-12:
        return None
    point = (float(x / w), float(y / w))
    return point if all(math.isfinite(c) for c in point) else None


Key = str | None  # a class: the GTIN-14, or None for non-merchandise


@dataclass
class _Cluster:
    members: list[tuple[int, int, SeenObject]]  # (view index, index in the view, object)
    place: tuple[float, float] | None  # where on the tray (mm): its first detection's, the most exact view's

    def best(self) -> tuple[int, int, SeenObject]:
        return min(self.members, key=lambda m: (-m[2].confidence, m[0], m[1]))


def _project(homography: Sequence[Sequence[float]], place: tuple[float, float]) -> tuple[float, float] | None:
    u, v, w = np.asarray(homography, dtype=np.float64) @ np.array([place[0], place[1], 1.0])
    return None if not math.isfinite(w) or w <= 1e-12 else (float(u / w), float(v / w))


def _cost(
    box: Sequence[float],
    point: tuple[float, float] | None,
    geometry: ViewGeometry,
    place: tuple[float, float] | None,
    radius_mm: float,
) -> float | None:
    """How well a box fits an item whose foot is at ``place`` on the tray (lower is better; None: it cannot be
    that item). See the module's docstring for the rule."""
    if place is None:
        return None
    assert geometry.homography is not None
    near = point is not None and math.hypot(point[0] - place[0], point[1] - place[1]) <= radius_mm
    seen_at = _project(geometry.homography, place)
    if seen_at is None:
        return 0.5 if near else None
    x1, y1, x2, y2 = (float(v) for v in box)
    width, height = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
    u, v = seen_at
    across = max(0.0, x1 - u, u - x2) / width
    above, below = max(0.0, y1 - v) / height, max(0.0, v - y2) / height
    if not near and (across > ACROSS_SLACK or above > ABOVE_SLACK or below > BELOW_SLACK):
        return None
    # The nearer the item's foot is to the middle of the box's bottom edge, the better (in box sizes).
    return abs(u - (x1 + x2) / 2) / width + abs(v - y2) / height


def _by_place(
    views: Sequence[tuple[int, Sequence[SeenObject], ViewGeometry]], radius_mm: float
) -> list[tuple[int, int, SeenObject]]:
    """The views with homographies merged by place: one (view index, index, object) per item."""
    clusters: dict[Key, list[_Cluster]] = {}
    for view_index, objects, geometry in views:
        assert geometry.homography is not None
        by_key: dict[Key, list[tuple[int, SeenObject, tuple[float, float] | None]]] = {}
        for i, obj in enumerate(objects):
            point = tray_point(obj.box, geometry.homography, geometry.anchor)
            by_key.setdefault(obj.gtin14, []).append((i, obj, point))
        for key, detections in by_key.items():
            known = clusters.setdefault(key, [])
            pairs = []
            for d, (_i, obj, point) in enumerate(detections):
                for c, cluster in enumerate(known):
                    if any(m[0] == view_index for m in cluster.members):
                        continue  # two boxes in one picture are two items
                    cost = _cost(obj.box, point, geometry, cluster.place, radius_mm)
                    if cost is not None:
                        pairs.append((cost, d, c))
            taken_d: set[int] = set()
            taken_c: set[int] = set()
            for _cost_of, d, c in sorted(pairs):
                if d in taken_d or c in taken_c:
                    continue
                taken_d.add(d)
                taken_c.add(c)
                i, obj, point = detections[d]
                known[c].members.append((view_index, i, obj))
                if known[c].place is None:
                    known[c].place = point
            for d, (i, obj, point) in enumerate(detections):
                if d not in taken_d:
                    known.append(_Cluster([(view_index, i, obj)], point))
    return [cluster.best() for key_clusters in clusters.values() for cluster in key_clusters]


def merge_views(
    views: Sequence[tuple[str, Sequence[SeenObject]]],
    geometry: Mapping[str, ViewGeometry] | None = None,
    radius_mm: float = ASSOCIATION_RADIUS_MM,
    by_place: bool = True,
) -> tuple[SeenObject, ...]:
    """The objects of several views (camera id, its objects; the primary first) as one list, each item once:
    by place where the views have homographies (and ``by_place``), else by the largest count of any view (see
    the module's docstring). The result is in the views' order, each view's objects in their own order."""
    geometry = (geometry or {}) if by_place else {}
    placed = [
        (v, objects, geometry[camera])
        for v, (camera, objects) in enumerate(views)
        if camera in geometry and geometry[camera].homography is not None
    ]
    # The candidates for the largest count: the place-merged views as one, then each view without a homography.
    candidates: list[list[tuple[int, int, SeenObject]]] = []
    if placed:
        candidates.append(_by_place(placed, radius_mm))
    placed_views = {v for v, _objects, _geometry in placed}
    for v, (_camera, objects) in enumerate(views):
        if v not in placed_views:
            candidates.append([(v, i, obj) for i, obj in enumerate(objects)])
    chosen: list[tuple[int, int, SeenObject]] = []
    keys = list(dict.fromkeys(obj.gtin14 for candidate in candidates for _v, _i, obj in candidate))
    for key in keys:
        per_candidate: list[list[tuple[int, int, SeenObject]]] = [
            [m for m in candidate if m[2].gtin14 == key] for candidate in candidates
        ]
        # Rank by rank: the k-th item is the most confident k-th detection of any view that saw k or more (so
        # a view that saw more, but faintly, does not hide what another saw clearly).
        ranked = [sorted(members, key=lambda m: (-m[2].confidence, m[0], m[1])) for members in per_candidate]
        for k in range(max(len(members) for members in ranked)):
            chosen.append(min((r[k] for r in ranked if len(r) > k), key=lambda m: (-m[2].confidence, m[0], m[1])))
    return tuple(obj for _v, _i, obj in sorted(chosen, key=lambda m: (m[0], m[1])))


def merged_observation(
    looks: Sequence[tuple[str, VisionObservation]],
    geometry: Mapping[str, ViewGeometry] | None = None,
    radius_mm: float = ASSOCIATION_RADIUS_MM,
    by_place: bool = True,
) -> VisionObservation:
    """One observation from every camera's (the primary first): the usable views' objects merged, the basket
    label from the first view that read one. No usable view: camera not OK, with each camera's problem (a
    single camera's problem as it is)."""
    usable = [(camera, look) for camera, look in looks if look.camera_ok]
    down = [(camera, look.problem or NO_PICTURE) for camera, look in looks if not look.camera_ok]
    # one camera: its problem as it is (the reason says "the camera"); several: each with its id
    problems = looks[0][1].problem if len(looks) == 1 else "; ".join(f"{c}: {problem}" for c, problem in down)
    if not usable:
        return VisionObservation(camera_ok=False, problem=problems or NO_PICTURE)
    labelled = next((look for _camera, look in usable if look.basket_type is not None), None)
    return VisionObservation(
        objects=merge_views([(camera, look.objects) for camera, look in usable], geometry, radius_mm, by_place),
        camera_ok=True,
        basket_type=labelled.basket_type if labelled is not None else None,
        basket_tare_g=labelled.basket_tare_g if labelled is not None else None,
        problem=problems,  # the views left out, for the record (the fusion reads it only when no view is usable)
    )


def photo_name(camera: str, primary: bool) -> str:
    """The attachment that holds a camera's photo: "photo" for the primary camera, "photo_<id>" for the others."""
    return "photo" if primary else f"photo_{camera}"


def degraded_note(problems: Mapping[str, str]) -> str:
    """The sentence the explanation gets when some cameras gave no usable picture and the others decided
    (camera id → its problem, "" = usable, in the cameras' order); "" when all or none were usable."""
    down = {camera: problem for camera, problem in problems.items() if problem}
    rest = [camera for camera, problem in problems.items() if not problem]
    if not down or not rest:
        return ""
    which = "; ".join(f"camera {camera}: {problem}" for camera, problem in down.items())
    views = ", ".join(rest)
    word = "view" if len(rest) == 1 else "views"
    return f"Not every camera gave a usable picture ({which}): the camera evidence rests on the {word} {views}."


def attribute_reasons(decision: Decision, objects: Sequence[SeenObject]) -> Decision:
    """The decision with each reason that points at a box told which camera's photo the box is in (the box
    comes from one of the merged ``objects``)."""
    cameras = {(o.box, o.gtin14): o.camera for o in objects}
    by_box = {o.box: o.camera for o in objects}
    reasons = []
    for reason in decision.reasons:
        if reason.box is not None and not reason.camera:
            camera = cameras.get((reason.box, reason.gtin14)) or by_box.get(reason.box, "")
            reason = replace(reason, camera=camera)
        reasons.append(reason)
    return replace(decision, reasons=tuple(reasons))
