"""Product looks: the packaging each catalog row shows the overhead camera, painted from the row and cached.

A look depends only on the catalog row, the pose (``"lying"`` shows the design face, ``"standing"`` the top)
and a small variant number (bag wrinkles, the turn of a can's label, how produce lies in its bag), so the
same product always looks the same and a texture is painted once per process.

Sizes follow the row: the design face is the product's two largest dimensions, the top is width × depth.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import cv2
import numpy as np

from hardware_sim.catalog import CatalogRow
from hardware_sim.looks_paint import (
    TEX_PX_PER_MM,
    Texture,
    canvas,
    draw_barcode,
    draw_logo,
    ellipse_mask,
    fit_text,
    hex_bgr,
    mix,
    px,
    rounded_rect_mask,
    shade,
    shade_cylinder,
    shade_pillow,
    shade_radial,
    speckle,
)

VARIANTS = 3  # per product and pose; PlacedItem.seed picks one
WHITE = (250, 250, 250)
SILVER = (200, 200, 205)
DARK = (30, 30, 30)


def look_seed(row: CatalogRow, pose: str, variant: int) -> int:
    """A stable seed for painting: the same on every machine and Python run (no ``hash()``)."""
    digest = hashlib.sha256(f"{row.gtin}|{pose}|{variant}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _logo_kind(row: CatalogRow) -> int:
    return int(hashlib.sha256(row.brand.encode()).hexdigest()[:4], 16)


def _text_colour(row: CatalogRow) -> tuple[int, int, int]:
    return hex_bgr(row.colour_text) if row.colour_text else DARK


def design_face_mm(row: CatalogRow) -> tuple[float, float, float]:
    """(long side, short side, thickness) of the face that carries the design, lying flat."""
    a, b, c = sorted((row.width_mm, row.depth_mm, row.height_mm), reverse=True)
    return a, b, c


def shows_top_when_standing(row: CatalogRow) -> bool:
    """True if standing shows a different face (the top): only tall products stand on their base."""
    return row.can_stand and row.height_mm >= max(row.width_mm, row.depth_mm)


def _finish(bgr: np.ndarray, alpha: np.ndarray, height_mm: float) -> Texture:
    bgr = bgr.copy()
    bgr[alpha == 0] = 0  # keep colour out of the transparent area so warping does not bleed it in
    return Texture(bgr, alpha, height_mm)


# --------------------------------------------------------------------------------------------------
# Packaged goods


def _label_face(row: CatalogRow, w_mm: float, h_mm: float, rng: np.random.Generator, *, barcode: bool) -> np.ndarray:
    """The printed design of a box, bag or label: colours, brand, name, logo and a barcode."""
    c1, c2, ct = hex_bgr(row.colour_1), hex_bgr(row.colour_2), _text_colour(row)
    bgr, _ = canvas(w_mm, h_mm, c1)
    h, w = bgr.shape[:2]
    # A design that reads horizontally across the face's long side.
    band_y = int(h * rng.uniform(0.55, 0.7))
    pts = np.array([(0, band_y), (w, band_y - int(h * 0.12)), (w, h), (0, h)], np.int32)
    cv2.fillPoly(bgr, [pts], c2, cv2.LINE_AA)
    fit_text(bgr, row.brand.upper() or row.name, (w * 0.5, h * 0.25), w * 0.85, h * 0.28, ct)
    fit_text(bgr, row.name.removeprefix(row.brand).strip(), (w * 0.5, h * 0.47), w * 0.8, h * 0.12, ct)
    draw_logo(bgr, _logo_kind(row), (int(w * 0.2), int(h * 0.78)), int(min(w, h) * 0.1), ct)
    if barcode:
        bw = min(px(37.3), int(w * 0.45))
        bh = min(int(bw * 0.7), int(h * 0.3))
        draw_barcode(bgr, row.gtin, w - bw - max(2, w // 20), h - bh - max(2, h // 20), bw, bh)
    return bgr


def _paint_box(row: CatalogRow, pose: str, rng: np.random.Generator) -> Texture:
    if pose == "standing" and shows_top_when_standing(row):
        bgr, _ = canvas(row.width_mm, row.depth_mm, hex_bgr(row.colour_1))
        h, w = bgr.shape[:2]
        fit_text(bgr, row.brand.upper(), (w / 2, h / 2), w * 0.8, h * 0.5, _text_colour(row))
        cv2.rectangle(bgr, (0, 0), (w - 1, h - 1), mix(hex_bgr(row.colour_1), DARK, 0.4), max(1, w // 50))
        alpha = np.full((h, w), 255, np.uint8)
        return _finish(shade_radial(bgr, 1.0, 0.9, 0.15), alpha, row.height_mm)
    long_mm, short_mm, thick = design_face_mm(row)
    face = _label_face(row, long_mm, short_mm, rng, barcode=True)
    h, w = face.shape[:2]
    edge = mix(hex_bgr(row.colour_1), DARK, 0.35)
    cv2.rectangle(face, (0, 0), (w - 1, h - 1), edge, max(1, round(TEX_PX_PER_MM)))
    return _finish(shade_radial(face, 1.02, 0.88, 0.12), np.full((h, w), 255, np.uint8), thick)


def _paint_carton(row: CatalogRow, pose: str, rng: np.random.Generator) -> Texture:
    if pose == "standing":
        bgr, _ = canvas(row.width_mm, row.depth_mm, hex_bgr(row.colour_1))
        h, w = bgr.shape[:2]
        # Gable top: two roof halves and the sealed ridge, with the screw cap on one half.
        bgr[:, : w // 2] = mix(hex_bgr(row.colour_1), DARK, 0.15)
        cv2.rectangle(bgr, (w // 2 - 2, 0), (w // 2 + 2, h - 1), mix(hex_bgr(row.colour_1), WHITE, 0.3), -1)
        cv2.circle(bgr, (w * 3 // 4, h // 2), px(13), hex_bgr(row.colour_2), -1, cv2.LINE_AA)
        cv2.circle(bgr, (w * 3 // 4, h // 2), px(13), DARK, 1, cv2.LINE_AA)
        return _finish(shade_radial(bgr, 1.0, 0.9, 0.2), np.full((h, w), 255, np.uint8), row.height_mm)
    long_mm, short_mm, thick = design_face_mm(row)
    face = _label_face(row, long_mm, short_mm, rng, barcode=True)
    h, w = face.shape[:2]
    cv2.circle(face, (int(w * 0.78), int(h * 0.3)), int(h * 0.2), hex_bgr(row.colour_1), -1, cv2.LINE_AA)
    cv2.circle(face, (int(w * 0.78), int(h * 0.3)), int(h * 0.2), WHITE, max(1, h // 40), cv2.LINE_AA)
    return _finish(shade_cylinder(face, 1, strength=0.25), np.full((h, w), 255, np.uint8), thick)


def _paint_bag(row: CatalogRow, pose: str, rng: np.random.Generator) -> Texture:
    long_mm, short_mm, thick = design_face_mm(row)
    face = _label_face(row, long_mm, short_mm, rng, barcode=True)
    h, w = face.shape[:2]
    seal = max(2, px(8))
    serr = mix(hex_bgr(row.colour_1), DARK, 0.25)
    face[:, :seal] = serr
    face[:, w - seal :] = serr
    if row.category == "coffee":  # a one-way degassing valve on coffee bags
        cv2.circle(face, (int(w * 0.8), int(h * 0.22)), px(7), (60, 60, 60), -1, cv2.LINE_AA)
    alpha = rounded_rect_mask(w, h, px(4))
    # Crimped seal: a saw-tooth edge at both ends of the bag.
    tooth = max(2, px(3))
    for y in range(0, h, tooth * 2):
        alpha[y : y + tooth, :2] = 0
        alpha[y : y + tooth, w - 2 :] = 0
    return _finish(shade_pillow(face, rng, wrinkles=10), alpha, thick)


def _paint_can(row: CatalogRow, pose: str, rng: np.random.Generator) -> Texture:
    dia = row.width_mm
    c1, c2, ct = hex_bgr(row.colour_1), hex_bgr(row.colour_2), _text_colour(row)
    if pose == "standing":
        bgr, _ = canvas(dia, dia, c1)
        h, w = bgr.shape[:2]
        c = (w // 2, h // 2)
        cv2.circle(bgr, c, int(w * 0.45), SILVER, -1, cv2.LINE_AA)
        cv2.circle(bgr, c, int(w * 0.38), (175, 175, 182), max(1, w // 40), cv2.LINE_AA)
        cv2.ellipse(bgr, (c[0], int(h * 0.3)), (int(w * 0.12), int(h * 0.07)), 0, 0, 360, (120, 120, 125), -1)
        cv2.ellipse(bgr, (c[0], int(h * 0.52)), (int(w * 0.08), int(h * 0.12)), 0, 0, 360, (150, 150, 155), -1)
        return _finish(shade_radial(bgr, 1.0, 0.75, 0.35), ellipse_mask(w, h), row.height_mm)
    bgr, _ = canvas(row.height_mm, dia, c1)
    h, w = bgr.shape[:2]
    # The label wraps round the can; the variant turns it, so the band and text sit at different heights.
    turn = rng.uniform(-0.25, 0.25)
    band = int(h * (0.62 + turn))
    cv2.line(bgr, (0, band), (w, band - int(h * 0.15)), c2, max(2, h // 7), cv2.LINE_AA)
    fit_text(bgr, row.brand.upper(), (w * 0.48, h * (0.4 + turn)), w * 0.6, h * 0.35, ct)
    draw_logo(bgr, _logo_kind(row), (int(w * 0.85), int(h * (0.42 + turn))), int(h * 0.12), c2)
    rim = px(5)
    bgr[:, :rim] = SILVER
    bgr[:, w - rim :] = SILVER
    return _finish(shade_cylinder(bgr, 1), rounded_rect_mask(w, h, px(3)), dia)


def _bottle_outline(w: int, h: int, glass: bool) -> np.ndarray:
    """Side silhouette of a bottle lying along x: body, shoulder, neck, cap."""
    neck = 0.32 if not glass else 0.28
    xs = [0.0, 0.62, 0.8, 0.93, 0.93, 1.0]
    rs = [0.5, 0.5, neck / 2 + 0.02, neck / 2, neck / 2 + 0.03, neck / 2 + 0.03]
    top = [(x * (w - 1), h / 2 - r * h) for x, r in zip(xs, rs, strict=True)]
    bottom = [(x * (w - 1), h / 2 + r * h) for x, r in zip(xs, rs, strict=True)][::-1]
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.array(top + bottom, np.int32)], 255, cv2.LINE_AA)
    return mask


def _paint_bottle(row: CatalogRow, pose: str, rng: np.random.Generator) -> Texture:
    glass = row.shape == "glass"
    dia = row.width_mm
    label, liquid, ct = hex_bgr(row.colour_1), hex_bgr(row.colour_2), _text_colour(row)
    cap = liquid if glass else label
    body = liquid if glass else mix(liquid, WHITE, 0.25)
    if pose == "standing":
        bgr, _ = canvas(dia, dia, body)
        h, w = bgr.shape[:2]
        c = (w // 2, h // 2)
        cv2.circle(bgr, c, int(w * 0.5) - 1, mix(label, DARK, 0.2), max(1, w // 18), cv2.LINE_AA)  # label at the edge
        cv2.circle(bgr, c, int(w * 0.33), mix(body, WHITE, 0.25), max(1, w // 14), cv2.LINE_AA)  # shoulder
        cv2.circle(bgr, c, px(14), cap, -1, cv2.LINE_AA)
        cv2.circle(bgr, c, px(14), mix(cap, DARK, 0.4), 1, cv2.LINE_AA)
        return _finish(shade_radial(bgr, 1.0, 0.65, 0.4), ellipse_mask(w, h), row.height_mm)
    bgr, _ = canvas(row.height_mm, dia, body)
    h, w = bgr.shape[:2]
    lx0, lx1 = int(w * rng.uniform(0.12, 0.18)), int(w * rng.uniform(0.5, 0.58))
    bgr[:, lx0:lx1] = label
    fit_text(bgr, row.brand.upper(), ((lx0 + lx1) / 2, h * 0.45), (lx1 - lx0) * 0.85, h * 0.4, ct)
    fit_text(
        bgr, row.name.removeprefix(row.brand).strip(), ((lx0 + lx1) / 2, h * 0.78), (lx1 - lx0) * 0.8, h * 0.14, ct
    )
    bgr[:, int(w * 0.93) :] = cap
    if not glass:  # PET ribs
        for x in range(int(w * 0.03), lx0, max(3, px(6))):
            cv2.line(bgr, (x, 0), (x, h), mix(body, DARK, 0.15), 1)
    mask = _bottle_outline(w, h, glass)
    return _finish(shade_cylinder(bgr, 1, highlight_at=-0.4), mask, dia)


def _paint_jar(row: CatalogRow, pose: str, rng: np.random.Generator) -> Texture:
    dia = row.width_mm
    (
        content,
        lid,
    ) = hex_bgr(row.colour_1), hex_bgr(row.colour_2)
    if pose == "standing":
        bgr, _ = canvas(dia, dia, lid)
        h, w = bgr.shape[:2]
        c = (w // 2, h // 2)
        if row.lookalike_group.endswith("jam"):  # gingham lid in the fruit colour
            step = max(3, px(6))
            for i in range(0, w, step * 2):
                bgr[:, i : i + step] = mix(lid, content, 0.45)
                bgr[i : i + step, :] = mix(lid, content, 0.45)
        cv2.circle(bgr, c, int(w * 0.47), mix(lid, DARK, 0.3), max(2, w // 25), cv2.LINE_AA)
        fit_text(bgr, row.brand.upper(), (w / 2, h / 2), w * 0.6, h * 0.2, mix(content, DARK, 0.3))
        return _finish(shade_radial(bgr, 1.0, 0.8, 0.3), ellipse_mask(w, h), row.height_mm)
    bgr, _ = canvas(row.height_mm, dia, content)
    h, w = bgr.shape[:2]
    lx0, lx1 = int(w * 0.2), int(w * 0.85)
    bgr[:, lx0:lx1] = lid
    fit_text(bgr, row.brand.upper(), ((lx0 + lx1) / 2, h * 0.4), (lx1 - lx0) * 0.85, h * 0.3, mix(content, DARK, 0.3))
    fit_text(
        bgr,
        row.name.removeprefix(row.brand).strip(),
        ((lx0 + lx1) / 2, h * 0.72),
        (lx1 - lx0) * 0.85,
        h * 0.14,
        mix(content, DARK, 0.3),
    )
    bgr[:, int(w * 0.88) :] = mix(lid, DARK, 0.2)
    return _finish(shade_cylinder(bgr, 1, highlight_at=-0.45), rounded_rect_mask(w, h, px(6)), dia)


def _paint_tub(row: CatalogRow, pose: str, rng: np.random.Generator) -> Texture:
    c1, c2, ct = hex_bgr(row.colour_1), hex_bgr(row.colour_2), _text_colour(row)
    if pose == "standing":
        bgr, _ = canvas(row.width_mm, row.depth_mm, c1)
        h, w = bgr.shape[:2]
        cv2.circle(bgr, (w // 2, h // 2), int(w * 0.47), c2, max(2, w // 22), cv2.LINE_AA)
        draw_logo(bgr, _logo_kind(row) + 1, (w // 2, int(h * 0.68)), int(w * 0.1), c2)
        fit_text(bgr, row.brand.upper(), (w / 2, h * 0.35), w * 0.6, h * 0.18, ct)
        fit_text(bgr, row.name.removeprefix(row.brand).strip().split(" ")[0], (w / 2, h * 0.5), w * 0.55, h * 0.1, ct)
        return _finish(shade_radial(bgr, 1.0, 0.85, 0.2), ellipse_mask(w, h), row.height_mm)
    # A tub on its side: a trapezoid, wide at the lid end.
    bgr, _ = canvas(row.height_mm, row.width_mm, c1)
    h, w = bgr.shape[:2]
    fit_text(bgr, row.brand.upper(), (w * 0.5, h * 0.45), w * 0.7, h * 0.3, ct, angle_deg=0)
    bgr[:, int(w * 0.9) :] = c2
    mask = np.zeros((h, w), np.uint8)
    pts = np.array([(0, h * 0.12), (w - 1, 0), (w - 1, h - 1), (0, h * 0.88)], np.int32)
    cv2.fillPoly(mask, [pts], 255, cv2.LINE_AA)
    return _finish(shade_cylinder(bgr, 1, strength=0.8), mask, row.width_mm)


def _paint_blister(row: CatalogRow, pose: str, rng: np.random.Generator) -> Texture:
    long_mm, short_mm, thick = design_face_mm(row)
    # Cards hang, so the design reads down the long side: paint upright and turn it.
    bgr, _ = canvas(short_mm, long_mm, hex_bgr(row.colour_1))
    h, w = bgr.shape[:2]
    c2, ct = hex_bgr(row.colour_2), _text_colour(row)
    header = int(h * 0.28)
    bgr[:header] = mix(hex_bgr(row.colour_1), c2, 0.3)
    fit_text(bgr, row.brand.upper(), (w / 2, header * 0.62), w * 0.85, header * 0.35, ct)
    # The clear bubble shows what is inside.
    bx0, by0, bx1, by1 = int(w * 0.12), int(h * 0.36), int(w * 0.88), int(h * 0.9)
    bgr[by0:by1, bx0:bx1] = mix(hex_bgr(row.colour_1), WHITE, 0.55)
    n = 4 if "4" in row.name else 1
    inner_w = (bx1 - bx0) / n
    for i in range(n):
        x0 = int(bx0 + i * inner_w + inner_w * 0.15)
        x1 = int(bx0 + (i + 1) * inner_w - inner_w * 0.15)
        if "Batter" in row.name:
            bgr[by0 + 4 : by1 - 4, x0:x1] = c2
            bgr[by0 + 4 : by0 + (by1 - by0) // 3, x0:x1] = DARK
        elif "Razor" in row.name:
            bgr[by0 + 6 : by1 - 6, x0:x1] = SILVER
            cv2.line(bgr, (x0, (by0 + by1) // 2), (x1, (by0 + by1) // 2), (120, 120, 125), 1)
        elif "Gum" in row.name:
            for y in range(by0 + 3, by1 - 6, max(4, px(6))):
                cv2.ellipse(bgr, ((bx0 + bx1) // 2, y + 2), ((bx1 - bx0) // 3, max(1, px(2))), 0, 0, 360, WHITE, -1)
        else:
            cv2.rectangle(bgr, (x0 + 2, by0 + 6), (x1 - 2, by1 - 6), c2, -1)
    cv2.rectangle(bgr, (bx0, by0), (bx1, by1), WHITE, 1, cv2.LINE_AA)
    alpha = rounded_rect_mask(w, h, px(3))
    cv2.ellipse(alpha, (w // 2, int(header * 0.2)), (max(2, w // 8), max(2, px(2))), 0, 0, 360, 0, -1)  # hang hole
    bgr = shade_radial(bgr, 1.0, 0.92, 0.35)
    bgr = cv2.rotate(bgr, cv2.ROTATE_90_COUNTERCLOCKWISE)
    alpha = cv2.rotate(alpha, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return _finish(bgr, alpha, thick)


# --------------------------------------------------------------------------------------------------
# Produce


def _fruit(
    bgr: np.ndarray,
    alpha: np.ndarray,
    shape: str,
    centre: tuple[float, float],
    size: tuple[float, float],
    angle: float,
    c1: tuple[int, int, int],
    c2: tuple[int, int, int],
    rng: np.random.Generator,
) -> None:
    """Paint one piece of produce (apple, carrot, banana…) into ``bgr``/``alpha`` in place."""
    h, w = alpha.shape
    piece = np.zeros((h, w), np.uint8)
    cx, cy = centre
    a, b = size[0] / 2, size[1] / 2
    if shape == "banana":
        # A crescent: a thick arc of an ellipse, the bunch's fingers curving the same way.
        thickness = max(2, int(b * 1.7))
        axes = (max(2, int(a * 1.05)), max(2, int(a * 0.55)))
        cv2.ellipse(piece, (int(cx), int(cy - a * 0.3)), axes, angle, 25, 155, 255, thickness, cv2.LINE_AA)
    elif shape == "elongated":
        rot = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
        taper = 0.35 if c1[2] > c1[1] else 0.85  # carrots taper to a point, cucumbers barely
        pts = np.array([(cx - a, cy - b), (cx + a, cy - b * taper), (cx + a, cy + b * taper), (cx - a, cy + b)])
        pts = pts @ rot[:, :2].T + rot[:, 2]
        cv2.fillPoly(piece, [pts.astype(np.int32)], 255, cv2.LINE_AA)
        ends = pts[[0, 3]].mean(axis=0)
        cv2.circle(piece, (int(ends[0]), int(ends[1])), int(b), 255, -1, cv2.LINE_AA)
    else:
        wobble = 0.92 if shape == "tuber" else 1.0
        cv2.ellipse(
            piece, (int(cx), int(cy)), (max(2, int(a)), max(2, int(b * wobble))), angle, 0, 360, 255, -1, cv2.LINE_AA
        )
    ys, xs = np.nonzero(piece)
    if len(xs) == 0:
        return
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    patch = np.empty((y1 - y0, x1 - x0, 3), np.uint8)
    patch[:] = c1
    if shape in ("round", "oval"):
        blush = np.zeros(patch.shape[:2], np.float32)
        cv2.circle(
            blush,
            (int(patch.shape[1] * rng.uniform(0.3, 0.7)), int(patch.shape[0] * rng.uniform(0.3, 0.7))),
            max(2, patch.shape[1] // 3),
            1.0,
            -1,
        )
        blush = cv2.GaussianBlur(blush, (0, 0), max(1.0, patch.shape[1] / 6))[..., None] * 0.35
        patch = (patch * (1 - blush) + np.array(c2, np.float32) * blush).astype(np.uint8)
    patch = speckle(patch, rng, 10.0 if shape != "tuber" else 22.0, 1.2)
    patch = shade_radial(patch, 1.05, 0.7, 0.25 if shape in ("round", "oval") else 0.12)
    region = piece[y0:y1, x0:x1] > 0
    bgr[y0:y1, x0:x1][region] = patch[region]
    alpha[y0:y1, x0:x1] = np.maximum(alpha[y0:y1, x0:x1], piece[y0:y1, x0:x1])
    if shape in ("round", "oval", "tuber"):
        cv2.circle(
            bgr,
            (int(cx + a * 0.1), int(cy - b * 0.1)),
            max(1, int(a * 0.08)),
            c2 if shape != "tuber" else DARK,
            -1,
            cv2.LINE_AA,
        )
    elif shape == "elongated" and c1[2] > c1[1]:  # carrot tops
        tip = (int(cx - a * np.cos(np.radians(angle))), int(cy + a * np.sin(np.radians(angle))))
        cv2.circle(bgr, tip, max(2, int(b * 0.7)), c2, -1, cv2.LINE_AA)
        cv2.circle(alpha, tip, max(2, int(b * 0.7)), 255, -1, cv2.LINE_AA)
    elif shape == "banana":  # dark tips at both ends of the arc
        axes = (max(2, int(a * 1.05)), max(2, int(a * 0.55)))
        arc = cv2.ellipse2Poly((int(cx), int(cy - a * 0.3)), axes, int(angle), 25, 155, 10)
        for end in (arc[0], arc[-1]):
            cv2.circle(bgr, (int(end[0]), int(end[1])), max(1, int(b * 0.35)), (30, 50, 70), -1, cv2.LINE_AA)


# Typical size (mm) of one piece of each shape inside a weighed bag, and the pieces' count per kg.
_PIECE_MM = {"banana": (190, 38), "round": (78, 74), "oval": (62, 50), "tuber": (85, 62), "elongated": (170, 30)}
_PIECES_PER_KG = {"banana": 5.5, "round": 5.5, "oval": 8.0, "tuber": 6.0, "elongated": 9.0}


def _paint_produce_piece(row: CatalogRow, pose: str, rng: np.random.Generator) -> Texture:
    c1, c2 = hex_bgr(row.colour_1), hex_bgr(row.colour_2)
    if row.shape == "leafy":
        bgr, alpha = canvas(row.width_mm, row.depth_mm, c1)
        h, w = bgr.shape[:2]
        alpha[:] = 0
        for i in range(7):  # leaves overlapping from the outside in
            r = int(w * (0.5 - i * 0.055))
            centre = (int(w / 2 + rng.normal(0, w * 0.02)), int(h / 2 + rng.normal(0, h * 0.02)))
            colour = mix(c2, c1, i / 6)
            cv2.circle(bgr, centre, r, colour, -1, cv2.LINE_AA)
            cv2.circle(alpha, centre, r, 255, -1, cv2.LINE_AA)
            for _ in range(5):
                a = rng.uniform(0, 2 * np.pi)
                cv2.line(
                    bgr,
                    centre,
                    (int(centre[0] + r * np.cos(a)), int(centre[1] + r * np.sin(a))),
                    mix(colour, WHITE, 0.35),
                    1,
                    cv2.LINE_AA,
                )
        return _finish(speckle(shade_radial(bgr, 1.05, 0.75, 0.1), rng, 8), alpha, row.height_mm)
    if row.shape == "elongated":
        size = (row.height_mm, row.width_mm)
    else:
        size = (max(row.width_mm, row.depth_mm), min(row.width_mm, row.depth_mm))
    bgr, alpha = canvas(size[0] + 4, size[1] + 4)
    h, w = alpha.shape
    _fruit(bgr, alpha, row.shape, (w / 2, h / 2), (size[0] * TEX_PX_PER_MM, size[1] * TEX_PX_PER_MM), 0.0, c1, c2, rng)
    if row.shape == "elongated":  # cucumber stripes
        for y in np.linspace(h * 0.3, h * 0.7, 3):
            cv2.line(bgr, (int(w * 0.05), int(y)), (int(w * 0.95), int(y)), mix(c1, c2, 0.6), max(1, h // 12))
        bgr = shade_cylinder(bgr, 1, strength=0.7)
    return _finish(bgr, alpha, min(size))


def _paint_produce_bag(row: CatalogRow, pose: str, rng: np.random.Generator) -> Texture:
    """A weighed bag of loose produce: several pieces, thin clear plastic, the scale's price label."""
    c1, c2 = hex_bgr(row.colour_1), hex_bgr(row.colour_2)
    bgr, alpha = canvas(row.width_mm, row.depth_mm)
    h, w = alpha.shape
    pw, ph = (v * TEX_PX_PER_MM for v in _PIECE_MM[row.shape])
    n = max(2, round(row.weight_mean_g / 1000 * _PIECES_PER_KG[row.shape]))
    for _ in range(n):
        angle = float(rng.uniform(-30, 30) if row.shape in ("banana", "elongated") else rng.uniform(0, 180))
        centre = (
            rng.uniform(pw * 0.45, max(pw * 0.45 + 1, w - pw * 0.45)),
            rng.uniform(ph * 0.6, max(ph * 0.6 + 1, h - ph * 0.6)),
        )
        if row.shape in ("banana", "elongated"):
            centre = (w / 2 + rng.normal(0, w * 0.04), centre[1])
        jitter = rng.uniform(0.85, 1.1)
        _fruit(bgr, alpha, row.shape, centre, (pw * jitter, ph * jitter), angle, c1, c2, rng)
        if row.shape == "round" and row.plu == "4664":  # tomatoes on the vine: a green stalk between them
            cv2.line(bgr, (int(centre[0]), int(centre[1])), (int(w / 2), int(h * 0.15)), c2, max(1, px(3)), cv2.LINE_AA)
    # The bag: a slightly milky film around the pieces with a twisted neck and its knot.
    film = cv2.dilate(alpha, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (px(14), px(14))))
    film = cv2.GaussianBlur(film, (0, 0), 3)
    # The twisted neck and knot, on the side of the bag where the produce ends.
    ys, xs = np.nonzero(alpha)
    if xs.size:
        edge, mid = int(xs.max()), int(ys.mean())
        knot = (min(w - px(6), edge + px(14)), mid)
        cv2.line(film, (edge - px(4), mid), knot, 255, px(6), cv2.LINE_AA)
        cv2.ellipse(film, knot, (px(6), px(5)), 0, 0, 360, 255, -1, cv2.LINE_AA)
    sheen = (film > 40) & (alpha < 128)
    bgr[sheen] = (215, 218, 220)
    alpha = np.maximum(alpha, np.where(sheen, 110, 0).astype(np.uint8))
    gloss: np.ndarray = np.zeros((h, w), np.float32)
    for _ in range(4):
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.line(
            gloss, p1, (p1[0] + int(rng.normal(0, w / 4)), p1[1] + int(rng.normal(0, h / 4))), 0.5, px(3), cv2.LINE_AA
        )
    gloss = cv2.GaussianBlur(gloss, (0, 0), 2) * (film > 40)
    bgr = shade(bgr, np.ones((h, w), np.float32), gloss)
    # The scale label: price per kg, weight and the variable-measure barcode.
    lw, lh = px(58), px(36)
    lx, ly = int(rng.integers(0, max(1, w - lw))), int(rng.integers(0, max(1, h - lh)))
    bgr[ly : ly + lh, lx : lx + lw] = WHITE
    alpha[ly : ly + lh, lx : lx + lw] = 255
    grams = int(row.weight_mean_g)
    fit_text(
        bgr,
        f"{row.name} {grams / 1000:.3f} kg",
        (lx + lw / 2, ly + lh * 0.18),
        lw * 0.9,
        lh * 0.22,
        DARK,
        font=cv2.FONT_HERSHEY_SIMPLEX,
    )
    draw_barcode(bgr, row.variable_measure_code(grams), lx + lw // 10, ly + int(lh * 0.35), lw * 8 // 10, int(lh * 0.6))
    return _finish(bgr, alpha, row.height_mm)


_PAINTERS = {
    "box": _paint_box,
    "carton": _paint_carton,
    "bag": _paint_bag,
    "can": _paint_can,
    "bottle": _paint_bottle,
    "jar": _paint_jar,
    "tub": _paint_tub,
    "blister": _paint_blister,
}


@lru_cache(maxsize=1024)
def product_texture(row: CatalogRow, pose: str = "lying", variant: int = 0) -> Texture:
    """The painted top view of ``row`` in ``pose`` (``"lying"``/``"standing"``), one of :data:`VARIANTS`."""
    if pose not in ("lying", "standing"):
        raise ValueError(f"pose must be 'lying' or 'standing', got {pose!r}")
    variant %= VARIANTS
    if not row.can_stand:
        pose = "lying"
    rng = np.random.default_rng(look_seed(row, pose, variant))
    if row.packaging == "produce":
        texture = _paint_produce_bag(row, pose, rng) if row.by_weight else _paint_produce_piece(row, pose, rng)
    else:
        texture = _PAINTERS[row.packaging](row, pose, rng)
    texture.bgr.setflags(write=False)  # shared by every render: nobody may paint on the cache
    texture.alpha.setflags(write=False)
    return texture
