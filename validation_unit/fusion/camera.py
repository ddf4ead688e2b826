"""The camera's likelihood: how probable the detections of one product are, given how many pieces are there.

The model, per product (and for personal items as one more "product"):

* each piece that is there gives at most one detection, in confidence bin b (below 0.5, 0.5–0.8, 0.8 and up)
  with probability ``detect[crowd][b]``, or none (hidden, missed);
* on top of that the detector reports false detections of the product, Poisson with mean
  ``false[crowd][b] + lookalike[b] × (pieces of its look-alikes there)``.

``crowd`` is how full the basket is (scanned pieces in :data:`CROWDING` bins): a full basket hides more. The
numbers are a :class:`Calibration`, fitted by :func:`fit` from a decision benchmark's ``--record`` file (what
the detector reported against what was on the tray) and kept as JSON next to the detector it describes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from math import exp, lgamma, log
from pathlib import Path
from typing import Any

from validation_unit.basket import Product, SeenObject

FORMAT = "basketcheck-camera-calibration/1"
BINS = (0.5, 0.8)  # confidence bin edges: [0, 0.5), [0.5, 0.8), [0.8, 1]
CROWDING = (5, 12, 20)  # scanned pieces: ≤ 5, 6–12, 13–20, more
MIN_RATE = 1e-4  # a rate fitted as 0 (a perfect detector) is kept above 0: nothing is impossible
MAX_DETECT = 0.98  # ... and a piece is never certain to be seen
FACTOR_RANGE = (0.05, 50.0)  # a product's false detections: between 1/20 and 50 times the class rates
SHRINK_PAIRS = 20  # a crowding class's false-detection rate is shrunk towards all classes' by this many baskets
DEFAULT_PATH = Path(__file__).with_name("camera_calibration.json")


class CalibrationError(ValueError):
    """A calibration file is missing, not this format, or its numbers are out of range."""


def conf_bin(confidence: float) -> int:
    return sum(1 for edge in BINS if confidence >= edge)


def crowd_class(pieces: int) -> int:
    return sum(1 for edge in CROWDING if pieces > edge)


Triple = tuple[float, float, float]


@dataclass(frozen=True)
class Rates:
    """One kind of object's numbers: per crowding class, the chance a piece there is detected in each bin, and
    the false detections' mean per basket in each bin; per present look-alike piece, extra false detections."""

    detect: tuple[Triple, ...]
    false: tuple[Triple, ...]
    lookalike: Triple = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Calibration:
    product: Rates
    personal: Rates
    source: str = ""  # what it was fitted on (for the card)
    baskets: int = 0
    # A detector hallucinates some products far more often than others: per GTIN-14, its false detections over
    # the class rates' expectation (shrunk towards 1 by one pseudo-detection; absent: 1).
    false_factor: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "bins": list(BINS), "crowding": list(CROWDING), **asdict(self)}, indent=1)

    @staticmethod
    def load(path: Path) -> Calibration:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CalibrationError(
                f"{path}: no such camera calibration "
                "(fit one with `basketcheck bench decision --replay OBS.jsonl --fit-camera FILE`)"
            ) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CalibrationError(f"{path}: cannot read it ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise CalibrationError(f"{path}: not a camera calibration (expected format {FORMAT})")
        if data.get("bins") != list(BINS) or data.get("crowding") != list(CROWDING):
            raise CalibrationError(f"{path}: fitted with other bins ({data.get('bins')}, {data.get('crowding')})")
        try:
            return Calibration(
                product=_rates(data["product"]),
                personal=_rates(data["personal"]),
                source=str(data.get("source", "")),
                baskets=int(data.get("baskets", 0)),
                false_factor=_factors(data.get("false_factor", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(f"{path}: damaged ({exc})") from None


def _factors(data: Mapping[str, Any]) -> dict[str, float]:
    out = {str(g): float(f) for g, f in data.items()}
    if any(not FACTOR_RANGE[0] <= f <= FACTOR_RANGE[1] for f in out.values()):
        raise ValueError(f"a false_factor outside {FACTOR_RANGE}")
    return out


def _triple(values: Sequence[float], low: float, high: float) -> Triple:
    a, b, c = (float(v) for v in values)
    if not all(low <= v <= high for v in (a, b, c)):
        raise ValueError(f"{[a, b, c]} not in [{low}, {high}]")
    return (a, b, c)


def _rates(data: Mapping[str, Any]) -> Rates:
    detect = tuple(_triple(t, 0.0, 1.0) for t in data["detect"])
    false = tuple(_triple(t, 0.0, 100.0) for t in data["false"])
    if len(detect) != len(CROWDING) + 1 or len(false) != len(CROWDING) + 1:
        raise ValueError("one row per crowding class expected")
    if any(sum(t) > 1.0 for t in detect):
        raise ValueError("detection chances of a piece add up to more than 1")
    return Rates(detect, false, _triple(data.get("lookalike", (0, 0, 0)), 0.0, 100.0))


def load_default() -> Calibration:
    return Calibration.load(DEFAULT_PATH)


# --------------------------------------------------------------------------------------------------
# The likelihood


def counts_by_bin(objects: Iterable[SeenObject]) -> tuple[dict[str, list[int]], list[int]]:
    """Detections counted per product (GTIN-14 → [n below 0.5, n 0.5–0.8, n ≥ 0.8]) and for personal items."""
    products: dict[str, list[int]] = {}
    personal = [0, 0, 0]
    for obj in objects:
        bucket = personal if obj.gtin14 is None else products.setdefault(obj.gtin14, [0, 0, 0])
        bucket[conf_bin(obj.confidence)] += 1
    return products, personal


def _log_poisson(k: int, mean: float) -> float:
    return k * log(mean) - mean - lgamma(k + 1)


@lru_cache(maxsize=65536)
def log_likelihood(observed: tuple[int, int, int], pieces: int, detect: Triple, false: Triple) -> float:
    """log p(these detections per bin | ``pieces`` there): the pieces' detections (multinomial over the bins and
    "missed") plus Poisson false detections, summed over every way of splitting the observed counts."""
    miss = max(1.0 - sum(detect), 1e-9)
    d = tuple(max(r, 1e-12) for r in detect)
    lam = tuple(max(x, MIN_RATE) for x in false)
    d0, d1, d2 = observed
    terms = []
    for t0 in range(min(d0, pieces) + 1):
        for t1 in range(min(d1, pieces - t0) + 1):
            for t2 in range(min(d2, pieces - t0 - t1) + 1):
                rest = pieces - t0 - t1 - t2
                log_multi = (
                    lgamma(pieces + 1)
                    - lgamma(t0 + 1)
                    - lgamma(t1 + 1)
                    - lgamma(t2 + 1)
                    - lgamma(rest + 1)
                    + t0 * log(d[0])
                    + t1 * log(d[1])
                    + t2 * log(d[2])
                    + rest * log(miss)
                )
                log_false = (
                    _log_poisson(d0 - t0, lam[0]) + _log_poisson(d1 - t1, lam[1]) + _log_poisson(d2 - t2, lam[2])
                )
                terms.append(log_multi + log_false)
    top = max(terms)
    return top + log(sum(exp(t - top) for t in terms))


@dataclass(frozen=True)
class CameraView:
    """The detections of one decision, ready to score contents: per product and for personal items."""

    calibration: Calibration
    crowd: int
    products: Mapping[str, tuple[int, int, int]]
    personal: tuple[int, int, int]
    catalog: Mapping[str, Product]

    def _mates(self, gtin14: str, content: Mapping[str, int]) -> int:
        product = self.catalog.get(gtin14)
        if product is None or not product.lookalike_group:
            return 0
        group = product.lookalike_group
        return sum(
            n
            for g, n in content.items()
            if g != gtin14 and g in self.catalog and self.catalog[g].lookalike_group == group
        )

    def product_term(self, gtin14: str, content: Mapping[str, int]) -> float:
        """log p(this product's detections | ``content`` on the tray, GTIN-14 → pieces)."""
        rates = self.calibration.product
        mates = self._mates(gtin14, content)
        factor = self.calibration.false_factor.get(gtin14, 1.0)
        false = tuple(f * factor + mates * k for f, k in zip(rates.false[self.crowd], rates.lookalike, strict=True))
        observed = self.products.get(gtin14, (0, 0, 0))
        return log_likelihood(observed, content.get(gtin14, 0), rates.detect[self.crowd], false)

    def personal_term(self, pieces: int) -> float:
        rates = self.calibration.personal
        return log_likelihood(self.personal, pieces, rates.detect[self.crowd], rates.false[self.crowd])


def camera_view(
    objects: Iterable[SeenObject], scanned_pieces: int, calibration: Calibration, catalog: Mapping[str, Product]
) -> CameraView:
    products, personal = counts_by_bin(objects)
    return CameraView(
        calibration,
        crowd_class(scanned_pieces),
        {g: (c[0], c[1], c[2]) for g, c in products.items()},
        (personal[0], personal[1], personal[2]),
        catalog,
    )


# --------------------------------------------------------------------------------------------------
# Fitting


@dataclass
class _Tally:
    """Sums for one kind of object and crowding class."""

    absent_pairs: int = 0  # (basket, product) pairs with the product not there and no look-alike there
    absent_dets: tuple[int, int, int] = (0, 0, 0)
    mate_pieces: int = 0  # look-alike pieces next to an absent product
    mate_pairs: int = 0
    mate_dets: tuple[int, int, int] = (0, 0, 0)
    present_pieces: int = 0
    present_pairs: int = 0
    present_dets: tuple[int, int, int] = (0, 0, 0)
    present_mates: int = 0


def _add(a: tuple[int, int, int], b: Sequence[int]) -> tuple[int, int, int]:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def fit(rows: Iterable[Mapping[str, Any]], catalog: Mapping[str, Product], source: str = "") -> Calibration:
    """Fit the rates from recorded decisions (rows of a ``bench decision --record`` file with ``truth``): moment
    estimates per crowding class, false detections first (from products not there), then the detection chances
    (what present products got beyond their expected false detections)."""
    product = [_Tally() for _ in range(len(CROWDING) + 1)]
    personal = [_Tally() for _ in range(len(CROWDING) + 1)]
    # per product: its absent baskets per crowding class, and its false detections there (all bins)
    absent_in: dict[str, list[int]] = {g: [0] * (len(CROWDING) + 1) for g in catalog}
    false_seen: dict[str, int] = dict.fromkeys(catalog, 0)
    baskets = 0
    for row in rows:
        obs, truth = row.get("observation"), row.get("truth")
        if not obs or not truth or not obs.get("vision") or not obs["vision"].get("camera_ok", True):
            continue
        baskets += 1
        scanned = sum(
            1 if line.get("weight_g") is not None else int(line["quantity"]) for line in obs["expected"]["lines"]
        )
        crowd = crowd_class(scanned)
        objects = [
            SeenObject(o["gtin14"], o.get("label", ""), float(o["confidence"]), (0, 0, 0, 0))
            for o in obs["vision"]["objects"]
        ]
        dets, pers = counts_by_bin(objects)
        placed: dict[str, int] = {g: int(n) for g, n in truth["placed"].items()}
        for g, p in catalog.items():
            n = placed.get(g, 0)
            mates = 0
            if p.lookalike_group:
                mates = sum(
                    k
                    for h, k in placed.items()
                    if h != g and h in catalog and catalog[h].lookalike_group == p.lookalike_group
                )
            d = dets.get(g, [0, 0, 0])
            t = product[crowd]
            if n:
                t.present_pieces += n
                t.present_pairs += 1
                t.present_dets = _add(t.present_dets, d)
                t.present_mates += mates
            elif mates:
                t.mate_pieces += mates
                t.mate_pairs += 1
                t.mate_dets = _add(t.mate_dets, d)
            else:
                t.absent_pairs += 1
                t.absent_dets = _add(t.absent_dets, d)
                absent_in[g][crowd] += 1
                false_seen[g] += sum(d)
        n = int(truth.get("personal", 0))
        t = personal[crowd]
        if n:
            t.present_pieces += n
            t.present_pairs += 1
            t.present_dets = _add(t.present_dets, pers)
        else:
            t.absent_pairs += 1
            t.absent_dets = _add(t.absent_dets, pers)
    if not baskets:
        raise CalibrationError(
            "no recorded decision with a picture and the truth (record with `bench decision --record`)"
        )
    rates = _rates_of(product, pooled_lookalike=True)
    factors = {}
    for g, per_class in absent_in.items():
        expected = sum(n * sum(rates.false[c]) for c, n in enumerate(per_class))
        factor = (false_seen[g] + 1.0) / (expected + 1.0)  # one pseudo-detection at the class rates
        if abs(factor - 1.0) > 0.05:
            factors[g] = round(min(max(factor, FACTOR_RANGE[0]), FACTOR_RANGE[1]), 3)
    return Calibration(rates, _rates_of(personal), source, baskets, dict(sorted(factors.items())))


def _rates_of(tallies: Sequence[_Tally], pooled_lookalike: bool = False) -> Rates:
    # Classes with few baskets borrow from all classes together.
    total = _Tally()
    for t in tallies:
        total.absent_pairs += t.absent_pairs
        total.absent_dets = _add(total.absent_dets, t.absent_dets)
        total.present_pieces += t.present_pieces
        total.present_pairs += t.present_pairs
        total.present_dets = _add(total.present_dets, t.present_dets)
        total.mate_pieces += t.mate_pieces
        total.mate_pairs += t.mate_pairs
        total.mate_dets = _add(total.mate_dets, t.mate_dets)
        total.present_mates += t.present_mates

    # False detections are rare, so a class's count is often 0 where the rate is not: every class's rate is shrunk
    # towards the pooled one (as if it had SHRINK_PAIRS more baskets at the pooled rate), and the pooled one gets
    # half a detection spread over the bins (a rate fitted from zero detections is never taken as 0).
    pooled: Triple = (MIN_RATE, MIN_RATE, MIN_RATE)
    if total.absent_pairs:
        pooled = tuple((total.absent_dets[b] + 0.5 / 3) / (total.absent_pairs + 1) for b in range(3))  # type: ignore[assignment]

    def false_of(t: _Tally) -> Triple:
        n = t.absent_pairs + SHRINK_PAIRS
        a, b, c = ((t.absent_dets[i] + SHRINK_PAIRS * pooled[i]) / n for i in range(3))
        return (a, b, c)

    overall_false = pooled
    lookalike = (0.0, 0.0, 0.0)
    if pooled_lookalike and total.mate_pieces:
        lookalike = tuple(  # type: ignore[assignment]
            max((total.mate_dets[b] - overall_false[b] * total.mate_pairs) / total.mate_pieces, 0.0) for b in range(3)
        )
    detect, false = [], []
    for t in tallies:
        f = false_of(t)
        src = t if t.present_pieces >= 20 else total
        expected_false = [f[b] * src.present_pairs + lookalike[b] * src.present_mates for b in range(3)]
        pieces = max(src.present_pieces, 1)
        r = [min(max((src.present_dets[b] - expected_false[b]) / pieces, MIN_RATE), MAX_DETECT) for b in range(3)]
        if sum(r) > MAX_DETECT:
            r = [x * MAX_DETECT / sum(r) for x in r]
        detect.append((round(r[0], 5), round(r[1], 5), round(r[2], 5)))
        false.append((round(max(f[0], MIN_RATE), 6), round(max(f[1], MIN_RATE), 6), round(max(f[2], MIN_RATE), 6)))
    return Rates(tuple(detect), tuple(false), (round(lookalike[0], 5), round(lookalike[1], 5), round(lookalike[2], 5)))
