"""Product and distractor looks: every product paints, deterministically, at its catalog size."""

from __future__ import annotations

import numpy as np
import pytest

from hardware_sim import catalog_baskets, distractors
from hardware_sim.catalog import load_demo_catalog
from hardware_sim.looks import design_face_mm, product_texture
from hardware_sim.looks_paint import TEX_PX_PER_MM, ean13_modules

CATALOG = load_demo_catalog()


@pytest.mark.parametrize("row", list(CATALOG), ids=lambda r: r.name)
def test_every_product_paints_both_poses(row) -> None:  # type: ignore[no-untyped-def]
    for pose in ("lying", "standing"):
        t = product_texture(row, pose, 1)
        assert t.bgr.shape[:2] == t.alpha.shape
        assert t.alpha.max() == 255, "the object covers some pixels fully"
        assert 0 < t.height_mm <= max(row.width_mm, row.depth_mm, row.height_mm)
        assert not t.bgr.flags.writeable, "cached textures are shared and must not be painted on"


def test_lying_packaged_goods_show_their_design_face_at_catalog_size() -> None:
    row = CATALOG.get("4005001000154")  # cereal box 190 × 70 × 280 mm
    t = product_texture(row, "lying", 0)
    long_mm, short_mm, thick = design_face_mm(row)
    assert t.size_px == (round(long_mm * TEX_PX_PER_MM), round(short_mm * TEX_PX_PER_MM))
    assert thick == 70


def test_looks_are_deterministic_and_lookalikes_differ_by_colour() -> None:
    pairs = CATALOG.lookalike_pairs()
    a, b = next((x, y) for x, y in pairs if x.packaging == "can")
    product_texture.cache_clear()
    first = product_texture(a, "lying", 2).bgr.copy()
    product_texture.cache_clear()
    assert np.array_equal(first, product_texture(a, "lying", 2).bgr)
    ta, tb = product_texture(a, "lying", 0), product_texture(b, "lying", 0)
    assert ta.size_px == tb.size_px
    diff = np.abs(ta.bgr.astype(int) - tb.bgr.astype(int)).mean()
    assert diff > 20, "look-alikes must still differ in colour"


@pytest.mark.parametrize("name", list(distractors.DISTRACTORS))
def test_distractors_paint(name: str) -> None:
    t = distractors.distractor_texture(name, 0)
    d = distractors.get(name)
    assert t.size_px == (round(d.width_mm * TEX_PX_PER_MM), round(d.depth_mm * TEX_PX_PER_MM))
    assert t.alpha.max() == 255


@pytest.mark.parametrize("name", list(catalog_baskets.BASKETS))
def test_baskets_carry_their_tare_label(name: str) -> None:
    import cv2

    t = catalog_baskets.basket_texture(name)
    texts = {cv2.QRCodeDetector().detectAndDecode(t.bgr)[0], cv2.QRCodeDetectorAruco().detectAndDecode(t.bgr)[0]}
    text = max(texts, key=len)  # either of OpenCV's detectors is enough; the classic one misses on blue
    assert text == catalog_baskets.get(name).qr_text
    assert catalog_baskets.parse_qr_text(text) == (name, round(catalog_baskets.get(name).tare_g))


@pytest.mark.parametrize(
    ("text", "error"),
    [("BCB;basket-red;650", None), ("BCB;basket-red", "expected"), ("XYZ;a;1", "expected"), ("BCB;a;6.5", "grams")],
)
def test_parse_qr_text(text: str, error: str | None) -> None:
    if error is None:
        assert catalog_baskets.parse_qr_text(text) == ("basket-red", 650)
    else:
        with pytest.raises(ValueError, match=error):
            catalog_baskets.parse_qr_text(text)


def test_ean13_modules_match_the_standard() -> None:
    # 4006381333931: the well-known Stabilo example; left guard, 6 digits × 7, centre, 6 × 7, right guard.
    modules = ean13_modules("4006381333931")
    assert len(modules) == 95
    assert modules[:3] == "101" and modules[45:50] == "01010" and modules[-3:] == "101"
    assert modules[3:10] == "0001101"  # first left digit 0 with parity L for leading 4 (LGLLGG)
    with pytest.raises(ValueError):
        ean13_modules("123")
