"""Basket layouts: items inside the basket, real masses, deterministic by seed."""

from __future__ import annotations

import math

import pytest

from hardware_sim import catalog_baskets
from hardware_sim.catalog import load_demo_catalog
from hardware_sim.render_layout import ItemSpec, layout, random_basket
from hardware_sim.scene import TRAY_DEPTH_MM, TRAY_WIDTH_MM, Scene

CATALOG = load_demo_catalog()


def test_layout_places_every_spec_with_real_mass_inside_the_basket() -> None:
    specs = [ItemSpec("product", r.gtin14) for r in list(CATALOG)[:12]] + [ItemSpec("distractor", "keys")]
    items = layout(specs, 11, basket="basket-blue")
    basket, rest = items[0], items[1:]
    assert basket.kind == "basket" and basket.ref == "basket-blue"
    assert abs(basket.mass_g - 640) < 30
    assert len(rest) == len(specs)
    b = catalog_baskets.get("basket-blue")
    for item in rest:
        assert math.hypot(item.x_mm - basket.x_mm, item.y_mm - basket.y_mm) < math.hypot(b.floor_w_mm, b.floor_d_mm) / 2
        if item.kind == "product":
            row = CATALOG.get(item.ref)
            assert abs(item.mass_g - row.weight_mean_g) <= 0.5 * row.weight_mean_g
    assert sorted(i.z for i in rest) == list(range(1, len(specs) + 1))
    assert [i.item_id for i in items] == list(range(len(items)))


def test_given_masses_are_kept_and_by_weight_items_use_them() -> None:
    bananas = next(r for r in CATALOG if r.by_weight)
    items = layout([ItemSpec("product", bananas.gtin, mass_g=812.0)], 1, basket="none")
    assert len(items) == 1 and items[0].mass_g == 812.0 and items[0].ref == bananas.gtin14
    assert 0 <= items[0].x_mm <= TRAY_WIDTH_MM and 0 <= items[0].y_mm <= TRAY_DEPTH_MM


def test_layout_is_deterministic_by_seed() -> None:
    assert random_basket(3) == random_basket(3)
    assert random_basket(3) != random_basket(4)


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        (ItemSpec("product", "4006381333931"), KeyError),
        (ItemSpec("distractor", "umbrella"), KeyError),
        (ItemSpec("basket", "basket-red"), ValueError),
    ],
)
def test_bad_specs_are_refused(spec: ItemSpec, error: type[Exception]) -> None:
    with pytest.raises(error):
        layout([spec], 1)


def test_scene_holds_a_layout_and_weighs_it() -> None:
    scene = Scene()
    items = random_basket(8, n_products=6, n_distractors=1)
    scene.place(*items)
    snap = scene.snapshot()
    assert snap.total_mass_g == pytest.approx(sum(i.mass_g for i in items))
    assert len(snap.products) == 6


def test_clutter_controls_overlap() -> None:
    def overlap_count(clutter: float) -> int:
        items = layout([ItemSpec("product", "4006381001014")] * 8, 5, clutter=clutter)[1:]
        return sum(
            1
            for a in items
            for b in items
            if a.item_id < b.item_id and math.hypot(a.x_mm - b.x_mm, a.y_mm - b.y_mm) < 60
        )

    assert overlap_count(0.0) <= overlap_count(1.0)
