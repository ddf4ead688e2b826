"""Several cameras, one basket: per-view detections merged so that an item seen in several views counts once
(plain data: boxes made from tray places through each view's homography)."""

from __future__ import annotations

import numpy as np
import pytest

from validation_unit.basket import Decision, Reason, SeenObject, VisionObservation
from validation_unit.views import (
    ViewGeometry,
    attribute_reasons,
    check_homography,
    degraded_note,
    merge_views,
    merged_observation,
    tray_point,
)

COLA, CHIPS = "04006381001014", "04012345000018"


def pinhole(
    position: tuple[float, float, float],
    look_at: tuple[float, float, float],
    focal: float,
    up: tuple[float, float, float] = (0, 0, 1),
) -> tuple[tuple[float, ...], ...]:
    """Tray mm (z = 0) → pixels of a 1280 × 720 pinhole camera at ``position`` looking at ``look_at``."""
    forward = np.subtract(look_at, position).astype(float)
    forward /= np.linalg.norm(forward)
    down = -(np.asarray(up, float) - np.dot(up, forward) * forward)
    down /= np.linalg.norm(down)
    r = np.vstack((np.cross(forward, down), down, forward))
    k = np.array([[focal, 0, 640], [0, focal, 360], [0, 0, 1]])
    h = k @ np.column_stack((r[:, 0], r[:, 1], -r @ np.asarray(position, float)))
    return tuple(tuple(float(v) for v in row) for row in h / h[2, 2])


# A 600 × 400 mm tray seen from 1.1 m above and from 650 mm up beyond each end, looking at its middle.
TOP = pinhole((300, 200, 1100), (300, 200, 0), 1760, up=(0, -1, 0))
LEFT = pinhole((-250, 200, 650), (300, 200, 40), 860)
RIGHT = pinhole((850, 200, 650), (300, 200, 40), 860)
GEOMETRY = {"top": ViewGeometry(TOP, "centre"), "left": ViewGeometry(LEFT), "right": ViewGeometry(RIGHT)}


def project(h: tuple[tuple[float, ...], ...], x: float, y: float) -> tuple[float, float]:
    u, v, w = np.asarray(h) @ np.array([x, y, 1.0])
    return float(u / w), float(v / w)


def seen(
    camera: str, gtin: str | None, x: float, y: float, conf: float = 0.9, jitter: float = 0.0, lift: float = 0.0
) -> SeenObject:
    """What ``camera`` reports for an item standing at tray (x, y) mm: a 60 × 80 px box around its anchor
    (``lift``: that many box heights higher, as an item lying on others)."""
    geometry = GEOMETRY[camera]
    assert geometry.homography is not None
    u, v = project(geometry.homography, x + jitter, y - jitter)
    v -= 80 * lift
    # Looking down, the box is around the anchor; from the side it stands on it.
    box = (u - 30, v - 40, u + 30, v + 40) if geometry.anchor == "centre" else (u - 30, v - 80, u + 30, v)
    return SeenObject(gtin, "chips" if gtin == CHIPS else ("cola" if gtin else "phone"), conf, box, camera)


def counts(objects: tuple[SeenObject, ...]) -> dict[str | None, int]:
    out: dict[str | None, int] = {}
    for o in objects:
        out[o.gtin14] = out.get(o.gtin14, 0) + 1
    return out


def test_the_anchor_maps_back_to_the_tray() -> None:
    for camera in ("top", "left", "right"):
        box = seen(camera, COLA, 120.0, 80.0).box
        point = tray_point(box, GEOMETRY[camera].homography or TOP, GEOMETRY[camera].anchor)
        assert point == pytest.approx((120.0, 80.0), abs=1e-6)


def test_one_item_seen_in_three_views_is_one_item() -> None:
    views = [(c, [seen(c, COLA, 150, 100, jitter=j)]) for c, j in (("top", 0), ("left", 12), ("right", -15))]
    merged = merge_views(views, GEOMETRY)
    assert counts(merged) == {COLA: 1}
    assert merged[0].camera == "top"  # equally confident: the primary view's box


def test_two_identical_items_each_seen_in_one_view_only_are_two() -> None:
    # One can hides behind the chips for the left camera, the other behind a bottle for the top camera.
    views = [("top", [seen("top", COLA, 60, 60)]), ("left", [seen("left", COLA, 300, 200)]), ("right", [])]
    assert counts(merge_views(views, GEOMETRY)) == {COLA: 2}
    # Without homographies the views cannot be told apart: the largest count of one view (1), never the sum.
    assert counts(merge_views(views)) == {COLA: 1}


def test_a_side_view_places_an_item_across_its_line_of_sight_not_along_it() -> None:
    # The left camera's box of the can lying on the others is 2.5 box heights above its place on the tray, and
    # the right camera saw a can the top camera missed 120 mm off along its line of sight: the same cans.
    top = [seen("top", COLA, 200, 100)]
    left = [seen("left", COLA, 200, 100, lift=2.5), seen("left", COLA, 420, 300)]
    right = [seen("right", COLA, 300, 300)]
    assert counts(merge_views([("top", top), ("left", left), ("right", right)], GEOMETRY)) == {COLA: 2}


def test_cans_in_a_row_along_a_side_cameras_line_of_sight_stay_apart() -> None:
    # From the left the rear can hides behind the front one; the right camera sees both.
    top = [seen("top", COLA, 150, 200), seen("top", COLA, 450, 200)]
    left = [seen("left", COLA, 150, 200)]
    right = [seen("right", COLA, 450, 200), seen("right", COLA, 150, 200, lift=0.5)]
    merged = merge_views([("top", top), ("left", left), ("right", right)], GEOMETRY)
    assert counts(merged) == {COLA: 2}


def test_two_cans_side_by_side_in_one_view_stay_two_and_pair_with_the_other_views() -> None:
    top = [seen("top", COLA, 100, 100), seen("top", COLA, 140, 100)]  # 40 mm apart: closer than the radius
    left = [seen("left", COLA, 102, 98), seen("left", COLA, 143, 103)]
    right = [seen("right", COLA, 139, 97)]
    merged = merge_views([("top", top), ("left", left), ("right", right)], GEOMETRY)
    assert counts(merged) == {COLA: 2}


def test_different_products_and_non_merchandise_are_kept_apart() -> None:
    top = [seen("top", COLA, 100, 100), seen("top", None, 250, 150)]
    left = [seen("left", CHIPS, 100, 100), seen("left", None, 255, 148)]  # a look-alike error at the same place
    merged = merge_views([("top", top), ("left", left)], GEOMETRY)
    assert counts(merged) == {COLA: 1, CHIPS: 1, None: 1}  # the phone seen twice is one phone


def test_an_item_is_represented_by_its_most_confident_detection() -> None:
    views = [("top", [seen("top", COLA, 150, 100, conf=0.55)]), ("left", [seen("left", COLA, 152, 99, conf=0.93)])]
    (item,) = merge_views(views, GEOMETRY)
    assert (item.camera, item.confidence) == ("left", 0.93)


@pytest.mark.parametrize(
    ("top", "left", "right", "from_view"),
    [
        # cola: 2 seen from the top, 3 from the left, 1 from the right → 3 (the third is the left view's)
        (
            (COLA, COLA),
            (COLA, COLA, COLA, CHIPS),
            (COLA,),
            [(COLA, "top"), (COLA, "top"), (COLA, "left"), (CHIPS, "left")],
        ),
        ((COLA, COLA), (COLA, COLA), (), [(COLA, "top"), (COLA, "top")]),  # a tie: the earlier view
        ((), (None,), (None, None), [(None, "left"), (None, "right")]),  # rank by rank: the earlier view first
        ((), (), (), []),
    ],
)
def test_without_homographies_a_product_counts_as_often_as_the_view_that_saw_it_most(
    top: tuple[str | None, ...],
    left: tuple[str | None, ...],
    right: tuple[str | None, ...],
    from_view: list[tuple[str | None, str]],
) -> None:
    def objects(camera: str, gtins: tuple[str | None, ...]) -> list[SeenObject]:
        return [SeenObject(g, "x", 0.9, (10.0 * i, 0.0, 10.0 * i + 5, 5.0), camera) for i, g in enumerate(gtins)]

    merged = merge_views(
        [("top", objects("top", top)), ("left", objects("left", left)), ("right", objects("right", right))]
    )
    assert sorted((o.gtin14 or "", o.camera) for o in merged) == sorted((g or "", c) for g, c in from_view)


def test_without_homographies_a_faint_view_does_not_hide_a_clear_one() -> None:
    clear = [
        SeenObject(COLA, "cola", 0.95, (0, 0, 10, 10), "top"),
        SeenObject(COLA, "cola", 0.9, (20, 0, 30, 10), "top"),
    ]
    faint = [SeenObject(COLA, "cola", 0.35, (10.0 * i, 50, 10.0 * i + 5, 60), "left") for i in range(3)]
    merged = merge_views([("top", clear), ("left", faint)])
    assert [(o.camera, o.confidence) for o in merged] == [("top", 0.95), ("top", 0.9), ("left", 0.35)]


def test_views_without_a_homography_take_part_by_count() -> None:
    top = [seen("top", COLA, 60, 60)]
    left = [seen("left", COLA, 300, 200)]  # another can: with the top view, two cans by place
    right = [SeenObject(COLA, "cola", 0.9, (0, 0, 10, 10), "right")] * 3  # no homography: three cans
    geometry = {"top": GEOMETRY["top"], "left": GEOMETRY["left"]}
    assert counts(merge_views([("top", top), ("left", left), ("right", right[:1])], geometry)) == {COLA: 2}
    assert counts(merge_views([("top", top), ("left", left), ("right", right)], geometry)) == {COLA: 3}


@pytest.mark.parametrize(
    ("matrix", "problem"),
    [
        ([[1, 0], [0, 1]], "3 rows of 3 numbers"),
        ([[1, 0, 0], [0, 1, 0], [0, 0, float("nan")]], "NaN or infinite"),
        ([[1, 2, 3], [2, 4, 6], [0, 0, 1]], "invertible"),
    ],
)
def test_a_wrong_homography_is_refused(matrix: list[list[float]], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_homography(matrix)


def test_the_merged_observation_and_what_is_said_about_a_camera_down() -> None:
    top = VisionObservation(objects=(seen("top", COLA, 150, 100),))
    left = VisionObservation(camera_ok=False, problem="camera 'http://x/left' stopped delivering frames")
    right = VisionObservation(objects=(seen("right", COLA, 149, 104),), basket_type="basket-red", basket_tare_g=650.0)
    merged = merged_observation([("top", top), ("left", left), ("right", right)], GEOMETRY)
    assert merged.camera_ok and counts(merged.objects) == {COLA: 1}
    assert (merged.basket_type, merged.basket_tare_g) == ("basket-red", 650.0)  # the first view that read it
    assert "left: camera 'http://x/left' stopped" in merged.problem
    note = degraded_note({"top": "", "left": "no picture from the camera", "right": ""})
    assert "camera left: no picture from the camera" in note and "views top, right" in note
    assert degraded_note({"top": "", "left": ""}) == "" == degraded_note({"top": "down", "left": "down"})
    down = merged_observation([("top", VisionObservation(camera_ok=False, problem="frozen")), ("left", left)])
    assert not down.camera_ok and down.problem.startswith("top: frozen; left: camera")
    one = merged_observation([("top", VisionObservation(camera_ok=False, problem="frozen"))])
    assert one.problem == "frozen"  # a single camera's problem as it always was


def test_a_reason_names_the_camera_its_box_is_in() -> None:
    objects = (seen("top", COLA, 150, 100), seen("right", CHIPS, 300, 200))
    decision = Decision(
        "RECHECK",
        (Reason("unscanned_item", "1x chips not scanned", CHIPS, 1, objects[1].box), Reason("weight_mismatch", "off")),
        0.6,
        "",
    )
    reasons = attribute_reasons(decision, objects).reasons
    assert [r.camera for r in reasons] == ["right", ""]
    assert reasons[0].to_dict()["camera"] == "right" and "camera" not in reasons[1].to_dict()
