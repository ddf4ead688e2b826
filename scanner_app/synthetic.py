"""Generated "phone photos" of barcodes for tests and the scan benchmark, seeded and reproducible.

A code is written with zxing-cpp's barcode writer, put on a package-coloured label in a larger scene, then
spoiled the way real photos are: rotation, perspective, curvature of a can or bottle, defocus and motion
blur, glare, sensor noise, low light, and small codes far from the lens. Each photo knows its true code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.domain.gs1 import encode_element_string, with_check_digit

# A uint8 numpy image (h, w, 3) BGR or (h, w) gray. Typed loosely: OpenCV's stubs return unparameterised arrays.
Image = Any

CONDITIONS = ("clean", "rotation", "perspective", "curvature", "blur", "glare", "noise", "low_light", "small")


@dataclass(frozen=True)
class Sample:
    """One generated photo and the truth about it."""

    image: Image
    text: str  # the data encoded (for GS1 element strings: the raw string with <GS> separators)
    symbology: str  # as scanner_app.barcode names it
    condition: str
    severity: float  # 0 (mild) to 1 (hard)


def barcode_image(text: str, symbology: str, scale: int = 3) -> Image:
    """A clean grayscale rendering of ``text`` in ``symbology``, with quiet zones."""
    import numpy as np
    import zxingcpp

    from scanner_app import barcode as bc

    f = zxingcpp.BarcodeFormat
    fmt, kwargs = {
        bc.EAN13: (f.EAN13, {}),
        bc.EAN8: (f.EAN8, {}),
        bc.UPCA: (f.UPCA, {}),
        bc.UPCE: (f.UPCE, {}),
        bc.GS1_128: (f.Code128, {"gs1": True}),
        bc.GS1_DATABAR: (f.DataBarExp if len(text) > 16 else f.DataBar, {}),
        bc.QR: (f.QRCode, {}),
    }[symbology]
    content = text
    if symbology in (bc.GS1_128, bc.GS1_DATABAR):
        content = _hri(text)
    image = np.array(zxingcpp.create_barcode(content, fmt, **kwargs).to_image(scale=scale))
    return np.ascontiguousarray(image, dtype=np.uint8)


def _hri(element_string: str) -> str:
    """``(01)…(3103)…`` form of a raw GS1 element string, which is what zxing-cpp's writer takes."""
    from backend.domain.gs1 import parse_element_string

    values = parse_element_string(element_string).values
    return "".join(f"({ai}){value}" for ai, value in values.items())


def random_code(rng: Any, symbology: str) -> str:
    """A valid code of ``symbology`` made from ``rng`` (GS1 check digits computed by the backend's GS1 module)."""
    from scanner_app import barcode as bc

    def digits(n: int) -> str:
        return "".join(str(int(d)) for d in rng.integers(0, 10, n))

    if symbology == bc.EAN13:
        return with_check_digit(str(int(rng.integers(3, 10))) + digits(11))  # 30–99: not variable-measure
    if symbology == bc.EAN8:
        return with_check_digit(str(int(rng.integers(1, 10))) + digits(6))
    if symbology == bc.UPCA:
        return with_check_digit(str(int(rng.integers(1, 10))) + digits(10))
    if symbology == bc.UPCE:
        # UPC-E "0 abcde X" with X in 5–9 stands for UPC-A "0 abcde 0000 X"; e must not be 0 for that form.
        from backend.domain.gs1 import check_digit

        abcde = digits(4) + str(int(rng.integers(1, 10)))
        last = str(int(rng.integers(5, 10)))
        return "0" + abcde + last + str(check_digit("0" + abcde + "0000" + last))
    gtin = with_check_digit("0" + str(int(rng.integers(1, 10))) + digits(11))
    if symbology == bc.GS1_128:
        return encode_element_string({"01": gtin, "3103": f"{int(rng.integers(50, 5000)):06d}", "10": digits(5)})
    if symbology == bc.GS1_DATABAR:
        if rng.random() < 0.5:
            return encode_element_string({"01": gtin})
        return encode_element_string({"01": gtin, "3103": f"{int(rng.integers(50, 5000)):06d}"})
    return f"BASKETCHECK-UNIT:unit-{digits(4)}:{digits(12)}"


def scene(code_image: Image, rng: Any, size: tuple[int, int] = (640, 480), code_width: float = 0.45) -> Image:
    """A BGR scene: cluttered package background with a label holding the code, ``code_width`` of the frame."""
    import cv2
    import numpy as np

    width, height = size
    background = np.empty((height, width, 3), np.uint8)
    background[:] = rng.integers(40, 200, 3)
    for _ in range(6):  # package print around the label
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        cv2.circle(background, (x, y), int(rng.integers(20, 120)), colour, -1)
    target_w = max(int(width * code_width), 8)
    scale = target_w / code_image.shape[1]
    code = cv2.resize(
        code_image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    )
    label = cv2.copyMakeBorder(code, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=245)
    label_bgr = cv2.cvtColor(label, cv2.COLOR_GRAY2BGR)
    label_bgr = (label_bgr.astype(np.float32) * rng.uniform(0.9, 1.0, 3)).astype(np.uint8)  # paper tint
    lh, lw = label_bgr.shape[:2]
    lh, lw = min(lh, height), min(lw, width)
    y0 = int(rng.integers(0, height - lh + 1))
    x0 = int(rng.integers(0, width - lw + 1))
    background[y0 : y0 + lh, x0 : x0 + lw] = label_bgr[:lh, :lw]
    return background


def spoil(image: Image, condition: str, severity: float, rng: Any) -> Image:
    """``image`` with one kind of photo damage at ``severity`` (0 mild … 1 hard)."""
    import cv2
    import numpy as np

    h, w = image.shape[:2]
    s = float(np.clip(severity, 0.0, 1.0))
    if condition == "clean":
        return image
    if condition == "rotation":
        angle = float(rng.choice([-1, 1])) * (10 + 80 * s)
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 0.8)
        return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    if condition == "perspective":
        d = 0.05 + 0.25 * s
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        jitter = rng.uniform(0, d, (4, 2)) * np.array([w, h], dtype=np.float32)
        dst = src + jitter * np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float32)
        matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
        return cv2.warpPerspective(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    if condition == "curvature":
        # A label on a cylinder seen side-on: x is compressed towards the edges (arcsin mapping).
        radius = w * (1.6 - 1.0 * s)
        xs = np.arange(w, dtype=np.float32) - w / 2
        theta = np.clip(xs / radius, -1.0, 1.0)
        src_x = np.arcsin(theta) * radius + w / 2
        bulge = (1 - np.cos(np.arcsin(theta))) * h * 0.08 * s
        map_x = np.tile(src_x, (h, 1)).astype(np.float32)
        ys = np.arange(h, dtype=np.float32)[:, None]
        map_y = (ys + (ys - h / 2) / (h / 2) * bulge[None, :]).astype(np.float32)
        return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if condition == "blur":
        if rng.random() < 0.5:
            return cv2.GaussianBlur(image, (0, 0), 0.8 + 2.2 * s)
        length = int(3 + 12 * s)
        line = np.zeros((length, length), np.float32)
        line[length // 2, :] = 1.0 / length
        angle = float(rng.uniform(0, 180))
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
        kernel = cv2.warpAffine(line, rot, (length, length))
        kernel = (kernel / max(float(kernel.sum()), 1e-6)).astype(np.float32)
        return cv2.filter2D(image, -1, kernel)
    if condition == "glare":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
        sx, sy = rng.uniform(0.08, 0.2) * w, rng.uniform(0.08, 0.2) * h
        spot = np.exp(-(((xx - cx) / sx) ** 2 + ((yy - cy) / sy) ** 2))
        out = image.astype(np.float32) + (120 + 160 * s) * spot[..., None]
        return np.clip(out, 0, 255).astype(np.uint8)
    if condition == "noise":
        sigma = 8 + 30 * s
        out = image.astype(np.float32) + rng.normal(0, sigma, image.shape)
        return np.clip(out, 0, 255).astype(np.uint8)
    if condition == "low_light":
        gain = 0.35 - 0.25 * s
        out = image.astype(np.float32) * gain + rng.normal(0, 2 + 4 * s, image.shape)
        return np.clip(out, 0, 255).astype(np.uint8)
    if condition == "small":
        factor = 0.6 - 0.35 * s
        small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR) if s < 0 else small
    raise ValueError(f"unknown condition {condition!r}: expected one of {', '.join(CONDITIONS)}")


def generate(count: int, seed: int = 0) -> list[Sample]:
    """``count`` photos, cycling through the symbologies and conditions, severity drawn per photo."""
    import numpy as np

    from scanner_app import barcode as bc

    rng = np.random.default_rng(seed)
    samples: list[Sample] = []
    for index in range(count):
        symbology = bc.SYMBOLOGIES[index % len(bc.SYMBOLOGIES)]
        condition = CONDITIONS[(index // len(bc.SYMBOLOGIES)) % len(CONDITIONS)]
        severity = float(rng.uniform(0.0, 1.0))
        text = random_code(rng, symbology)
        code = barcode_image(text, symbology, scale=3)
        code_width = {bc.QR: 0.35, bc.GS1_128: 0.8, bc.GS1_DATABAR: 0.6}.get(symbology, 0.5)
        photo = spoil(scene(code, rng, code_width=code_width), condition, severity, rng)
        samples.append(Sample(photo, text, symbology, condition, severity))
    return samples
