"""Distractors: what shoppers put in the basket that is not merchandise (phone, keys, wallet, bags, a receipt).

Each has a real size and mass (the scale weighs it) and a painted top view (the camera sees it); the vision
model must learn to tell them from products, and fusion must not count them as unscanned goods.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from hardware_sim.looks_paint import (
    Texture,
    canvas,
    fit_text,
    mix,
    px,
    rounded_rect_mask,
    shade,
    shade_pillow,
    shade_radial,
    speckle,
)

VARIANTS = 3


@dataclass(frozen=True, slots=True)
class Distractor:
    """A personal item: its name (the ``ref`` of its PlacedItem), size lying flat and mass."""

    name: str
    width_mm: float  # long side lying flat
    depth_mm: float
    height_mm: float
    mass_mean_g: float
    mass_sd_g: float
    description: str


DISTRACTORS: dict[str, Distractor] = {
    d.name: d
    for d in (
        Distractor("phone", 150, 72, 8, 190, 20, "a smartphone, screen up or down"),
        Distractor("keys", 85, 45, 12, 65, 20, "a key ring with three keys and a fob"),
        Distractor("wallet", 110, 90, 20, 150, 40, "a folded leather wallet"),
        Distractor("handbag", 300, 150, 120, 700, 200, "a small handbag with a strap"),
        Distractor("reusable-bag", 260, 180, 15, 60, 10, "a folded cloth shopping bag"),
        Distractor("receipt", 80, 160, 1, 3, 1, "a crumpled paper receipt"),
        Distractor("sunglasses", 140, 50, 40, 30, 5, "folded sunglasses"),
    )
}

_LEATHER = ((40, 60, 110), (30, 30, 35), (70, 40, 120), (20, 70, 140))
_CLOTH = ((90, 140, 60), (60, 60, 160), (200, 200, 190), (150, 110, 40))


def _rng(name: str, variant: int) -> np.random.Generator:
    digest = hashlib.sha256(f"distractor|{name}|{variant}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _phone(d: Distractor, rng: np.random.Generator, variant: int) -> Texture:
    case = ((30, 30, 30), (180, 180, 185), (120, 60, 30))[variant]
    bgr, _ = canvas(d.width_mm, d.depth_mm, case)
    h, w = bgr.shape[:2]
    if variant != 1:  # screen up: a dark glass screen with a reflection
        cv2.rectangle(bgr, (px(4), px(3)), (w - px(4), h - px(3)), (15, 12, 10), -1)
        pts = np.array(
            [(int(w * 0.1), h - px(4)), (int(w * 0.35), px(4)), (int(w * 0.45), px(4)), (int(w * 0.2), h - px(4))]
        )
        cv2.fillPoly(bgr, [pts.astype(np.int32)], (60, 58, 55), cv2.LINE_AA)
    else:  # screen down: the back with a camera bump
        cv2.rectangle(bgr, (px(6), px(6)), (px(36), px(36)), (60, 60, 64), -1)
        for cx, cy in ((px(14), px(14)), (px(28), px(14)), (px(14), px(28))):
            cv2.circle(bgr, (cx, cy), px(5), (10, 10, 10), -1, cv2.LINE_AA)
    return Texture(shade_radial(bgr, 1.0, 0.85, 0.25), rounded_rect_mask(w, h, px(9)), d.height_mm)


def _keys(d: Distractor, rng: np.random.Generator, variant: int) -> Texture:
    bgr, alpha = canvas(d.width_mm, d.depth_mm)
    h, w = alpha.shape
    ring = (int(w * 0.25), int(h * 0.5))
    for target in (bgr, alpha):
        cv2.circle(target, ring, px(12), (170, 170, 175) if target is bgr else 255, px(2), cv2.LINE_AA)
    for i in range(3):
        ang = np.radians(rng.uniform(-40, 40) + i * 25 - 25)
        start = (ring[0] + int(px(12) * np.cos(ang)), ring[1] + int(px(12) * np.sin(ang)))
        end = (start[0] + int(px(55) * np.cos(ang)), start[1] + int(px(55) * np.sin(ang)))
        colour = ((60, 160, 200), (180, 180, 185), (150, 150, 155))[i]
        for target, value in ((bgr, colour), (alpha, 255)):
            cv2.line(target, start, end, value, px(6), cv2.LINE_AA)
            cv2.circle(target, start, px(9), value, -1, cv2.LINE_AA)
    fob = ((30, 30, 150), (40, 40, 40), (150, 60, 20))[variant]
    cv2.ellipse(bgr, (int(w * 0.12), int(h * 0.5)), (px(9), px(14)), 0, 0, 360, fob, -1, cv2.LINE_AA)
    cv2.ellipse(alpha, (int(w * 0.12), int(h * 0.5)), (px(9), px(14)), 0, 0, 360, 255, -1, cv2.LINE_AA)
    return Texture(shade_radial(bgr, 1.0, 0.9, 0.3), alpha, d.height_mm)


def _wallet(d: Distractor, rng: np.random.Generator, variant: int) -> Texture:
    colour = _LEATHER[variant % len(_LEATHER)]
    bgr, _ = canvas(d.width_mm, d.depth_mm, colour)
    h, w = bgr.shape[:2]
    cv2.rectangle(bgr, (px(4), px(4)), (w - px(4), h - px(4)), mix(colour, (200, 200, 200), 0.3), 1, cv2.LINE_AA)
    bgr = speckle(bgr, rng, 9, 0.8)
    return Texture(shade_radial(bgr, 1.0, 0.8, 0.15), rounded_rect_mask(w, h, px(8)), d.height_mm)


def _handbag(d: Distractor, rng: np.random.Generator, variant: int) -> Texture:
    colour = _LEATHER[(variant + 2) % len(_LEATHER)]
    bgr, alpha = canvas(d.width_mm, d.depth_mm, colour)
    h, w = alpha.shape
    alpha[:] = rounded_rect_mask(w, h, px(25))
    cv2.line(bgr, (px(10), h // 3), (w - px(10), h // 3), mix(colour, (0, 0, 0), 0.4), px(3), cv2.LINE_AA)  # zip
    cv2.rectangle(bgr, (w // 2 - px(10), h // 3 - px(4)), (w // 2 + px(10), h // 3 + px(8)), (170, 170, 175), -1)
    strap = np.zeros_like(alpha)
    cv2.ellipse(strap, (w // 2, h // 2), (int(w * 0.45), int(h * 0.42)), 0, 180, 360, 255, px(5), cv2.LINE_AA)
    bgr[strap > 0] = mix(colour, (0, 0, 0), 0.3)
    alpha = np.maximum(alpha, strap)
    return Texture(shade_pillow(speckle(bgr, rng, 6), rng, 4), alpha, d.height_mm)


def _reusable_bag(d: Distractor, rng: np.random.Generator, variant: int) -> Texture:
    colour = _CLOTH[variant % len(_CLOTH)]
    bgr, _ = canvas(d.width_mm, d.depth_mm, colour)
    h, w = bgr.shape[:2]
    fit_text(bgr, "GREEN LOOP", (w / 2, h / 2), w * 0.6, h * 0.25, mix(colour, (255, 255, 255), 0.7))
    for y in range(0, h, 2):  # woven cloth
        bgr[y] = mix(colour, (0, 0, 0), 0.06)
    return Texture(shade_pillow(bgr, rng, 14), rounded_rect_mask(w, h, px(6)), d.height_mm)


def _receipt(d: Distractor, rng: np.random.Generator, variant: int) -> Texture:
    bgr, _ = canvas(d.width_mm, d.depth_mm, (238, 240, 240))
    h, w = bgr.shape[:2]
    for y in range(px(10), h - px(10), px(5)):
        x1 = int(w * rng.uniform(0.4, 0.9))
        cv2.line(bgr, (px(6), y), (x1, y), (90, 90, 90), 1, cv2.LINE_AA)
    bgr = shade_pillow(bgr, rng, 12)
    alpha = np.full((h, w), 255, np.uint8)
    return Texture(bgr, alpha, d.height_mm)


def _sunglasses(d: Distractor, rng: np.random.Generator, variant: int) -> Texture:
    bgr, alpha = canvas(d.width_mm, d.depth_mm)
    h, w = alpha.shape
    frame = ((20, 20, 20), (40, 80, 140), (160, 160, 165))[variant]
    for cx in (int(w * 0.27), int(w * 0.73)):
        for target, value in ((bgr, (35, 45, 40)), (alpha, 230)):
            cv2.ellipse(target, (cx, h // 2), (int(w * 0.22), int(h * 0.42)), 0, 0, 360, value, -1, cv2.LINE_AA)
        cv2.ellipse(bgr, (cx, h // 2), (int(w * 0.22), int(h * 0.42)), 0, 0, 360, frame, px(3), cv2.LINE_AA)
    cv2.line(bgr, (int(w * 0.45), h // 2), (int(w * 0.55), h // 2), frame, px(3), cv2.LINE_AA)
    cv2.line(alpha, (int(w * 0.45), h // 2), (int(w * 0.55), h // 2), 255, px(3), cv2.LINE_AA)
    return Texture(shade(bgr, np.ones((h, w), np.float32)), alpha, d.height_mm)


_PAINTERS = {
    "phone": _phone,
    "keys": _keys,
    "wallet": _wallet,
    "handbag": _handbag,
    "reusable-bag": _reusable_bag,
    "receipt": _receipt,
    "sunglasses": _sunglasses,
}


def get(name: str) -> Distractor:
    """The distractor called ``name``; ``KeyError`` listing the known names otherwise."""
    try:
        return DISTRACTORS[name]
    except KeyError:
        raise KeyError(f"unknown distractor {name!r}: known are {', '.join(DISTRACTORS)}") from None


@lru_cache(maxsize=64)
def distractor_texture(name: str, variant: int = 0) -> Texture:
    """The painted top view of a distractor, one of :data:`VARIANTS` looks."""
    d = get(name)
    variant %= VARIANTS
    texture = _PAINTERS[name](d, _rng(name, variant), variant)
    bgr = texture.bgr.copy()
    bgr[texture.alpha == 0] = 0
    bgr.setflags(write=False)
    texture.alpha.setflags(write=False)
    return Texture(bgr, texture.alpha, texture.height_mm)
