"""Barcode reading for the shopper app: camera frame (BGR numpy image) in, validated codes out.

zxing-cpp reads the frame first. When it finds nothing that validates, preprocessing passes run in order of
cost (contrast equalisation, highlight clipping for glare, gamma for low light, sharpening, upscaling of small
codes, other binarizers, rotations), then OpenCV's barcode detector, whose boxes are rectified and re-read.
Every product code must be read by two different passes of the same frame before it counts: an EAN's single
check digit lets one misread bar in ten through, and enhancement amplifies noise as well as bars. So a clean
frame costs two zxing-cpp calls (its two binarizers); a hard one runs on until two passes agree. QR codes carry
Reed-Solomon error correction that already refuses a misread, so zxing-cpp's plain read of one counts at once.

A code only counts once it validates: product codes through :func:`backend.domain.gs1.parse_scanned` (check
digit, GS1 element string), QR codes by their own Reed-Solomon check inside the reader. A misread is far
worse than a miss for a self-checkout (the verdict would fight the basket), so nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from backend.domain.gs1 import GS1Error, parse_scanned

# A uint8 numpy image (h, w, 3) BGR or (h, w) gray. Typed loosely: OpenCV's stubs return unparameterised arrays.
Image = Any

# Symbology names the app and the backend use (``ScanEventIn.symbology``).
EAN13 = "ean-13"
EAN8 = "ean-8"
UPCA = "upc-a"
UPCE = "upc-e"
GS1_128 = "gs1-128"
GS1_DATABAR = "gs1-databar"
QR = "qr"
SYMBOLOGIES = (EAN13, EAN8, UPCA, UPCE, GS1_128, GS1_DATABAR, QR)

# UPC-E packs 6 digits in 51 modules with one check digit and no centre guard: a blurred one can read as
# another valid UPC-E even in zxing-cpp's plain pass, so it always needs a second pass to agree.
_WEAK = frozenset({UPCE})


@dataclass(frozen=True, slots=True)
class Result:
    """One validated code in a frame: its data as text and which symbology carried it."""

    text: str
    symbology: str


def decode(frame: Image, *, thorough: bool = True) -> list[Result]:
    """Read the barcodes in a BGR (or grayscale) image and return those that validate, without duplicates.

    ``thorough=False`` runs only the plain zxing-cpp pass (what the benchmark calls "zxing-cpp alone")."""
    gray = _to_gray(frame)
    passes = iter(_passes(gray, thorough))
    plain = _dedupe(next(passes)())
    if not thorough:
        return plain
    if plain and all(r.symbology == QR for r in plain):
        return plain  # Reed-Solomon checked (see the module docstring)
    # A product code only counts once two different passes read it (see the module docstring).
    votes: dict[Result, int] = {r: 1 for r in plain}
    for attempt in passes:
        for result in _dedupe(attempt()):
            votes[result] = votes.get(result, 0) + 1
        confirmed = [result for result, count in votes.items() if count >= 2 or result.symbology == QR]
        if any(r.symbology != QR for r in confirmed) and not any(r.symbology in _WEAK for r in votes):
            return confirmed
    # A weak symbology was seen: every pass has run. Its code counts only if no pass read any other product
    # code in this frame (a rotated EAN-13 can read as a valid UPC-E under contrast enhancement).
    products = {r for r in votes if r.symbology != QR}
    return [
        r
        for r, count in votes.items()
        if (count >= 2 or r.symbology == QR) and (r.symbology not in _WEAK or len(products) == 1)
    ]


def decode_zxing_only(frame: Image) -> list[Result]:
    """zxing-cpp with its defaults on the frame, validated the same way: the baseline the app must beat."""
    return decode(frame, thorough=False)


# --------------------------------------------------------------------------------------------------
# Validation


def validate(text: str, symbology: str) -> Result | None:
    """The :class:`Result` for a raw reader output, or ``None`` when it is not a code the store accepts."""
    if symbology == QR:
        return Result(text, QR) if text else None
    try:
        if symbology == UPCE and len(text) == 8:
            parse_scanned(text, symbology=UPCE)
        else:
            parse_scanned(text)
    except GS1Error:
        return None
    return Result(text, symbology)


def _zxing_symbology(barcode: Any) -> str | None:
    import zxingcpp

    fmt = barcode.format
    formats = zxingcpp.BarcodeFormat
    if fmt == formats.EAN13:
        # zxing-cpp reports UPC-A as EAN-13 with a leading 0 (the same GTIN); keep the name the shopper saw.
        return UPCA if barcode.text.startswith("0") else EAN13
    if fmt == formats.EAN8:
        return EAN8
    if fmt == formats.UPCA:
        return UPCA
    if fmt == formats.UPCE:
        return UPCE
    if fmt == formats.Code128:
        # Only GS1-128 (FNC1 first) carries product data; plain Code 128 is not a retail code.
        return GS1_128 if barcode.content_type == zxingcpp.ContentType.GS1 else None
    if fmt in (formats.DataBar, formats.DataBarOmni, formats.DataBarStk, formats.DataBarStkOmni, formats.DataBarLtd):
        return GS1_DATABAR
    if fmt in (formats.DataBarExp, formats.DataBarExpStk):
        return GS1_DATABAR
    if fmt == formats.QRCode:
        return QR
    return None


def _formats() -> Any:
    import zxingcpp

    f = zxingcpp.BarcodeFormat
    return zxingcpp.barcode_formats_from_str(
        ",".join(
            str(x).split(".")[-1]
            for x in (f.EAN13, f.EAN8, f.UPCA, f.UPCE, f.Code128, f.DataBar, f.DataBarExp, f.DataBarLtd, f.QRCode)
        )
    )


def _read_zxing(gray: Image, binarizer: str = "LocalAverage") -> list[Result]:
    import zxingcpp

    barcodes = zxingcpp.read_barcodes(
        gray,
        formats=_formats(),  # built per call: a cached nanobind object is reported as leaked at exit
        text_mode=zxingcpp.TextMode.HRI,
        binarizer=getattr(zxingcpp.Binarizer, binarizer),
    )
    found: list[tuple[Result, tuple[float, float, float, float]]] = []
    for barcode in barcodes:
        if not barcode.valid:
            continue
        symbology = _zxing_symbology(barcode)
        if symbology is None:
            continue
        result = validate(barcode.text, symbology)
        if result is not None:
            found.append((result, _box(barcode.position)))
    return _drop_conflicts(found)


def _box(position: Any) -> tuple[float, float, float, float]:
    points = [position.top_left, position.top_right, position.bottom_right, position.bottom_left]
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > 0 and min(a[3], b[3]) - max(a[1], b[1]) > 0


def _drop_conflicts(found: Sequence[tuple[Result, tuple[float, float, float, float]]]) -> list[Result]:
    """Results whose place in the frame no *different* code also claims.

    Noise can make a 1D reader see two valid codes in one symbol (scan lines through different damage); both
    pass their check digit, and re-reading does not tell them apart. Such a symbol is ambiguous: a miss."""
    out: list[Result] = []
    for index, (result, box) in enumerate(found):
        contested = any(
            other != result and _overlap(box, other_box) for j, (other, other_box) in enumerate(found) if j != index
        )
        if not contested:
            out.append(result)
    return out


_OPENCV_TYPES = {"EAN_13": EAN13, "EAN_8": EAN8, "UPC_A": UPCA, "UPC_E": UPCE}


def _read_opencv(gray: Image) -> list[Result]:
    """OpenCV's barcode detector: its own decode, then zxing-cpp on each detected box, rectified."""
    import cv2
    import numpy as np

    detector = _opencv_detector()
    ok, texts, types, corners = detector.detectAndDecodeWithType(gray)
    out: list[Result] = []
    if not ok or corners is None:
        return out
    quads = np.asarray(corners, dtype=np.float32).reshape(-1, 4, 2)
    for text, kind, quad in zip(texts, types, quads, strict=False):
        candidates: set[Result] = set()
        symbology = _OPENCV_TYPES.get(kind)
        if text and symbology is not None:
            if symbology == UPCA and len(text) == 12:
                text = "0" + text  # the same 13-digit form zxing-cpp gives, so the two never disagree on text
            result = validate(text, symbology)
            if result is not None and _bars_fit(gray, quad, symbology):
                candidates.add(result)
        crop = _rectify(gray, quad) if have_zxing() else None
        if crop is not None:
            read = _read_zxing(crop)
            if not read:
                read = _read_zxing(cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))
            candidates.update(read)
        # Two readers disagreeing about one box is an ambiguous symbol, not two codes.
        if len(candidates) == 1:
            out.extend(candidates)
    return out


_BARS = {EAN13: 30, UPCA: 30, EAN8: 22, UPCE: 17}


def _bars_fit(gray: Image, quad: Any, symbology: str) -> bool:
    """Whether the box holds about as many bars as ``symbology`` has (EAN-13: 30): OpenCV's decoder alone will
    read a long Code 128 as a valid UPC-A, and a Code 128 has several times more bars."""
    import cv2
    import numpy as np

    crop = _rectify(gray, quad)
    if crop is None:
        return False
    height = crop.shape[0]
    rows = crop[int(height * 0.4) : int(height * 0.6) + 1]
    counts = []
    for row in rows[:: max(1, len(rows) // 5)]:
        _t, binary = cv2.threshold(row.reshape(1, -1), 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        line = binary.ravel().astype(np.int8)
        counts.append(int(np.count_nonzero(np.diff(line) == 1)) + int(line[0]))
    if not counts:
        return False
    bars = float(np.median(counts))
    expected = _BARS[symbology]
    return 0.7 * expected <= bars <= 1.4 * expected


_DETECTOR: list[Any] = []


def _opencv_detector() -> Any:
    import cv2

    if not _DETECTOR:
        _DETECTOR.append(cv2.barcode.BarcodeDetector())
    return _DETECTOR[0]


def _rectify(gray: Image, quad: Any) -> Image | None:
    """The detected barcode box warped upright, with a quiet zone either side (zxing-cpp needs one)."""
    import cv2
    import numpy as np

    # Order the corners so the long side is horizontal: bars end up vertical whatever the frame's rotation.
    q = quad.astype(np.float32)
    sides = [float(np.linalg.norm(q[(i + 1) % 4] - q[i])) for i in range(4)]
    start = 0 if sides[0] + sides[2] >= sides[1] + sides[3] else 1
    q = np.roll(q, -start, axis=0)
    width = int(max(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[3] - q[2])))
    height = int(max(np.linalg.norm(q[3] - q[0]), np.linalg.norm(q[2] - q[1])))
    if width < 20 or height < 5:
        return None
    # The detector's box hugs the bars; widen it by a quiet zone and grow it in height so guard bars fit.
    centre = q.mean(axis=0)
    along = (q[1] - q[0]) / max(np.linalg.norm(q[1] - q[0]), 1.0)
    across = (q[3] - q[0]) / max(np.linalg.norm(q[3] - q[0]), 1.0)
    half_w = width / 2 * 1.25
    half_h = max(height / 2 * 1.3, width * 0.12)
    src = np.array(
        [
            centre - along * half_w - across * half_h,
            centre + along * half_w - across * half_h,
            centre + along * half_w + across * half_h,
            centre - along * half_w + across * half_h,
        ],
        dtype=np.float32,
    )
    out_w, out_h = int(2 * half_w), int(2 * half_h)
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped: Image = cv2.warpPerspective(gray, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC, borderValue=255)
    return warped


# --------------------------------------------------------------------------------------------------
# Preprocessing passes


def _to_gray(frame: Image) -> Image:
    import cv2
    import numpy as np

    array = np.asarray(frame)
    if array.ndim == 2:
        return np.ascontiguousarray(array, dtype=np.uint8)
    if array.ndim == 3 and array.shape[2] == 3:
        gray: Image = cv2.cvtColor(array, cv2.COLOR_BGR2GRAY)
        return gray
    if array.ndim == 3 and array.shape[2] == 4:
        gray = cv2.cvtColor(array, cv2.COLOR_BGRA2GRAY)
        return gray
    raise ValueError(f"expected a BGR image of shape (h, w, 3) or grayscale (h, w), got shape {array.shape}")


def clahe(gray: Image) -> Image:
    """Local contrast equalisation: lifts bars out of shadows and flattens uneven light."""
    import cv2

    out: Image = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(gray)
    return out


def sharpen(gray: Image) -> Image:
    """Unsharp mask: restores bar edges softened by defocus or motion blur."""
    import cv2

    blurred = cv2.GaussianBlur(gray, (0, 0), 2.0)
    out: Image = cv2.addWeighted(gray, 1.8, blurred, -0.8, 0)
    return out


def brighten(gray: Image) -> Image:
    """Stretch a dark frame to the full range and lift it with a gamma below 1 (low light)."""
    import cv2
    import numpy as np

    lo, hi = np.percentile(gray, (1, 99))
    if hi - lo < 8:
        return gray
    stretched = np.clip((gray.astype(np.float32) - lo) * (255.0 / (hi - lo)), 0, 255)
    lifted = 255.0 * (stretched / 255.0) ** 0.6
    out: Image = cv2.convertScaleAbs(lifted)
    return out


def deglare(gray: Image) -> Image:
    """Flatten bright glare patches: divide by a heavily blurred background so the bars' contrast is local."""
    import cv2
    import numpy as np

    background = cv2.GaussianBlur(gray, (0, 0), max(gray.shape) / 30)
    ratio = gray.astype(np.float32) / np.maximum(background.astype(np.float32), 1.0)
    lo, hi = float(ratio.min()), float(ratio.max())
    out: Image = ((ratio - lo) * (255.0 / max(hi - lo, 1e-6))).astype(np.uint8)
    return out


def upscale(gray: Image, factor: float = 2.0) -> Image:
    """Bicubic enlargement: small or distant codes have bars narrower than the reader's minimum module."""
    import cv2

    out: Image = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return out


def rotate(gray: Image, degrees: float) -> Image:
    """The frame rotated about its centre, grown so no corner is cut, white where there was nothing."""
    import cv2

    h, w = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    out: Image = cv2.warpAffine(gray, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=255)
    return out


_OPENCV_ONLY: list[bool] = []  # set by decode_opencv_only (benchmark, tests): pretend zxing-cpp is missing


def have_zxing() -> bool:
    """Whether zxing-cpp is installed; without it (an Android build with no recipe for it) OpenCV reads alone."""
    import importlib.util

    return not _OPENCV_ONLY and importlib.util.find_spec("zxingcpp") is not None


def decode_opencv_only(frame: Image) -> list[Result]:
    """:func:`decode` as it runs where zxing-cpp is not installed (EAN/UPC and QR only). Not thread-safe."""
    _OPENCV_ONLY.append(True)
    try:
        return decode(frame)
    finally:
        _OPENCV_ONLY.pop()


def _read_qr_opencv(gray: Image) -> list[Result]:
    """OpenCV's QR reader (used only when zxing-cpp is missing)."""
    import cv2

    try:
        ok, texts, _points, _codes = cv2.QRCodeDetector().detectAndDecodeMulti(gray)
    except cv2.error:  # OpenCV 5's multi-QR finder asserts on some cluttered frames: no QR read, not a crash
        return []
    if not ok:
        return []
    return [r for r in (validate(text, QR) for text in texts) if r is not None]


def _read_opencv_only(gray: Image) -> list[Result]:
    return _read_opencv(gray) + _read_qr_opencv(gray)


def _passes(gray: Image, thorough: bool) -> Iterable[Callable[[], list[Result]]]:
    if not have_zxing():
        yield lambda: _read_opencv_only(gray)
        if thorough:
            yield lambda: _read_opencv_only(clahe(gray))
            yield lambda: _read_opencv_only(sharpen(gray))
            yield lambda: _read_opencv_only(brighten(gray))
            yield lambda: _read_opencv_only(deglare(gray))
            if max(gray.shape[:2]) < 900:
                yield lambda: _read_opencv_only(upscale(gray))
        return
    yield lambda: _read_zxing(gray)
    if not thorough:
        return
    small = max(gray.shape[:2]) < 900
    yield lambda: _read_zxing(gray, "GlobalHistogram")
    yield lambda: _read_zxing(clahe(gray))
    yield lambda: _read_zxing(deglare(gray))
    yield lambda: _read_zxing(brighten(gray))
    yield lambda: _read_zxing(sharpen(gray))
    if small:
        yield lambda: _read_zxing(upscale(gray))
        yield lambda: _read_zxing(sharpen(upscale(gray)))
    yield lambda: _read_opencv(gray)
    yield lambda: _read_opencv(clahe(gray))
    for degrees in (30.0, -30.0, 15.0, -15.0, 45.0):
        yield lambda d=degrees: _read_zxing(rotate(gray, d))  # type: ignore[misc]


def _dedupe(results: Sequence[Result]) -> list[Result]:
    seen: set[Result] = set()
    out: list[Result] = []
    for result in results:
        if result not in seen:
            seen.add(result)
            out.append(result)
    return out
