"""The store's basket types: size, tare, colour, and the QR tare label the camera reads off the rim.

The label's text is ``BCB;<type>;<tare in grams>`` (for example ``BCB;basket-red;650``): short, so the QR
stays at version 2 and its modules stay about two pixels wide in the overhead camera's picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from hardware_sim.looks_paint import TEX_PX_PER_MM, Texture, canvas, mix, px, rounded_rect_mask, shade_radial

QR_PREFIX = "BCB"
NO_BASKET = "none"  # items lie straight on the tray


@dataclass(frozen=True, slots=True)
class BasketType:
    """A basket model the store uses. Sizes in mm as seen from above; the floor is smaller than the rim."""

    name: str
    tare_g: float
    tare_sd_g: float  # spread between baskets of one model (wear, dirt)
    outer_w_mm: float
    outer_d_mm: float
    floor_w_mm: float
    floor_d_mm: float
    wall_mm: float  # wall height
    colour: tuple[int, int, int]  # BGR

    @property
    def qr_text(self) -> str:
        return qr_text(self.name, self.tare_g)


BASKETS: dict[str, BasketType] = {
    b.name: b
    for b in (
        BasketType("basket-red", 650, 6, 540, 360, 470, 300, 210, (40, 40, 200)),
        BasketType("basket-blue", 640, 6, 540, 360, 470, 300, 210, (170, 90, 20)),
        BasketType("basket-green", 580, 5, 500, 340, 440, 285, 190, (60, 150, 40)),
        BasketType("tray-grey", 420, 4, 560, 380, 530, 350, 40, (120, 120, 120)),
    )
}


def qr_text(basket_type: str, tare_g: float) -> str:
    """The text of a basket's tare label."""
    return f"{QR_PREFIX};{basket_type};{round(tare_g)}"


def parse_qr_text(text: str) -> tuple[str, int]:
    """``"BCB;basket-red;650"`` → ``("basket-red", 650)``; ``ValueError`` naming what is wrong otherwise."""
    parts = text.strip().split(";")
    if len(parts) != 3 or parts[0] != QR_PREFIX:
        raise ValueError(f"not a basket tare label: {text!r} (expected '{QR_PREFIX};<type>;<grams>')")
    if not parts[2].isdigit():
        raise ValueError(f"basket tare label {text!r}: tare {parts[2]!r} is not whole grams")
    return parts[1], int(parts[2])


def get(name: str) -> BasketType:
    """The basket type called ``name``; ``KeyError`` listing the known types otherwise."""
    try:
        return BASKETS[name]
    except KeyError:
        raise KeyError(f"unknown basket type {name!r}: known are {', '.join(BASKETS)}") from None


def qr_image(text: str, module_px: int) -> np.ndarray:
    """A black-on-white QR code with a two-module quiet zone, ``module_px`` pixels per module."""
    import segno

    matrix = np.array(segno.make_qr(text, error="m").matrix, np.uint8)
    matrix = np.pad(matrix, 2)
    img: np.ndarray = np.where(matrix > 0, 20, 245).astype(np.uint8)
    img = cv2.resize(img, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


@lru_cache(maxsize=16)
def basket_texture(name: str) -> Texture:
    """The painted top view of an empty basket: rim, sloping walls, slotted floor and the QR tare label."""
    b = get(name)
    bgr, alpha = canvas(b.outer_w_mm, b.outer_d_mm, b.colour)
    h, w = alpha.shape
    alpha[:] = rounded_rect_mask(w, h, px(30))
    fx0, fy0 = (w - px(b.floor_w_mm)) // 2, (h - px(b.floor_d_mm)) // 2
    fx1, fy1 = fx0 + px(b.floor_w_mm), fy0 + px(b.floor_d_mm)
    # Walls seen from above: darker towards the floor, where less light reaches.
    steps = 12
    for i in range(steps):
        t = i / steps
        x0, y0 = int(t * fx0), int(t * fy0)
        cv2.rectangle(bgr, (x0, y0), (w - 1 - x0, h - 1 - y0), mix(b.colour, (0, 0, 0), 0.1 + 0.3 * t), -1)
    floor = mix(b.colour, (0, 0, 0), 0.25)
    cv2.rectangle(bgr, (fx0, fy0), (fx1, fy1), floor, -1)
    slot_w, slot_h, gap = px(40), px(6), px(14)
    hole = (55, 55, 58)  # the tray under the basket, seen through the slots
    for y in range(fy0 + gap, fy1 - slot_h, gap):
        for x in range(fx0 + gap, fx1 - slot_w, slot_w + gap):
            cv2.rectangle(bgr, (x, y), (x + slot_w, y + slot_h), hole, -1)
    # Wall slots and the rim.
    rim = px(6)
    cv2.rectangle(bgr, (0, 0), (w - 1, h - 1), mix(b.colour, (255, 255, 255), 0.2), rim)
    bgr = shade_radial(bgr, 1.0, 0.9, 0.1)
    # The tare label on all four walls (the store labels each basket on every side), so that one stays
    # readable when items or a hand hide the others.
    module = max(2, round(1.5 * TEX_PX_PER_MM))
    qr = qr_image(b.qr_text, module)
    qh, qw = qr.shape[:2]
    for qx, qy in (
        (max(rim, (fx0 - qw) // 2), (h - qh) // 2),  # left short side
        (min(w - rim - qw, w - (fx0 + qw) // 2), (h - qh) // 2),  # right short side
        ((w - qw) // 2, max(rim, (fy0 - qh) // 2)),  # near long side
        ((w - qw) // 2, min(h - rim - qh, h - (fy0 + qh) // 2)),  # far long side
    ):
        bgr[qy : qy + qh, qx : qx + qw] = qr
    bgr[alpha == 0] = 0
    bgr.setflags(write=False)
    alpha.setflags(write=False)
    return Texture(bgr, alpha, b.wall_mm)


def floor_box_mm(b: BasketType) -> tuple[float, float, float, float]:
    """Where items can lie, relative to the basket's centre: (x0, y0, x1, y1) in mm."""
    return (-b.floor_w_mm / 2, -b.floor_d_mm / 2, b.floor_w_mm / 2, b.floor_d_mm / 2)
