"""The renderer: mm → pixel mapping, honest ground truth under occlusion, determinism, imperfections."""

from __future__ import annotations

import numpy as np
import pytest

from hardware_sim.render import CLEAN, IMAGE_H, IMAGE_W, RenderOptions, render, tray_to_pixel
from hardware_sim.render_layout import ItemSpec, layout, random_basket
from hardware_sim.scene import PlacedItem, Scene

CAN = "04006381001014"  # Fizz Cola can, 66 × 115 mm lying
BOX = "04005001000154"  # cereal box, 280 × 190 mm design face


def _item(
    item_id: int, ref: str, x: float, y: float, z: int = 1, rot: float = 0.0, kind: str = "product"
) -> PlacedItem:
    return PlacedItem(item_id, kind, ref, 100.0, x, y, rot, z)


@pytest.mark.parametrize(
    ("x", "y", "z", "expected"),
    [
        (300, 200, 0, (640, 360)),
        (0, 0, 0, (160, 40)),
        (600, 400, 0, (1120, 680)),
        (300, 200, 500, (640, 360)),  # straight below the camera: no parallax
    ],
)
def test_tray_to_pixel(x: float, y: float, z: float, expected: tuple[float, float]) -> None:
    assert tray_to_pixel(x, y, z) == pytest.approx(expected)


def test_taller_points_are_magnified_away_from_the_centre() -> None:
    u0, _ = tray_to_pixel(100, 200, 0)
    u1, _ = tray_to_pixel(100, 200, 100)
    assert u1 < u0  # further left: it leans outwards


def test_a_lone_item_has_a_tight_box_where_the_mapping_puts_it() -> None:
    frame, truth = render([_item(1, CAN, 300, 200)], 1, CLEAN)
    assert frame.shape == (IMAGE_H, IMAGE_W, 3) and frame.dtype == np.uint8
    (t,) = truth
    assert t.visible_fraction == 1.0 and t.visible_box == t.box
    x0, y0, x1, y1 = t.box
    # 115 × 66 mm at 1.6 px/mm, magnified by the 66 mm the lying can stands above the tray.
    k = 1.6 * 1100 / (1100 - 66)
    assert x1 - x0 == pytest.approx(115 * k, abs=3)
    assert y1 - y0 == pytest.approx(66 * k, abs=3)
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx((640, 360), abs=1.5)


def test_occlusion_is_reported_by_visible_fraction_and_box() -> None:
    bottom = _item(1, BOX, 300, 200, z=1)
    top = _item(2, CAN, 300, 200, z=2)
    _, truth = render([bottom, top], 1, CLEAN)
    box_t, can_t = truth
    assert can_t.visible_fraction == 1.0
    assert 0.5 < box_t.visible_fraction < 0.95
    assert box_t.visible_box == box_t.box  # the can sits in the middle: the box's outline is still whole
    _, hidden = render([_item(1, CAN, 300, 200, z=1), _item(2, BOX, 300, 200, z=2)], 1, CLEAN)
    assert hidden[0].visible_fraction == 0.0 and hidden[0].visible_box == (0, 0, 0, 0)
    assert hidden[0].box != (0, 0, 0, 0)  # still on the picture, just covered


def test_off_picture_items_have_empty_truth() -> None:
    _, (t,) = render([_item(1, CAN, -500, -500)], 1, CLEAN)
    assert t.pixels == 0 and t.visible_fraction == 0.0 and t.box == (0, 0, 0, 0)


def test_same_seed_same_frame_other_seed_other_imperfections() -> None:
    items = random_basket(4)
    a, ta = render(items, 9)
    b, tb = render(items, 9)
    c, _ = render(items, 10)
    assert np.array_equal(a, b) and ta == tb
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    "options",
    [
        RenderOptions(lighting=True, blur=False, noise=False, glare=False, jpeg=False),
        RenderOptions(lighting=False, blur=True, noise=False, glare=False, jpeg=False),
        RenderOptions(lighting=False, blur=False, noise=True, glare=False, jpeg=False),
        RenderOptions(lighting=False, blur=False, noise=False, glare=False, jpeg=True),
        RenderOptions(lighting=False, blur=False, noise=False, glare=True, jpeg=False),
    ],
)
def test_each_imperfection_changes_the_picture_but_not_the_truth(options: RenderOptions) -> None:
    items = random_basket(5)
    clean, t_clean = render(items, 3, CLEAN)
    dirty, t_dirty = render(items, 3, options)
    assert t_clean == t_dirty
    assert np.abs(clean.astype(int) - dirty.astype(int)).mean() > 0.5


def test_snapshot_of_a_scene_renders_like_its_items() -> None:
    scene = Scene()
    scene.place(*layout([ItemSpec("product", CAN), ItemSpec("distractor", "phone")], 3))
    snap = scene.snapshot()
    frame, truth = render(snap, 1, CLEAN)
    assert [t.item_id for t in truth] == [i.item_id for i in snap.items]
    assert {t.kind for t in truth} == {"basket", "product", "distractor"}
    assert np.array_equal(frame, render(list(snap.items), 1, CLEAN)[0])


def test_unknown_products_are_named() -> None:
    with pytest.raises(KeyError, match="04006381333931"):
        render([_item(1, "04006381333931", 300, 200)], 1)


def test_half_covered_item_reports_about_half() -> None:
    # Two equal boxes (design face 280 mm long), the top one shifted by half that length.
    shift_mm = 140
    lower = _item(1, BOX, 300 - shift_mm / 2, 200, z=1)
    upper = _item(2, BOX, 300 + shift_mm / 2, 200, z=2)
    _, (t_lower, t_upper) = render([lower, upper], 1, CLEAN)
    assert t_upper.visible_fraction == 1.0
    # The upper box rests on the lower one, so it is seen larger and covers a bit more than half.
    assert 0.3 < t_lower.visible_fraction < 0.55
    assert t_lower.visible_box[0] == t_lower.box[0] and t_lower.visible_box[2] < t_lower.box[2]
