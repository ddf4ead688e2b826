"""Random but plausible basket layouts: turn "what is in the basket" into PlacedItems with pose, place and mass.

Used for training sets (many random baskets from a seed) and for scenarios (a given list of products). Every
item gets a real mass (catalog mean and σ, or the weighed amount of by-weight produce), a position inside
the basket's floor, a rotation, a pose and a stacking order, so a :class:`~hardware_sim.scene.Scene` can hold
them and the scale and camera agree. Deterministic by seed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from hardware_sim import catalog_baskets, distractors
from hardware_sim.catalog import Catalog, CatalogRow, load_demo_catalog
from hardware_sim.looks import product_texture, shows_top_when_standing
from hardware_sim.looks_paint import TEX_PX_PER_MM
from hardware_sim.scene import TRAY_DEPTH_MM, TRAY_WIDTH_MM, PlacedItem

STANDING_MAX_MM = 260.0  # taller things do not stand in a basket: they fall over


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One thing to put in the basket. ``mass_g=None`` samples it; ``pose=None`` lets the layout choose."""

    kind: str  # "product" | "distractor"
    ref: str  # GTIN (13 or 14 digits) or distractor name
    mass_g: float | None = None
    pose: str | None = None


def _footprint_mm(spec: ItemSpec, pose: str, variant: int, catalog: Catalog) -> tuple[float, float]:
    if spec.kind == "product":
        texture = product_texture(catalog.get(spec.ref), pose, variant)
    else:
        texture = distractors.distractor_texture(spec.ref, variant)
    w, h = texture.size_px
    return w / TEX_PX_PER_MM, h / TEX_PX_PER_MM


def _choose_pose(row: CatalogRow, rng: np.random.Generator) -> str:
    if not shows_top_when_standing(row) or row.height_mm > STANDING_MAX_MM:
        return "lying"
    chance = 0.1 if row.packaging == "box" else 0.35
    return "standing" if rng.random() < chance else "lying"


def _mass(spec: ItemSpec, rng: np.random.Generator, catalog: Catalog) -> float:
    if spec.mass_g is not None:
        return float(spec.mass_g)
    if spec.kind == "product":
        row = catalog.get(spec.ref)
        mean, sd = row.weight_mean_g, row.weight_sd_g
        low, high = (0.25 * mean, 3 * mean) if row.by_weight else (0.5 * mean, 1.5 * mean)
    else:
        d = distractors.get(spec.ref)
        mean, sd, low, high = d.mass_mean_g, d.mass_sd_g, 0.3 * d.mass_mean_g, 2 * d.mass_mean_g
    return round(float(np.clip(rng.normal(mean, sd), low, high)), 1)


def basket_item(basket_type: str, rng: np.random.Generator) -> PlacedItem:
    """The basket itself on the tray, near the centre and nearly straight, weighing its tare (± wear)."""
    b = catalog_baskets.get(basket_type)
    return PlacedItem(
        item_id=0,
        kind="basket",
        ref=b.name,
        mass_g=round(float(rng.normal(b.tare_g, b.tare_sd_g)), 1),
        x_mm=TRAY_WIDTH_MM / 2 + float(rng.uniform(-12, 12)),
        y_mm=TRAY_DEPTH_MM / 2 + float(rng.uniform(-8, 8)),
        rotation_deg=float(rng.uniform(-3, 3)),
        z=0,
        pose="lying",
        seed=int(rng.integers(0, 2**31)),
    )


def _overlap(x: float, y: float, r: float, taken: list[tuple[float, float, float]]) -> float:
    """How much a disc of radius ``r`` at (x, y) overlaps the discs already placed (0 = not at all, 1 = fully)."""
    worst = 0.0
    for tx, ty, tr in taken:
        d = math.hypot(x - tx, y - ty)
        if d < r + tr:
            worst = max(worst, min(1.0, (r + tr - d) / (2 * min(r, tr))))
    return worst


def layout(
    specs: Sequence[ItemSpec],
    seed: int,
    *,
    basket: str = "basket-red",
    clutter: float = 0.25,
    catalog: Catalog | None = None,
) -> list[PlacedItem]:
    """Place ``specs`` in a basket (or on the bare tray with ``basket="none"``); the basket comes first.

    ``clutter`` (0–1) is how much overlap the shopper tolerates: 0 spreads items out where there is room,
    1 piles them on each other. Larger items go in first (lower ``z``), so small ones end up on top, as in real
    baskets. Items come back in the order of ``specs``, after the basket; their ids are 1, 2, … (the basket
    is 0); :meth:`Scene.place` assigns its own."""
    catalog = catalog if catalog is not None else load_demo_catalog()
    rng = np.random.default_rng(seed)
    placed: list[PlacedItem] = []
    if basket != catalog_baskets.NO_BASKET:
        bi = basket_item(basket, rng)
        placed.append(bi)
        b = catalog_baskets.get(basket)
        floor = catalog_baskets.floor_box_mm(b)
        cx, cy, angle = bi.x_mm, bi.y_mm, math.radians(bi.rotation_deg)
    else:
        floor = (-TRAY_WIDTH_MM / 2 + 15, -TRAY_DEPTH_MM / 2 + 15, TRAY_WIDTH_MM / 2 - 15, TRAY_DEPTH_MM / 2 - 15)
        cx, cy, angle = TRAY_WIDTH_MM / 2, TRAY_DEPTH_MM / 2, 0.0
    prepared = []
    for spec in specs:
        if spec.kind == "product":
            row = catalog.get(spec.ref)
            ref = row.gtin14
            pose = spec.pose or _choose_pose(row, rng)
        elif spec.kind == "distractor":
            ref = distractors.get(spec.ref).name
            pose = spec.pose or "lying"
        else:
            raise ValueError(f"item kind must be 'product' or 'distractor', got {spec.kind!r}")
        variant = int(rng.integers(0, 2**31))
        w, h = _footprint_mm(spec, pose, variant, catalog)
        prepared.append((spec, ref, pose, variant, w, h, _mass(spec, rng, catalog)))
    # Big first: they go to the bottom of the basket.
    order = sorted(range(len(prepared)), key=lambda i: -(prepared[i][4] * prepared[i][5]) * rng.uniform(0.6, 1.4))
    taken: list[tuple[float, float, float]] = []
    by_spec: dict[int, PlacedItem] = {}
    for z, i in enumerate(order, start=1):
        spec, ref, pose, variant, w, h, mass = prepared[i]
        rot = float(rng.uniform(0, 360))
        # Half extents of the rotated footprint: the centre must keep the item inside the floor.
        c, s = abs(math.cos(math.radians(rot))), abs(math.sin(math.radians(rot)))
        hx, hy = (w * c + h * s) / 2, (w * s + h * c) / 2
        r = 0.5 * math.sqrt(w * h)
        lo_x, hi_x = floor[0] + hx, floor[2] - hx
        lo_y, hi_y = floor[1] + hy, floor[3] - hy
        best: tuple[float, float, float] | None = None
        for _ in range(40):
            x = float(rng.uniform(lo_x, hi_x)) if hi_x > lo_x else (floor[0] + floor[2]) / 2
            y = float(rng.uniform(lo_y, hi_y)) if hi_y > lo_y else (floor[1] + floor[3]) / 2
            ov = _overlap(x, y, r, taken)
            if best is None or ov < best[2]:
                best = (x, y, ov)
            if ov <= clutter * 0.8:
                break
        assert best is not None
        lx, ly = best[0], best[1]
        taken.append((lx, ly, r))
        # Basket frame → tray frame.
        tx = cx + lx * math.cos(angle) - ly * math.sin(angle)
        ty = cy + lx * math.sin(angle) + ly * math.cos(angle)
        by_spec[i] = PlacedItem(
            item_id=0,
            kind=spec.kind,
            ref=ref,
            mass_g=mass,
            x_mm=round(tx, 1),
            y_mm=round(ty, 1),
            rotation_deg=round(rot + math.degrees(angle), 1),
            z=z,
            pose=pose,
            seed=variant,
        )
    placed.extend(by_spec[i] for i in range(len(prepared)))
    return [replace(p, item_id=n) for n, p in enumerate(placed)]


def random_specs(
    rng: np.random.Generator,
    catalog: Catalog,
    n_products: int,
    n_distractors: int = 0,
    lookalike_bias: float = 0.3,
) -> list[ItemSpec]:
    """A random basket's contents; with ``lookalike_bias`` a product's look-alike often comes along."""
    rows = list(catalog)
    groups = catalog.lookalike_groups()
    specs: list[ItemSpec] = []
    while len(specs) < n_products:
        row = rows[int(rng.integers(len(rows)))]
        specs.append(ItemSpec("product", row.gtin14))
        if row.lookalike_group and len(specs) < n_products and rng.random() < lookalike_bias:
            group = groups[row.lookalike_group]
            specs.append(ItemSpec("product", group[int(rng.integers(len(group)))].gtin14))
    names = list(distractors.DISTRACTORS)
    specs.extend(ItemSpec("distractor", names[int(rng.integers(len(names)))]) for _ in range(n_distractors))
    return specs


def random_basket(
    seed: int,
    *,
    n_products: int | None = None,
    n_distractors: int | None = None,
    basket: str | None = None,
    clutter: float | None = None,
    catalog: Catalog | None = None,
) -> list[PlacedItem]:
    """A whole random basket for a training image: contents, basket type and clutter all drawn from ``seed``."""
    catalog = catalog if catalog is not None else load_demo_catalog()
    rng = np.random.default_rng([seed, 1])
    n_p = n_products if n_products is not None else int(rng.integers(1, 16))
    n_d = n_distractors if n_distractors is not None else int(rng.choice([0, 0, 0, 1, 1, 2]))
    types = [*catalog_baskets.BASKETS, catalog_baskets.NO_BASKET]
    kind = basket if basket is not None else types[int(rng.integers(len(types)))]
    clut = clutter if clutter is not None else float(rng.uniform(0.0, 0.8))
    return layout(random_specs(rng, catalog, n_p, n_d), seed, basket=kind, clutter=clut, catalog=catalog)
