"""``basketcheck bench scan``: decode rate, wrong codes and ms per frame on generated barcode photos.

The app's decoder, zxing-cpp alone, and the app's decoder without zxing-cpp (OpenCV only, the fallback of a
build that lacks it) read the same seeded photos in the same run. A photo counts as read
when the true code is among the results; any other valid code returned is a wrong code (a misread the app
would have added to the basket), listed in ``wrong_reads`` with the photo's truth so it can be looked at.
``--seed`` takes several seeds: each is a fresh set of ``--count`` photos, scored together.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from typing import Any

from backend.domain.gs1 import GS1Error, parse_scanned


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=315, help="number of generated photos (default 315)")
    parser.add_argument("--seed", type=int, nargs="+", default=[7], help="random seed(s) of the photo sets (default 7)")


def same_code(a_text: str, a_symbology: str, b_text: str, b_symbology: str) -> bool:
    """Whether two readings name the same item: equal GS1 meaning (GTIN, weight, price) or equal QR text."""
    if a_symbology == "qr" or b_symbology == "qr":
        return a_symbology == b_symbology and a_text == b_text
    try:
        a = parse_scanned(a_text, symbology=a_symbology if len(a_text) == 8 else None)
        b = parse_scanned(b_text, symbology=b_symbology if len(b_text) == 8 else None)
    except GS1Error:
        return False
    return (a.gtin14, a.weight_g, a.price_minor, a.batch) == (b.gtin14, b.weight_g, b.price_minor, b.batch)


def _score(name: str, decoder: Any, samples: list[Any]) -> dict[str, Any]:
    read = wrong = 0
    wrong_reads: list[dict[str, Any]] = []
    times: list[float] = []
    by_condition: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_symbology: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sample in samples:
        started = time.perf_counter()
        results = decoder(sample.image)
        times.append((time.perf_counter() - started) * 1000)
        hit = False
        for result in results:
            if same_code(result.text, result.symbology, sample.text, sample.symbology):
                hit = True
            else:
                wrong += 1
                wrong_reads.append(
                    {
                        "truth": sample.text,
                        "truth_symbology": sample.symbology,
                        "condition": sample.condition,
                        "severity": round(sample.severity, 2),
                        "read": result.text,
                        "read_symbology": result.symbology,
                    }
                )
        read += hit
        by_condition[sample.condition][0] += hit
        by_condition[sample.condition][1] += 1
        by_symbology[sample.symbology][0] += hit
        by_symbology[sample.symbology][1] += 1
    print(f"  {name}: {read}/{len(samples)} read, {wrong} wrong", file=sys.stderr, flush=True)
    return {
        "decode_rate": round(read / len(samples), 4),
        "read": read,
        "wrong_codes": wrong,
        "wrong_reads": wrong_reads[:20],
        "ms_per_frame_mean": round(statistics.fmean(times), 2),
        "ms_per_frame_median": round(statistics.median(times), 2),
        "ms_per_frame_p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 2),
        "by_condition": {k: round(v[0] / v[1], 3) for k, v in by_condition.items()},
        "by_symbology": {k: round(v[0] / v[1], 3) for k, v in by_symbology.items()},
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the photos, run both decoders, return the figures."""
    from scanner_app import barcode, synthetic

    count = getattr(args, "count", 315)
    seeds = getattr(args, "seed", [7])
    seeds = [seeds] if isinstance(seeds, int) else list(seeds)
    print(f"generating {count} photos for each seed {seeds} …", file=sys.stderr, flush=True)
    samples = [sample for seed in seeds for sample in synthetic.generate(count, seed=seed)]
    barcode.decode(samples[0].image)  # load the libraries before timing
    zxing = _score("zxing-cpp alone", barcode.decode_zxing_only, samples)
    app = _score("app decoder", barcode.decode, samples)
    opencv = _score("app decoder without zxing-cpp (OpenCV only)", barcode.decode_opencv_only, samples)
    return {
        "photos": len(samples),
        "seed": seeds[0] if len(seeds) == 1 else seeds,
        "conditions": list(synthetic.CONDITIONS),
        "app": app,
        "zxing_only": zxing,
        "opencv_only": opencv,  # what an Android build without a zxing-cpp recipe would read
        "wrong_codes": app["wrong_codes"] + opencv["wrong_codes"],
        "gain": app["read"] - zxing["read"],
    }
