"""Painting primitives for product and distractor textures: canvases, shading, text, logo marks, EAN-13 bars.

Textures are painted once per product and pose at :data:`TEX_PX_PER_MM` and cached, so these helpers favour
looking right over speed. Everything is deterministic: randomness comes from a ``numpy`` generator the
caller seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

TEX_PX_PER_MM = 2.0  # texture resolution; the camera sees the tray at 1.6 px/mm, a bit more up close

_EAN_L = ("0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011")
_EAN_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")


@dataclass(frozen=True)
class Texture:
    """A painted top view of one object: colour, coverage (alpha 0–255) and how tall it stands in this pose."""

    bgr: np.ndarray  # H×W×3 uint8
    alpha: np.ndarray  # H×W uint8; 0 = not the object
    height_mm: float  # thickness from the surface it lies on to its top, for shadows and perspective
    # Colour premultiplied by alpha: the renderer composites it with one multiply and one add, and it does
    # not bleed a dark fringe at the edges when it is resampled.
    premultiplied: np.ndarray = field(init=False, repr=False)
    # Convex outline (N × 2 texture pixels) and the colour of the object's sides: the renderer draws the sides
    # of tall things that the camera sees obliquely, away from the picture's centre.
    hull: np.ndarray = field(init=False, repr=False)
    side_bgr: tuple[float, float, float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        premultiplied = cv2.multiply(self.bgr, cv2.merge((self.alpha, self.alpha, self.alpha)), scale=1 / 255.0)
        premultiplied.setflags(write=False)
        object.__setattr__(self, "premultiplied", premultiplied)
        solid = (self.alpha >= 128).astype(np.uint8)
        points = cv2.findNonZero(solid)
        if points is None:
            hull = np.zeros((0, 2), np.float32)
            side = (0.0, 0.0, 0.0)
        else:
            outline = cv2.approxPolyDP(cv2.convexHull(points), 1.0, True)
            hull = outline.reshape(-1, 2).astype(np.float32)
            mean = cv2.mean(self.bgr, mask=solid)
            side = (mean[0] * 0.62, mean[1] * 0.62, mean[2] * 0.62)  # sides face away from the overhead light
        hull.setflags(write=False)
        object.__setattr__(self, "hull", hull)
        object.__setattr__(self, "side_bgr", side)

    @property
    def size_px(self) -> tuple[int, int]:
        return self.bgr.shape[1], self.bgr.shape[0]


def hex_bgr(colour: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` → an OpenCV BGR tuple."""
    value = colour.lstrip("#")
    r, g, b = int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    return (b, g, r)


def px(mm: float) -> int:
    return max(1, round(mm * TEX_PX_PER_MM))


def canvas(
    width_mm: float, height_mm: float, colour: tuple[int, int, int] = (0, 0, 0)
) -> tuple[np.ndarray, np.ndarray]:
    """An empty texture ``width_mm`` × ``height_mm``: BGR filled with ``colour`` and a zero alpha."""
    w, h = px(width_mm), px(height_mm)
    bgr = np.empty((h, w, 3), np.uint8)
    bgr[:] = colour
    return bgr, np.zeros((h, w), np.uint8)


def rounded_rect_mask(w: int, h: int, radius: float) -> np.ndarray:
    """A filled, anti-aliased rounded rectangle covering ``w`` × ``h`` pixels."""
    mask = np.zeros((h, w), np.uint8)
    r = int(max(0, min(radius, w / 2 - 1, h / 2 - 1)))
    cv2.rectangle(mask, (r, 0), (w - 1 - r, h - 1), 255, -1)
    cv2.rectangle(mask, (0, r), (w - 1, h - 1 - r), 255, -1)
    for cx, cy in ((r, r), (w - 1 - r, r), (r, h - 1 - r), (w - 1 - r, h - 1 - r)):
        cv2.circle(mask, (cx, cy), r, 255, -1, cv2.LINE_AA)
    return mask


def ellipse_mask(w: int, h: int) -> np.ndarray:
    mask = np.zeros((h, w), np.uint8)
    cv2.ellipse(mask, (w // 2, h // 2), (max(1, w // 2 - 1), max(1, h // 2 - 1)), 0, 0, 360, 255, -1, cv2.LINE_AA)
    return mask


def shade(bgr: np.ndarray, gain: np.ndarray, highlight: np.ndarray | None = None) -> np.ndarray:
    """Multiply by a per-pixel ``gain`` (H×W float) and add a white ``highlight`` (0–1): painted lighting."""
    out = bgr.astype(np.float32) * gain[..., None]
    if highlight is not None:
        out += (255.0 - out) * np.clip(highlight, 0, 1)[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def cylinder_profile(n: int, highlight_at: float = -0.35, sharp: float = 0.09) -> tuple[np.ndarray, np.ndarray]:
    """Gain and highlight across a cylinder seen from the side, ``n`` samples edge to edge."""
    t = np.linspace(-1, 1, n, dtype=np.float32)
    gain = 0.55 + 0.45 * np.sqrt(np.clip(1 - t * t, 0, 1))
    hl = 0.55 * np.exp(-(((t - highlight_at) / sharp) ** 2))
    return gain, hl


def shade_cylinder(bgr: np.ndarray, axis: int, highlight_at: float = -0.35, strength: float = 1.0) -> np.ndarray:
    """Light a texture as a cylinder whose axis runs along image ``axis`` (1 = x: a lying can)."""
    h, w = bgr.shape[:2]
    n = h if axis == 1 else w
    gain, hl = cylinder_profile(n, highlight_at)
    gain = 1 - strength * (1 - gain)
    hl = hl * strength
    if axis == 1:
        g, k = np.repeat(gain[:, None], w, 1), np.repeat(hl[:, None], w, 1)
    else:
        g, k = np.repeat(gain[None, :], h, 0), np.repeat(hl[None, :], h, 0)
    return shade(bgr, g, k)


def shade_radial(bgr: np.ndarray, centre_gain: float = 1.0, rim_gain: float = 0.7, hl: float = 0.3) -> np.ndarray:
    """Light a dome or disc seen from above: brighter centre, darker rim, a highlight up-left."""
    h, w = bgr.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx, dy = (xx - w / 2) / (w / 2), (yy - h / 2) / (h / 2)
    r2 = np.clip(dx * dx + dy * dy, 0, 1)
    gain = centre_gain + (rim_gain - centre_gain) * r2
    spot = hl * np.exp(-(((dx + 0.35) ** 2 + (dy + 0.35) ** 2) / 0.05))
    return shade(bgr, gain, spot)


def shade_pillow(bgr: np.ndarray, rng: np.random.Generator, wrinkles: int = 8) -> np.ndarray:
    """Light a filled bag: puffed centre, crimped edges, and random wrinkles."""
    h, w = bgr.shape[:2]
    tx = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    ty = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    gain = (0.72 + 0.28 * (1 - tx**4)) * (0.72 + 0.28 * (1 - ty**6))
    crease: np.ndarray = np.zeros((h, w), np.float32)
    for _ in range(wrinkles):
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p2 = (int(p1[0] + rng.normal(0, w / 3)), int(p1[1] + rng.normal(0, h / 3)))
        cv2.line(crease, p1, p2, float(rng.uniform(0.4, 1.0)), max(1, w // 60), cv2.LINE_AA)
    crease = cv2.GaussianBlur(crease, (0, 0), max(1.0, w / 80))
    dark = cv2.GaussianBlur(np.roll(crease, 2, axis=1), (0, 0), 1.0)
    gain = gain * (1 - 0.35 * dark)
    return shade(bgr, gain, 0.45 * crease)


def fit_text(
    img: np.ndarray,
    text: str,
    centre: tuple[float, float],
    max_w: float,
    max_h: float,
    colour: tuple[int, int, int],
    *,
    font: int = cv2.FONT_HERSHEY_DUPLEX,
    thickness_ratio: float = 0.09,
    angle_deg: float = 0.0,
) -> None:
    """Print ``text`` as large as fits in ``max_w`` × ``max_h`` pixels around ``centre`` (optionally rotated)."""
    if not text or max_w < 4 or max_h < 4:
        return
    (tw, th), base = cv2.getTextSize(text, font, 1.0, 1)
    scale = min(max_w / max(tw, 1), max_h / max(th + base, 1))
    if scale <= 0.05:
        return
    thickness = max(1, round(scale * 30 * thickness_ratio))
    (tw, th), base = cv2.getTextSize(text, font, scale, thickness)
    if angle_deg == 0.0:
        org = (round(centre[0] - tw / 2), round(centre[1] + th / 2))
        cv2.putText(img, text, org, font, scale, colour, thickness, cv2.LINE_AA)
        return
    # Rotated text: print on a small patch and warp it on.
    pad = thickness + 2
    patch = np.zeros((th + base + 2 * pad, tw + 2 * pad, 3), np.uint8)
    cv2.putText(patch, text, (pad, pad + th), font, scale, (255, 255, 255), thickness, cv2.LINE_AA)
    m = cv2.getRotationMatrix2D((patch.shape[1] / 2, patch.shape[0] / 2), angle_deg, 1.0)
    m[0, 2] += centre[0] - patch.shape[1] / 2
    m[1, 2] += centre[1] - patch.shape[0] / 2
    cover = cv2.warpAffine(patch, m, (img.shape[1], img.shape[0]))[..., 0:1].astype(np.float32) / 255
    img[:] = (img * (1 - cover) + np.array(colour, np.float32) * cover).astype(np.uint8)


def ean13_modules(code: str) -> str:
    """The 95 bar/space modules ("1" = bar) of an EAN-13 symbol, from its 13 digits."""
    if len(code) != 13 or not code.isdigit():
        raise ValueError(f"EAN-13 needs 13 digits, got {code!r}")
    parity = _EAN_PARITY[int(code[0])]
    left = ""
    for digit, p in zip(code[1:7], parity, strict=True):
        pattern = _EAN_L[int(digit)]
        left += pattern if p == "L" else "".join("1" if c == "0" else "0" for c in pattern)[::-1]
    right = "".join("".join("1" if c == "0" else "0" for c in _EAN_L[int(d)]) for d in code[7:])
    return "101" + left + "01010" + right + "101"


def draw_barcode(img: np.ndarray, code: str, x: int, y: int, w: int, h: int, angle_deg: float = 0.0) -> None:
    """Print an EAN-13 label (white quiet zone, bars, digits) in the box ``x, y, w, h`` of ``img``."""
    if w < 8 or h < 6:
        return
    modules = ean13_modules(code)
    # Paint at 4 px per module, then shrink with area averaging: at camera resolution bars blur honestly.
    big_w, big_h = (95 + 22) * 4, int((95 + 22) * 4 * h / w)
    label = np.full((big_h, big_w, 3), 250, np.uint8)
    bar_h = int(big_h * 0.78)
    for i, m in enumerate(modules):
        if m == "1":
            x0 = (11 + i) * 4
            long_bar = i < 3 or 45 <= i < 50 or i >= 92
            cv2.rectangle(label, (x0, 4), (x0 + 3, bar_h + (10 if long_bar else 0)), (20, 20, 20), -1)
    fit_text(
        label, code, (big_w / 2, bar_h + (big_h - bar_h) / 2 + 2), big_w * 0.8, (big_h - bar_h) * 0.8, (20, 20, 20)
    )
    small = cv2.resize(label, (w, h), interpolation=cv2.INTER_AREA)
    if angle_deg:
        small = cv2.rotate(small, cv2.ROTATE_90_CLOCKWISE)
        w, h = h, w
    hh, ww = img.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(ww, x + w), min(hh, y + h)
    if x1 > x0 and y1 > y0:
        img[y0:y1, x0:x1] = small[y0 - y : y1 - y, x0 - x : x1 - x]


def draw_logo(img: np.ndarray, kind: int, centre: tuple[int, int], size: int, colour: tuple[int, int, int]) -> None:
    """A simple brand mark: ``kind`` picks a disc, star, swoosh, diamond, ring or leaf."""
    cx, cy = centre
    s = max(2, size)
    k = kind % 6
    if k == 0:
        cv2.circle(img, centre, s, colour, -1, cv2.LINE_AA)
    elif k == 1:
        star: list[tuple[float, float]] = []
        for i in range(10):
            r = s if i % 2 == 0 else s * 0.45
            a = np.pi / 2 + i * np.pi / 5
            star.append((cx + r * np.cos(a), cy - r * np.sin(a)))
        cv2.fillPoly(img, [np.array(star, np.int32)], colour, cv2.LINE_AA)
    elif k == 2:
        cv2.ellipse(img, centre, (s, max(1, s // 2)), -20, 20, 200, colour, max(2, s // 3), cv2.LINE_AA)
    elif k == 3:
        pts = np.array([(cx, cy - s), (cx + s, cy), (cx, cy + s), (cx - s, cy)], np.int32)
        cv2.fillPoly(img, [pts], colour, cv2.LINE_AA)
    elif k == 4:
        cv2.circle(img, centre, s, colour, max(2, s // 3), cv2.LINE_AA)
    else:
        cv2.ellipse(img, centre, (s, max(1, s // 2)), 35, 0, 360, colour, -1, cv2.LINE_AA)


def speckle(bgr: np.ndarray, rng: np.random.Generator, amount: float = 12.0, blur: float = 1.5) -> np.ndarray:
    """Natural surface variation (fruit skin, paper, cardboard): smooth random brightness."""
    noise: np.ndarray = rng.normal(0, amount, bgr.shape[:2]).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), blur)
    return np.clip(bgr.astype(np.float32) + noise[..., None], 0, 255).astype(np.uint8)


def mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    """Colour ``t`` of the way from ``a`` to ``b``."""
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))
