"""The basket's tare label: a QR code on the rim saying ``BCB;<type>;<grams>`` (see hardware_sim.catalog_baskets).

Reading it tells the unit which basket is on the tray and what it weighs, so the tare is known exactly.
When no label is read (no basket, label hidden, camera down) the fusion tries every basket type it knows.
"""

from __future__ import annotations

import numpy as np

PREFIX = "BCB"


def parse_label(text: str) -> tuple[str, int] | None:
    """``"BCB;basket-red;650"`` → ``("basket-red", 650)``; None for any other text."""
    parts = text.strip().split(";")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2].isdigit():
        return None
    grams = int(parts[2])
    return (parts[1], grams) if grams <= 5000 else None


def read_label(bgr: np.ndarray) -> tuple[str, int] | None:
    """The first basket label found in the picture (zxing-cpp, then OpenCV's ArUco-based QR reader)."""
    import cv2
    import zxingcpp

    for result in zxingcpp.read_barcodes(bgr, formats=zxingcpp.barcode_formats_from_str("QRCode")):
        found = parse_label(result.text)
        if found:
            return found
    text, _points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(bgr)
    return parse_label(text) if text else None
