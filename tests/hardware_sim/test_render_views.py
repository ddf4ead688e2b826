"""The side cameras' renderer: solids the size of their looks, occlusion by depth, per-view ground truth."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hardware_sim.catalog import load_demo_catalog
from hardware_sim.render import CLEAN, GroundTruth, RenderOptions, render
from hardware_sim.render_layout import random_basket
from hardware_sim.render_views import ViewRenderer, render_view, solid_shape
from hardware_sim.scene import PlacedItem
from hardware_sim.views import VIEWS, project

CAN = "04006381001014"  # Fizz Cola can, 66 × 115 mm
BOX = "04005001000154"  # cereal box, 280 × 190 × 70 mm lying
BOTTLE = "04006381002172"  # Fizz Cola 1.5 L, 92 × 320 mm


def _item(
    item_id: int, ref: str, x: float, y: float, z: int = 1, rot: float = 0.0, pose: str = "lying", kind: str = "product"
) -> PlacedItem:
    return PlacedItem(item_id, kind, ref, 100.0, x, y, rot, z, pose)


def _by_id(truth: list[GroundTruth]) -> dict[int, GroundTruth]:
    return {t.item_id: t for t in truth}


def test_the_top_view_is_the_top_renderer() -> None:
    items = random_basket(4, n_products=6)
    frame, truth = render_view("top", items, 3)
    expected_frame, expected_truth = render(items, 3)
    assert np.array_equal(frame, expected_frame) and truth == expected_truth


@pytest.mark.parametrize(
    ("ref", "pose", "shape"),
    [(CAN, "standing", "upright"), (CAN, "lying", "lying"), (BOX, "lying", "box"), (BOTTLE, "standing", "upright")],
)
def test_solids_follow_the_packaging(ref: str, pose: str, shape: str) -> None:
    assert solid_shape(_item(1, ref, 0, 0, pose=pose), load_demo_catalog()) == shape


def test_bags_and_soft_things_are_rounded() -> None:
    catalog = load_demo_catalog()
    bag = next(r for r in catalog if r.packaging == "bag")
    assert solid_shape(_item(1, bag.gtin14, 0, 0), catalog) == "lying"
    assert solid_shape(_item(1, "handbag", 0, 0, kind="distractor"), catalog) == "lying"
    assert solid_shape(_item(1, "phone", 0, 0, kind="distractor"), catalog) == "box"


def test_a_lone_item_sits_where_the_camera_model_puts_it() -> None:
    frame, truth = render_view("left", [_item(1, CAN, 300, 200, pose="standing")], 0, CLEAN)
    assert frame.shape == (720, 1280, 3) and frame.dtype == np.uint8
    (t,) = truth
    assert t.visible_fraction == 1.0 and t.visible_box == t.box and t.pixels > 1000
    x0, y0, x1, y1 = t.box
    view = VIEWS["left"]
    # A standing can 66 mm across and 115 mm tall: its foot and its top centre are inside the box.
    for z in (0.0, 115.0):
        u, v = project(view, 300, 200, z)
        assert x0 <= u < x1 and y0 <= v < y1
    # Its width in the picture is its diameter at its distance from the camera.
    distance = math.dist(view.position, (300.0, 200.0, 57.5))
    assert x1 - x0 == pytest.approx(66 * view.focal_px / distance, rel=0.2)


def test_an_item_under_another_shows_from_the_side() -> None:
    """A can under a cereal box: hidden from above, its end sticks out towards the left camera."""
    items = [_item(1, CAN, 300, 200, z=1), _item(2, BOX, 390, 200, z=2)]
    top = _by_id(render_view("top", items, 0, CLEAN)[1])
    left = _by_id(render_view("left", items, 0, CLEAN)[1])
    right = _by_id(render_view("right", items, 0, CLEAN)[1])
    assert top[1].visible_fraction < 0.1
    assert left[1].visible_fraction > 0.3
    assert right[1].visible_fraction < 0.05  # the box's far end hangs over it
    assert all(t[2].visible_fraction == 1.0 for t in (top, left, right))


def test_an_item_behind_a_tall_one_is_seen_from_the_other_side() -> None:
    items = [_item(1, BOTTLE, 250, 200, pose="standing"), _item(2, CAN, 350, 200, pose="standing")]
    left = _by_id(render_view("left", items, 0, CLEAN)[1])
    right = _by_id(render_view("right", items, 0, CLEAN)[1])
    assert left[2].visible_fraction < 0.05 and left[2].pixels > 0  # in the picture, behind the bottle
    assert right[2].visible_fraction == 1.0
    assert right[1].visible_fraction < 1.0  # the can stands in front of the bottle's foot


def test_truth_agrees_with_the_picture() -> None:
    """Where the truth says an item shows, the picture differs from the empty tray; boxes hold the visible parts."""
    items = random_basket(11, n_products=10, basket="none")
    frame, truth = render_view("right", items, 0, CLEAN)
    empty, _ = render_view("right", [], 0, CLEAN)
    for t in truth:
        assert 0.0 <= t.visible_fraction <= 1.0
        if t.visible_fraction == 0:
            assert t.visible_box == (0, 0, 0, 0)
            continue
        x0, y0, x1, y1 = t.visible_box
        bx0, by0, bx1, by1 = t.box
        assert bx0 <= x0 < x1 <= bx1 and by0 <= y0 < y1 <= by1
        patch = np.abs(frame[y0:y1, x0:x1].astype(np.int16) - empty[y0:y1, x0:x1]).max(axis=2)
        assert (patch > 0).any()


def test_the_basket_wire_hides_no_goods() -> None:
    items = [_item(2, CAN, 200, 150, pose="standing"), _item(3, BOX, 380, 230)]
    basket = PlacedItem(1, "basket", "basket-red", 650.0, 300, 200, 0.0, 0)
    for view in ("left", "right"):
        alone = _by_id(render_view(view, items, 0, CLEAN)[1])
        frame, truth = render_view(view, [basket, *items], 0, CLEAN)
        in_basket = _by_id(truth)
        for item_id in (2, 3):
            assert in_basket[item_id].visible_fraction == alone[item_id].visible_fraction
            assert in_basket[item_id].box == alone[item_id].box
        assert in_basket[1].kind == "basket" and 0 < in_basket[1].visible_fraction < 1  # goods hide its floor
        # The rim is drawn: the picture differs from the goods alone somewhere above the goods.
        goods, _ = render_view(view, items, 0, CLEAN)
        assert np.abs(frame.astype(np.int16) - goods).max() > 40


def test_same_seed_same_frame_and_flaws_leave_truth_alone() -> None:
    items = random_basket(2, n_products=8)
    renderer = ViewRenderer("left")
    a, truth_a = renderer.render(items, 5)
    b, truth_b = renderer.render(items, 5)
    assert np.array_equal(a, b) and truth_a == truth_b
    flawed = RenderOptions(lighting=True, blur=True, noise=True, glare=True, jpeg=True)
    c, truth_c = renderer.render(items, 6, flawed)
    assert not np.array_equal(a, c) and truth_c == renderer.render(items, 6, CLEAN)[1]


def test_items_off_the_picture_have_empty_truth() -> None:
    (t,) = render_view("left", [_item(1, CAN, 300, 3000, pose="standing")], 0, CLEAN)[1]
    assert t.pixels == 0 and t.visible_fraction == 0.0 and t.box == (0, 0, 0, 0)


@pytest.mark.parametrize("view_id", ["left", "right"])
def test_a_top_face_shows_the_same_look_as_from_above(view_id: str) -> None:
    """Map the side view's picture of a chocolate bar's top onto the top view's: the same print, not mirrored."""
    import cv2

    bar = _item(1, "04008005000168", 300, 200, rot=30.0)  # 160 × 80 × 12 mm, lettered
    top, (t_top,) = render_view("top", [bar], 0, CLEAN)
    side, _ = render_view(view_id, [bar], 0, CLEAN)
    plane = [(200.0, 150.0), (400.0, 150.0), (400.0, 250.0), (200.0, 250.0)]  # points of the plane z = 12
    src = np.array([project(VIEWS[view_id], x, y, 12.0) for x, y in plane], np.float32)
    dst = np.array([project(VIEWS["top"], x, y, 12.0) for x, y in plane], np.float32)
    warped = cv2.warpPerspective(side, cv2.getPerspectiveTransform(src, dst), (1280, 720))
    x0, y0, x1, y1 = t_top.box
    mask = np.zeros((720, 1280), np.uint8)
    cx, cy = project(VIEWS["top"], 300, 200, 12.0)
    cv2.ellipse(mask, (round(cx), round(cy)), (60, 25), 30, 0, 360, 1, -1)  # well inside the bar's top
    inside = mask.astype(bool)
    diff = np.abs(warped.astype(np.int16) - top.astype(np.int16)).max(axis=2)[inside]
    assert np.median(diff) < 6
    for flip in (1, -1):  # the print mirrored, or turned half round, is clearly different
        flipped = cv2.flip(warped[y0:y1, x0:x1], flip).astype(np.int16)
        wrong = np.abs(flipped - top[y0:y1, x0:x1].astype(np.int16)).max(axis=2)[inside[y0:y1, x0:x1]]
        assert np.median(wrong) > np.median(diff) + 8
