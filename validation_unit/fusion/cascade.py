"""The rule cascade (``policy.decision = "cascade"``): fuse what the scale weighed and what the camera saw with
what the shopper scanned.

:func:`decide` is a pure function (no I/O, no clock, no randomness) from the contract's dataclasses in
:mod:`validation_unit.basket` to a :class:`~validation_unit.basket.Decision`. The unit calls it once per
weighing; the benchmark calls it with ``weight=None`` (camera only) or ``vision=None`` (scale only) to compare
the sensors.

The weight test
    expected = tare + Σ qty·μ (fixed-weight lines) + Σ weight_g (variable-measure lines, from the label);
    σ² = Σ qty·σᵢ² + Σ σ_label² + σ_scale² + σ_tare², σ_label = 2 g + 1 % of the label weight, σ floored at
    ``policy.sigma_floor_g``; z = (measured − expected)/σ, PASS band |z| ≤ ``policy.z()`` when the camera vouches
    for the basket (:func:`_vouches`: it saw every scanned piece and nothing else); otherwise (camera down, an
    item hidden or unrecognised, anything extra) the weight carries the decision alone and the band is the
    stricter ``policy.z(weight_only=True)``, so the fused verdict catches whatever the weight alone would.

The camera
    Detections below ``policy.vision_weak`` are ignored; at least ``policy.vision_strong`` is *strong*. More
    strong detections of a product than were scanned, and non-merchandise (``policy.vision_personal``), are strong
    evidence; scanned items the camera did not see are weak evidence (a full basket hides items) and never fail a
    basket on their own when the weight agrees.

The rules, in precedence order (each a small function below)
    1. :func:`_personal_items`: non-merchandise seen (at least ``policy.vision_personal``) → RECHECK
       ``personal_items``.
    2. :func:`_barcode_switch`: a product seen (at least ``policy.vision_switch``; in a small basket with a
       weight, ``policy.vision_switch_small``) but not scanned, a scanned one the detector did not report at
       all, and the weight fits the one in place of the other → FLAG ``product_mismatch``.
    3. :func:`_heavier`: the extra weight is explained by (a) extra strongly seen products → RECHECK
       ``unscanned_item``/``quantity_mismatch``; else, when a weighed (variable-measure) item could carry a
       wrong label → FLAG ``weight_mismatch``; else (b) the best combination of up to two known products →
       RECHECK ``weight_mismatch``/``quantity_mismatch`` suggesting them; else (c) RECHECK ``weight_mismatch``.
       A re-check that is still unexplained (b, c) is FLAGged.
    4. :func:`_lighter`: scanned pieces whose removal explains the deficit → RECHECK ``missing_item`` (remove them
       from the trip); else RECHECK ``weight_mismatch`` (FLAG on a re-check).
    5. :func:`_within_band`: an extra product strongly seen that the weight could not have shown → RECHECK;
       one the weight should have shown → a detection error: PASS. (b) :func:`_corroborated`: the weight leans
       (|z| ≥ ``policy.corroborate_z``) towards a product reported (≥ ``policy.vision_corroborate``) more times
       than scanned, or a scanned one reported fewer times, and those pieces explain the residual → RECHECK
       ``unscanned_item``/``quantity_mismatch`` or ``missing_item``: two weak clues that agree.
    6. Camera only: rules 1, 2 and extra strongly seen products (:func:`_seen_extras`); items not seen → PASS.
    7. An audit trip whose verdict would be PASS → FLAG ``audit`` (the score is kept).

The score
    A suspicion score in [0, 1]: s_w = Φ(|z| − z_limit) (0.5 on the band's edge, ~0 for a perfect weight),
    s_v = the confidence of the strongest detection the verdict rests on (0 if none), raw = 1 − (1 − s_w)(1 − s_v),
    then kept in the verdict's range: PASS ≤ 0.49, RECHECK in [0.5, 0.95], FLAG ≥ 0.8 (a scale fault: ≥ 0.9).

Known weaknesses
    * Without the basket's label (camera down, label hidden) the tare is the policy's basket type that fits the
      weight best: an unscanned item weighing about the difference between two basket types (e.g. 650 g in a
      red basket read as a bare tray) is masked in weight-only mode.
    * The candidate search of rule 3(b) is a suggestion, not proof: many pairs of products weigh about the same,
      so it prefers products that are scanned or seen (``NOT_IN_PLAY_COST``) , fewer pieces and fewer products.
    * In a basket with weighed produce, an unexplained extra weight goes to staff (a label swap cannot be fixed
      by the shopper), even when it was an item hidden from the camera.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from math import prod, sqrt
from statistics import NormalDist
from types import MappingProxyType

from backend.domain.reasons import number
from validation_unit.basket import (
    AUDIT,
    CAMERA_UNAVAILABLE,
    MISSING_ITEM,
    PERSONAL_ITEMS,
    PRODUCT_MISMATCH,
    QUANTITY_MISMATCH,
    SCALE_FAULT,
    UNSCANNED_ITEM,
    WEIGHT_MISMATCH,
    Decision,
    ExpectedBasket,
    Kind,
    Policy,
    Product,
    Reason,
    SeenObject,
    VisionObservation,
    WeightObservation,
)
from validation_unit.fusion.weight import label_sigma_g

Box = tuple[float, float, float, float]

DEFAULT_TARE_SD_G = 5.0  # σ of a basket's tare read from its label when the policy does not know the type
MAX_PIECES = 6  # rule 3(b)/4: at most this many pieces in one candidate combination
PIECE_COST = 0.15  # candidate ranking: each piece beyond the first (in z units)
NOT_IN_PLAY_COST = 0.75  # candidate ranking: a product neither scanned nor seen (a pure weight guess)
PAIR_COST = 1.0  # candidate ranking: a second product in the combination
SEEN_ALL_COST = 1.0  # rule 4 ranking: removing a product the camera saw as often as it was scanned
MAX_EXTRA_COMBOS = 512  # rule 3(a): bound on the subsets of extra detections tried

_NORMAL = NormalDist()
_NO_PRODUCTS: Mapping[str, Product] = MappingProxyType({})


def grams(value: float) -> str:
    """Grams for people: rounded, without sign, with thousands separators (``1,534``), as the reasons write them."""
    return number(value, "en")


# --------------------------------------------------------------------------------------------------
# The facts the rules reason about


@dataclass(frozen=True)
class _Weighing:
    """The weight test for one tare: expected and measured gross weight and the variance of their difference."""

    measured_g: float
    expected_g: float
    variance: float  # before the floor
    tare_g: float
    z_limit: float
    floor_g: float

    def sigma_for(self, delta_var: float = 0.0) -> float:
        return max(sqrt(max(self.variance + delta_var, 0.0)), self.floor_g)

    @property
    def sigma_g(self) -> float:
        return self.sigma_for()

    @property
    def residual_g(self) -> float:
        return self.measured_g - self.expected_g

    @property
    def z(self) -> float:
        return self.residual_g / self.sigma_g

    @property
    def band_g(self) -> float:
        return self.z_limit * self.sigma_g

    def z_if(self, delta_mean: float, delta_var: float) -> float:
        """z of the weight if the basket's content differed from the scan by ``delta_mean`` (± its variance)."""
        return (self.residual_g - delta_mean) / self.sigma_for(delta_var)

    def fits(self, delta_mean: float, delta_var: float) -> bool:
        return abs(self.z_if(delta_mean, delta_var)) <= self.z_limit


@dataclass
class _Sight:
    """What the camera saw, counted: weak and strong detections by GTIN-14, and the non-merchandise."""

    seen: dict[str, int] = field(default_factory=dict)  # confidence ≥ weak
    strong: dict[str, int] = field(default_factory=dict)  # confidence ≥ strong
    best: dict[str, SeenObject] = field(default_factory=dict)  # the most confident detection of each product
    personal: list[SeenObject] = field(default_factory=list)  # non-merchandise at least ``vision_personal``
    reported: dict[str, int] = field(default_factory=dict)  # every product detection the detector reported
    detections: list[SeenObject] = field(default_factory=list)  # ... and the detections themselves
    non_merchandise: int = 0  # weak or strong non-merchandise


@dataclass(frozen=True)
class _Facts:
    """Everything the rules need, computed once."""

    expected: ExpectedBasket
    policy: Policy
    products: Mapping[str, Product]
    scanned: dict[str, int]  # pieces by GTIN-14 (a variable-measure line is one piece)
    pieces: dict[str, list[tuple[float, float]]]  # scanned pieces by GTIN-14: (mean g, variance g²)
    names: dict[str, str]
    weighing: _Weighing | None  # None: camera only, or the scale is not trusted
    sight: _Sight | None  # None: no usable picture

    @property
    def recheck(self) -> bool:
        return self.expected.status == "recheck"

    def name(self, gtin14: str) -> str:
        if gtin14 in self.products:
            return self.products[gtin14].name
        if gtin14 in self.names:
            return self.names[gtin14]
        if self.sight is not None and gtin14 in self.sight.best:
            return self.sight.best[gtin14].label or gtin14
        return gtin14

    def unit_weight(self, gtin14: str) -> tuple[float, float] | None:
        """(mean, variance) of one more piece of a product, or None when its weight is unknown."""
        product = self.products.get(gtin14)
        if product is not None:
            return product.weight_mean_g, product.weight_sd_g**2
        pieces = self.pieces.get(gtin14)
        return pieces[0] if pieces else None

    def extras(self) -> list[tuple[str, int]]:
        """Products strongly seen more often than scanned, with how many more."""
        if self.sight is None:
            return []
        out = [(g, n - self.scanned.get(g, 0)) for g, n in sorted(self.sight.strong.items())]
        return [(g, k) for g, k in out if k > 0]

    def unseen(self) -> list[str]:
        """Scanned products the camera did not see at all."""
        if self.sight is None:
            return []
        return [g for g in sorted(self.scanned) if self.sight.seen.get(g, 0) == 0]

    def in_play(self, gtin14: str) -> bool:
        """Scanned or seen: a candidate with evidence beyond its weight."""
        return gtin14 in self.scanned or (self.sight is not None and gtin14 in self.sight.seen)

    def _best(self, gtin14: str) -> SeenObject | None:
        """The most confident detection of a product (a weak one too: the corroboration rule uses them)."""
        if self.sight is None:
            return None
        if gtin14 in self.sight.best:
            return self.sight.best[gtin14]
        found = [o for o in self.sight.detections if o.gtin14 == gtin14]
        return max(found, key=lambda o: o.confidence) if found else None

    def box(self, gtin14: str) -> Box | None:
        best = self._best(gtin14)
        return None if best is None else best.box

    def confidence(self, gtin14: str) -> float:
        best = self._best(gtin14)
        return 0.0 if best is None else best.confidence


@dataclass
class _Outcome:
    """A rule's verdict before the common parts (camera note, audit, score) are added."""

    kind: Kind
    reasons: list[Reason]
    finding: str = ""  # the explanation's second sentence
    evidence: float = 0.0  # the confidence of the strongest detection the verdict rests on


# --------------------------------------------------------------------------------------------------
# Building the facts


def _scanned_pieces(expected: ExpectedBasket) -> dict[str, list[tuple[float, float]]]:
    """Each scanned piece's (mean, variance): a fixed-weight line's pieces, or a variable-measure line's label."""
    pieces: dict[str, list[tuple[float, float]]] = {}
    for line in expected.lines:
        bucket = pieces.setdefault(line.gtin14, [])
        if line.weight_g is not None:
            bucket.append((float(line.weight_g), label_sigma_g(line.weight_g) ** 2))
        else:
            bucket.extend([(line.weight_mean_g, line.weight_sd_g**2)] * max(line.quantity, 0))
    return pieces


def _tare_options(vision: VisionObservation | None, policy: Policy) -> list[tuple[float, float]]:
    """(tare, σ) candidates: the basket's label when read, else every basket type of the policy."""
    if vision is not None and vision.basket_tare_g is not None:
        sd = next((b.tare_sd_g for b in policy.basket_types if b.name == vision.basket_type), DEFAULT_TARE_SD_G)
        return [(vision.basket_tare_g, sd)]
    return [(b.tare_g, b.tare_sd_g) for b in policy.basket_types] or [(0.0, 0.0)]


def _weigh(
    weight: WeightObservation,
    pieces: Mapping[str, list[tuple[float, float]]],
    vision: VisionObservation | None,
    policy: Policy,
    z_limit: float,
) -> _Weighing:
    """The weight test with the tare of the label, or with the basket type that fits the weight best."""
    content_mean = sum(mean for bucket in pieces.values() for mean, _ in bucket)
    content_var = sum(var for bucket in pieces.values() for _, var in bucket)
    options = [
        _Weighing(
            measured_g=weight.gross_g,
            expected_g=tare + content_mean,
            variance=content_var + weight.sigma_g**2 + tare_sd**2,
            tare_g=tare,
            z_limit=z_limit,
            floor_g=policy.sigma_floor_g,
        )
        for tare, tare_sd in _tare_options(vision, policy)
    ]
    return min(options, key=lambda w: abs(w.z))


def _merge_lookalikes(
    vision: VisionObservation, pieces: Mapping[str, list[tuple[float, float]]], products: Mapping[str, Product]
) -> VisionObservation:
    """Read a detection of a product that was not scanned as its scanned look-alike (same ``lookalike_group``).

    Look-alikes (Cola and Cola Zero cans) cannot be told apart from above; taking one for the other would flag
    honest shoppers. The weight still checks what the camera cannot; a switch between look-alikes is the
    weight's to catch (the issue's switch target counts visually distinct products)."""
    left = {g: len(p) for g, p in pieces.items()}  # scanned pieces not matched by a detection (< 0: extra seen)
    for obj in vision.objects:
        if obj.gtin14 is not None:
            left[obj.gtin14] = left.get(obj.gtin14, 0) - 1
    objects = []
    for obj in sorted(vision.objects, key=lambda o: o.confidence):  # the least sure detections are re-read first
        gtin = obj.gtin14
        product = products.get(gtin) if gtin is not None else None
        if gtin is not None and product is not None and product.lookalike_group and left[gtin] < 0:
            mate = next(
                (
                    g
                    for g, n in left.items()
                    if n > 0 and g in products and products[g].lookalike_group == product.lookalike_group
                ),
                None,
            )
            if mate is not None:
                left[mate] -= 1
                left[gtin] += 1
                obj = replace(obj, gtin14=mate)
        objects.append(obj)
    return replace(vision, objects=tuple(objects))


def _tare_with_extras(
    chosen: _Weighing,
    weight: WeightObservation,
    pieces: Mapping[str, list[tuple[float, float]]],
    vision: VisionObservation,
    policy: Policy,
    sight: _Sight,
    products: Mapping[str, Product],
    scanned: Mapping[str, int],
) -> _Weighing:
    """When the basket's label was not read, the tare is a guess, and the best-fitting guess can swallow an
    unscanned item (a 250 g butter on a 420 g tray weighs like an empty 650 g basket). If the camera strongly
    saw products that were not scanned, prefer the basket type under which those products being there fits
    the weight: the camera's evidence decides between two explanations the weight alone cannot tell apart."""
    if vision.basket_tare_g is not None or len(policy.basket_types) < 2:
        return chosen
    extra_mean = extra_var = 0.0
    for gtin, n in sight.strong.items():
        k = n - scanned.get(gtin, 0)
        product = products.get(gtin)
        if k <= 0 or product is None:
            continue
        extra_mean += k * product.weight_mean_g
        extra_var += k * product.weight_sd_g**2
    if extra_mean <= 0 or chosen.fits(extra_mean, extra_var):
        return chosen
    options = [
        _Weighing(
            measured_g=weight.gross_g,
            expected_g=tare + sum(m for bucket in pieces.values() for m, _ in bucket),
            variance=sum(v for bucket in pieces.values() for _, v in bucket) + weight.sigma_g**2 + sd**2,
            tare_g=tare,
            z_limit=chosen.z_limit,
            floor_g=policy.sigma_floor_g,
        )
        for tare, sd in _tare_options(None, policy)
    ]
    fitting = [w for w in options if w.fits(extra_mean, extra_var)]
    return min(fitting, key=lambda w: abs(w.z_if(extra_mean, extra_var))) if fitting else chosen


def _vouches(sight: _Sight | None, scanned: Mapping[str, int]) -> bool:
    """The camera saw every scanned piece (at least ``vision_weak``), and no other product or object: only then
    does the weight test use the wider fused band; otherwise the weight carries the decision alone."""
    return sight is not None and not sight.non_merchandise and sight.seen == scanned


def _look(vision: VisionObservation, policy: Policy) -> _Sight:
    """Count the usable detections: weak ones below ``vision_weak`` are dropped, strong ones counted apart."""
    sight = _Sight()
    for obj in vision.objects:
        if obj.gtin14 is not None:
            sight.reported[obj.gtin14] = sight.reported.get(obj.gtin14, 0) + 1
            sight.detections.append(obj)
        elif obj.confidence >= policy.vision_personal:
            sight.personal.append(obj)
        if obj.confidence < policy.vision_weak:
            continue
        strong = obj.confidence >= policy.vision_strong
        if obj.gtin14 is None:
            sight.non_merchandise += 1
            continue
        sight.seen[obj.gtin14] = sight.seen.get(obj.gtin14, 0) + 1
        if strong:
            sight.strong[obj.gtin14] = sight.strong.get(obj.gtin14, 0) + 1
        best = sight.best.get(obj.gtin14)
        if best is None or obj.confidence > best.confidence:
            sight.best[obj.gtin14] = obj
    return sight


# --------------------------------------------------------------------------------------------------
# Wording


def _pieces_text(items: Sequence[tuple[str, int]], facts: _Facts, more: bool = False) -> str:
    """``1× A and 2× B``; with ``more``, pieces of scanned products read ``2× more B``."""
    parts = [f"{k}× {'more ' if more and facts.scanned.get(g) else ''}{facts.name(g)}" for g, k in items]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _weight_sentence(facts: _Facts) -> str:
    """The explanation's first sentence: how the weight compares with the scan, with the band people can check."""
    w = facts.weighing
    assert w is not None
    expected = f"expected {grams(w.expected_g)} ± {grams(w.band_g)} g"
    prefix = "Weighed without the camera: the" if facts.sight is None else "The"
    if w.residual_g > w.band_g:
        return f"{prefix} basket weighs {grams(w.residual_g)} g more than the scanned items ({expected})."
    if w.residual_g < -w.band_g:
        return f"{prefix} basket weighs {grams(w.residual_g)} g less than the scanned items ({expected})."
    return f"{prefix} basket weight matches the scanned items ({grams(w.measured_g)} g, {expected})."


def _extra_reasons(items: Sequence[tuple[str, int]], facts: _Facts, why: str) -> list[Reason]:
    """UNSCANNED_ITEM for products not scanned at all, QUANTITY_MISMATCH for more pieces than scanned; ``why``
    names the sentence part that says why (``why.<why>`` in the reason texts)."""
    reasons = []
    for g, k in items:
        scanned = facts.scanned.get(g, 0)
        code, key, counts = (
            (UNSCANNED_ITEM, "unscanned", {})
            if scanned == 0
            else (QUANTITY_MISMATCH, "quantity", {"scanned": scanned, "total": scanned + k})
        )
        reasons.append(
            Reason.worded(code, key, gtin14=g, quantity=k, box=facts.box(g), name=facts.name(g), why=why, **counts)
        )
    return reasons


def _not_scanned_finding(items: Sequence[tuple[str, int]], facts: _Facts, note: str = "") -> str:
    """``The camera saw 1× A that was not scanned and 2× B more than scanned``."""
    more = [(g, k) for g, k in items if facts.scanned.get(g, 0)]
    new = [(g, k) for g, k in items if not facts.scanned.get(g, 0)]
    parts = []
    if new:
        parts.append(
            f"{_pieces_text(new, facts)} that {'was' if len(new) == 1 and new[0][1] == 1 else 'were'} not scanned"
        )
    if more:
        parts.append(f"{_pieces_text(more, facts)} more than scanned")
    return f"The camera saw {' and '.join(parts)}{note}."


# --------------------------------------------------------------------------------------------------
# Candidate search (rules 3b and 4)


@dataclass(frozen=True)
class _Option:
    """k pieces of one product (or one variable-measure line) as a change to the basket's content."""

    key: str  # pairs never combine two options with the same key
    gtin14: str
    pieces: int
    mean: float  # added to the expected content (negative: removed)
    var: float
    cost: float  # ranking penalty beyond |z|


def _best_combo(options: Sequence[_Option], weighing: _Weighing) -> tuple[tuple[_Option, ...], float] | None:
    """The single option or pair of options that best explains the residual within the band, with its z.

    Ranked by |z| + the options' costs (+ ``PAIR_COST`` for a pair). Singles are tried first; pairs are then
    found by bisecting the options sorted by mean, in a window no wider than what could still beat the best so
    far, so the search is O(n log n + hits) rather than O(n²)."""
    if not options:
        return None
    ordered = sorted(options, key=lambda o: o.mean)
    means = [o.mean for o in ordered]
    max_var = max(o.var for o in ordered)
    min_cost = min(o.cost for o in ordered)
    limit = weighing.z_limit
    best: tuple[tuple[_Option, ...], float] | None = None
    best_cost = float("inf")
    for a in ordered:
        z = weighing.z_if(a.mean, a.var)
        if abs(z) <= limit and abs(z) + a.cost < best_cost:
            best, best_cost = ((a,), z), abs(z) + a.cost
    target = weighing.residual_g
    for i, a in enumerate(ordered):
        budget = min(limit, best_cost - a.cost - min_cost - PAIR_COST)  # the largest |z| that could still win
        if a.pieces >= MAX_PIECES or budget < 0:
            continue
        window = budget * weighing.sigma_for(a.var + max_var)
        lo = bisect_left(means, target - a.mean - window, lo=i + 1)
        hi = bisect_right(means, target - a.mean + window, lo=lo)
        for b in ordered[lo:hi]:
            fixed = a.cost + b.cost + PAIR_COST
            if fixed >= best_cost or b.key == a.key or a.pieces + b.pieces > MAX_PIECES:
                continue
            z = weighing.z_if(a.mean + b.mean, a.var + b.var)
            if abs(z) <= limit and abs(z) + fixed < best_cost:
                best, best_cost = ((a, b), z), abs(z) + fixed
    return best


def _addition_options(facts: _Facts) -> list[_Option]:
    """More pieces of any known fixed-weight product (by-weight produce varies too much to name)."""
    catalog: dict[str, tuple[float, float]] = {}
    for g, product in facts.products.items():
        if not product.by_weight:
            catalog[g] = (product.weight_mean_g, product.weight_sd_g**2)
    for line in facts.expected.lines:
        if not line.variable and line.gtin14 not in catalog:
            catalog[line.gtin14] = (line.weight_mean_g, line.weight_sd_g**2)
    options = []
    for g, (mean, var) in catalog.items():
        if mean <= 0:
            continue
        base = 0.0 if facts.in_play(g) else NOT_IN_PLAY_COST
        for k in range(1, MAX_PIECES + 1):
            options.append(_Option(g, g, k, k * mean, k * var, base + PIECE_COST * (k - 1)))
    return options


def _removal_options(facts: _Facts) -> list[_Option]:
    """Scanned pieces that may not be in the basket: up to the scanned count of a product, or a whole line."""
    options = []
    sight = facts.sight
    for index, line in enumerate(facts.expected.lines):
        seen_all = sight is not None and sight.seen.get(line.gtin14, 0) >= facts.scanned.get(line.gtin14, 0)
        base = SEEN_ALL_COST if seen_all else 0.0
        if line.weight_g is not None:
            var = label_sigma_g(line.weight_g) ** 2
            options.append(_Option(f"{line.gtin14}#{index}", line.gtin14, 1, -float(line.weight_g), -var, base))
            continue
        for k in range(1, min(line.quantity, MAX_PIECES) + 1):
            mean, var = -k * line.weight_mean_g, -k * line.weight_sd_g**2
            options.append(_Option(f"{line.gtin14}#{index}", line.gtin14, k, mean, var, base + PIECE_COST * (k - 1)))
    return options


def _combine(combo: Sequence[_Option]) -> list[tuple[str, int]]:
    """Pieces by GTIN-14 (two lines of the same product add up), in the combination's order."""
    out: dict[str, int] = {}
    for option in combo:
        out[option.gtin14] = out.get(option.gtin14, 0) + option.pieces
    return list(out.items())


# --------------------------------------------------------------------------------------------------
# The rules


def _personal_items(facts: _Facts) -> _Outcome | None:
    """Rule 1: non-merchandise seen: the shopper takes it out and places the basket again."""
    if facts.sight is None or not facts.sight.personal:
        return None
    objects = facts.sight.personal
    reasons = [Reason.worded(PERSONAL_ITEMS, "personal", box=o.box, label=o.label or "personal item") for o in objects]
    labels = ", ".join(sorted({o.label or "personal item" for o in objects}))
    return _Outcome(
        "RECHECK",
        reasons,
        f"The camera saw personal items ({labels}) in the basket.",
        evidence=max(o.confidence for o in objects),
    )


def _switch_delta(facts: _Facts, scanned: str, placed: str, n: int) -> tuple[float, float] | None:
    """(mean, variance) change of the content if ``n`` pieces of ``scanned`` were ``placed`` instead."""
    placed_weight = facts.unit_weight(placed)
    if placed_weight is None:
        return None
    removed = facts.pieces.get(scanned, [])[:n]
    mean = n * placed_weight[0] - sum(m for m, _ in removed)
    var = n * placed_weight[1] - sum(v for _, v in removed)
    return mean, var


def _barcode_switch(facts: _Facts) -> _Outcome | None:
    """Rule 2: a product strongly seen but not scanned where a scanned one is not seen at all, and the weight
    fits the placed product in place of the scanned one (always, camera only): staff check the basket."""
    sight = facts.sight
    if sight is None:
        return None
    policy = facts.policy
    # The lower bar of a small basket needs the weight as the second clue (never on the camera alone).
    small = facts.weighing is not None and sum(facts.scanned.values()) <= policy.small_basket_pieces
    threshold = min(policy.vision_switch, policy.vision_switch_small) if small else policy.vision_switch
    placed_seen: dict[str, int] = {}
    for obj in sight.detections:
        if obj.gtin14 is not None and obj.confidence >= threshold and facts.scanned.get(obj.gtin14, 0) == 0:
            placed_seen[obj.gtin14] = placed_seen.get(obj.gtin14, 0) + 1
    extras = sorted(placed_seen.items())
    unseen = [g for g in sorted(facts.scanned) if sight.reported.get(g, 0) == 0]
    weighing = facts.weighing
    best: tuple[float, str, str, int] | None = None
    for placed, extra in extras:
        for scanned in unseen:
            n = min(extra, facts.scanned[scanned])
            if weighing is None:
                score = 0.0
            else:
                # unknown weight of the placed product: a switch only if the weight agrees with the scan as it is
                delta = _switch_delta(facts, scanned, placed, n)
                score = abs(weighing.z) if delta is None else abs(weighing.z_if(*delta))
                if score > weighing.z_limit:
                    continue
            if best is None or score < best[0]:
                best = (score, scanned, placed, n)
    if best is None:
        return None
    _, scanned, placed, n = best
    reason = Reason.worded(
        PRODUCT_MISMATCH,
        "switch",
        gtin14=placed,
        quantity=n,
        box=facts.box(placed),
        name=facts.name(placed),
        scanned_name=facts.name(scanned),
        scanned_gtin14=scanned,
    )
    finding = f"The camera saw {n}× {facts.name(placed)} where {n}× {facts.name(scanned)} was scanned."
    return _Outcome("FLAG", [reason], finding, evidence=facts.confidence(placed))


def _explain_with_extras(
    facts: _Facts, extras: Sequence[tuple[str, int, float, float]]
) -> list[tuple[str, int]] | None:
    """Rule 3(a): the subset of extra strongly seen pieces whose weights explain the residual best."""
    weighing = facts.weighing
    assert weighing is not None
    caps = [k for _, k, _, _ in extras]
    if prod(c + 1 for c in caps) > MAX_EXTRA_COMBOS:
        caps = [min(c, MAX_PIECES) for c in caps]
    ranges: list[Sequence[int]] = [range(c + 1) for c in caps]
    if prod(len(r) for r in ranges) > MAX_EXTRA_COMBOS:
        ranges = [(0, c) for c in caps]  # all or nothing of each product
    best: tuple[float, list[tuple[str, int]]] | None = None
    for ks in itertools.product(*ranges):
        if not any(ks):
            continue
        mean = sum(k * m for k, (_, _, m, _) in zip(ks, extras, strict=True))
        var = sum(k * v for k, (_, _, _, v) in zip(ks, extras, strict=True))
        z = abs(weighing.z_if(mean, var))
        if z <= weighing.z_limit and (best is None or z < best[0]):
            best = (z, [(g, k) for k, (g, _, _, _) in zip(ks, extras, strict=True) if k])
    return None if best is None else best[1]


def _weighed_label_may_be_wrong(facts: _Facts) -> bool:
    """A variable-measure line whose product is seen (or no camera): its label may belong to a lighter bag."""
    sight = facts.sight
    return any(line.variable and (sight is None or sight.seen.get(line.gtin14, 0) > 0) for line in facts.expected.lines)


def _unexplained(facts: _Facts, key: str, ask: str, finding: str) -> _Outcome:
    """RECHECK WEIGHT_MISMATCH (the sentence ``key``) asking the shopper to ``ask``, or FLAG when this already is
    the re-check (staff check)."""
    off = round(abs(facts.weighing.residual_g)) if facts.weighing is not None else 0
    if facts.recheck:
        return _Outcome("FLAG", [Reason.worded(WEIGHT_MISMATCH, key, grams=off, ask="staff")], finding)
    return _Outcome("RECHECK", [Reason.worded(WEIGHT_MISMATCH, key, grams=off, ask=ask)], finding)


def _heavier(facts: _Facts) -> _Outcome:
    """Rule 3: the basket is heavier than the band: find what is in it that was not scanned."""
    weighing = facts.weighing
    assert weighing is not None
    known: list[tuple[str, int, float, float]] = []
    unknown: list[tuple[str, int]] = []
    for g, k in facts.extras():
        unit = facts.unit_weight(g)
        if unit is None:
            unknown.append((g, k))
        else:
            known.append((g, k, unit[0], unit[1]))
    explained = _explain_with_extras(facts, known) if known else None
    if explained:
        return _Outcome(
            "RECHECK",
            _extra_reasons(explained, facts, "seen_weight"),
            _not_scanned_finding(explained, facts),
            evidence=max(facts.confidence(g) for g, _ in explained),
        )
    if unknown:  # seen, weight unknown, and the basket is heavier: consistent
        return _Outcome(
            "RECHECK",
            _extra_reasons(unknown, facts, "seen"),
            _not_scanned_finding(unknown, facts),
            evidence=max(facts.confidence(g) for g, _ in unknown),
        )
    if _weighed_label_may_be_wrong(facts):
        reason = Reason.worded(WEIGHT_MISMATCH, "label_weight", grams=round(weighing.residual_g))
        return _Outcome("FLAG", [reason], "A weighed item's label may not match its bag, or an item was not scanned.")
    found = _best_combo(_addition_options(facts), weighing)
    if found is not None:
        items = _combine(found[0])
        pieces = [[k, facts.name(g)] for g, k in items]
        reasons = []
        for g, k in items:
            code = QUANTITY_MISMATCH if facts.scanned.get(g) else WEIGHT_MISMATCH
            if facts.recheck:
                ask = "staff"
            else:
                ask = "scan_more_" if code == QUANTITY_MISMATCH else "scan_if_present_"
                ask += "one" if k == 1 else "other"
            reasons.append(
                Reason.worded(
                    code,
                    "could_be",
                    gtin14=g,
                    quantity=k,
                    box=facts.box(g),
                    name=facts.name(g),
                    grams=round(weighing.residual_g),
                    items=pieces,
                    ask=ask,
                )
            )
        return _Outcome(
            "FLAG" if facts.recheck else "RECHECK",
            reasons,
            f"It could be {_pieces_text(items, facts, more=True)}, not scanned.",
        )
    return _unexplained(facts, "weight_more", "check_scanned", "Nothing scanned or seen explains the extra weight.")


def _lighter(facts: _Facts) -> _Outcome:
    """Rule 4: the basket is lighter than the band: find the scanned pieces that are not in it."""
    weighing = facts.weighing
    assert weighing is not None
    found = _best_combo(_removal_options(facts), weighing)
    if found is not None:
        items = _combine(found[0])
        reasons = [
            Reason.worded(
                MISSING_ITEM, "missing", gtin14=g, quantity=k, name=facts.name(g), grams=round(-weighing.residual_g)
            )
            for g, k in items
        ]
        text = _pieces_text(items, facts)
        return _Outcome("RECHECK", reasons, f"{text} scanned {'is' if len(items) == 1 else 'are'} not in the basket.")
    return _unexplained(facts, "weight_less", "check_present", "No scanned item explains the missing weight.")


def _within_band(facts: _Facts) -> _Outcome:
    """Rule 5: the weight agrees. Extra detections the weight could not have shown are asked about; extra
    detections the weight should have shown but does not are a detection error (PASS)."""
    weighing = facts.weighing
    assert weighing is not None
    light_g = facts.policy.light_item_e * facts.policy.scale_e_g + weighing.band_g
    hidden: list[tuple[str, int]] = []
    mistaken: list[tuple[str, int]] = []
    for g, k in facts.extras():
        unit = facts.unit_weight(g)
        if unit is None or k * unit[0] <= light_g or weighing.fits(k * unit[0], k * unit[1]):
            hidden.append((g, k))
        else:
            mistaken.append((g, k))
    if hidden:
        return _Outcome(
            "RECHECK",
            _extra_reasons(hidden, facts, "seen_light"),
            _not_scanned_finding(hidden, facts, ", too light for the scale to tell"),
            evidence=max(facts.confidence(g) for g, _ in hidden),
        )
    corroborated = _corroborated(facts, weighing)
    if corroborated is not None:
        return corroborated
    if mistaken:
        text = _pieces_text(mistaken, facts)
        return _Outcome("PASS", [], f"The camera also reported {text}, but the weight shows it is not there.")
    return _Outcome("PASS", [])


def _corroborated(facts: _Facts, weighing: _Weighing) -> _Outcome | None:
    """Rule 5(b): the weight is inside the band but leans (|z| ≥ ``corroborate_z``) towards a product the camera
    reported more (heavier) or fewer (lighter) times than scanned, and that difference explains the residual:
    two weak clues that agree → RECHECK."""
    policy, sight = facts.policy, facts.sight
    if sight is None or policy.corroborate_z <= 0 or abs(weighing.z) < policy.corroborate_z:
        return None
    counts: dict[str, int] = {}
    for obj in sight.detections:
        if obj.confidence >= policy.vision_corroborate and obj.gtin14 is not None:
            counts[obj.gtin14] = counts.get(obj.gtin14, 0) + 1
    heavier = weighing.z > 0
    best: tuple[float, str, int] | None = None
    for g in sorted(set(counts) | set(facts.scanned)):
        k = (
            counts.get(g, 0) - facts.scanned.get(g, 0)
            if heavier
            else facts.scanned.get(g, 0) - sight.reported.get(g, 0)
        )
        unit = facts.unit_weight(g)
        product = facts.products.get(g)
        weighed_produce = product is not None and product.by_weight  # its scanned label weight varies per bag
        if k <= 0 or unit is None or (weighed_produce and not heavier):
            continue
        sign = 1 if heavier else -1
        z = abs(weighing.z_if(sign * k * unit[0], k * unit[1]))
        if z <= policy.corroborate_fit and z < abs(weighing.z) and (best is None or z < best[0]):
            best = (z, g, k)
    if best is None:
        return None
    _, g, k = best
    if heavier:
        return _Outcome(
            "RECHECK",
            _extra_reasons([(g, k)], facts, "seen_heavier"),
            _not_scanned_finding([(g, k)], facts, ", and the weight leans the same way"),
            evidence=facts.confidence(g),
        )
    reason = Reason.worded(
        MISSING_ITEM, "missing_unseen", gtin14=g, quantity=k, name=facts.name(g), grams=round(-weighing.residual_g)
    )
    return _Outcome("RECHECK", [reason], f"{_pieces_text([(g, k)], facts)} scanned may not be in the basket.")


def _seen_extras(facts: _Facts) -> _Outcome:
    """Rule 6 (camera only): extra strongly seen products are asked about; items not seen are occlusion."""
    extras = facts.extras()
    if not extras:
        return _Outcome("PASS", [], "The camera saw nothing that was not scanned.")
    return _Outcome(
        "RECHECK",
        _extra_reasons(extras, facts, "seen"),
        _not_scanned_finding(extras, facts),
        evidence=max(facts.confidence(g) for g, _ in extras),
    )


def _scale_fault(facts: _Facts, weight: WeightObservation) -> _Outcome:
    """The scale reported a fault: the weight cannot be trusted, staff check; what the camera found is added."""
    detail = f" ({weight.fault})" if weight.fault else ""
    worded = Reason.worded(SCALE_FAULT, "scale_fault_detail", fault=weight.fault) if weight.fault else None
    reasons = [worded or Reason.worded(SCALE_FAULT, "scale_fault")]
    finding = f"The scale reported a fault{detail}, so the weight cannot be trusted."
    evidence = 0.0
    if facts.sight is not None:
        seen = _personal_items(facts) or _barcode_switch(facts) or _seen_extras(facts)
        if seen.kind != "PASS":
            reasons.extend(seen.reasons)
            finding = f"{finding} {seen.finding}"
            evidence = seen.evidence
    return _Outcome("FLAG", reasons, finding, evidence)


# --------------------------------------------------------------------------------------------------
# The decision


def _score(kind: Kind, weighing: _Weighing | None, evidence: float, scale_fault: bool) -> float:
    """Suspicion in [0, 1] (see the module docstring): weight and vision evidence, kept in the verdict's range."""
    s_w = _NORMAL.cdf(abs(weighing.z) - weighing.z_limit) if weighing is not None else 0.0
    raw = 1.0 - (1.0 - s_w) * (1.0 - min(max(evidence, 0.0), 1.0))
    if kind == "PASS":
        return round(min(raw, 0.49), 4)
    if kind == "RECHECK":
        return round(min(max(raw, 0.5), 0.95), 4)
    return round(max(raw, 0.9 if scale_fault else 0.8), 4)


def decide(
    expected: ExpectedBasket,
    weight: WeightObservation | None,
    vision: VisionObservation | None,
    policy: Policy,
    products: Mapping[str, Product] = _NO_PRODUCTS,
) -> Decision:
    """The verdict on one weighing of a basket.

    ``weight`` None: decide on the camera only; ``vision`` None or ``camera_ok`` False: decide on the weight only
    (stricter band, CAMERA_UNAVAILABLE reason); both missing: ValueError. ``products`` (GTIN-14 → Product) gives
    the weights of products that were not scanned, for explaining a residual; without it only scanned products
    are candidates. The rules and the score are described in the module docstring."""
    camera_down = vision is None or not vision.camera_ok
    if weight is None and camera_down:
        raise ValueError("decide needs a weight or a usable picture, got neither")
    pieces = _scanned_pieces(expected)
    scanned = expected.counts()
    if vision is not None and not camera_down:
        vision = _merge_lookalikes(vision, pieces, products)
    sight = None if camera_down or vision is None else _look(vision, policy)
    weighing = None
    if weight is not None:
        weighing = _weigh(weight, pieces, vision, policy, policy.z(weight_only=not _vouches(sight, scanned)))
    if weight is not None and weighing is not None and sight is not None and vision is not None:
        weighing = _tare_with_extras(weighing, weight, pieces, vision, policy, sight, products, scanned)
    trusted = weighing if weight is not None and weight.scale_ok else None
    facts = _Facts(
        expected=expected,
        policy=policy,
        products=products,
        scanned=scanned,
        pieces=pieces,
        names={line.gtin14: line.name for line in expected.lines},
        weighing=trusted,
        sight=sight,
    )

    scale_fault = weight is not None and not weight.scale_ok
    outcome: _Outcome
    if weight is not None and not weight.scale_ok:
        outcome = _scale_fault(facts, weight)
        first = ""
    elif trusted is None:
        outcome = _personal_items(facts) or _barcode_switch(facts) or _seen_extras(facts)
        first = "Decided on the camera only (no weight)."
    else:
        first = _weight_sentence(facts)
        outcome = _personal_items(facts) or _barcode_switch(facts) or _by_weight(facts, trusted)

    reasons = list(outcome.reasons)
    if camera_down:
        if vision is not None and vision.problem:
            reasons.append(Reason.worded(CAMERA_UNAVAILABLE, "camera_unavailable_problem", problem=vision.problem))
        else:
            reasons.append(Reason.worded(CAMERA_UNAVAILABLE, "camera_unavailable"))
    kind = outcome.kind
    score = _score(kind, trusted, outcome.evidence if kind != "PASS" else 0.0, scale_fault)
    finding = outcome.finding
    if kind == "PASS" and expected.audit:
        kind = "FLAG"
        reasons.insert(0, Reason.worded(AUDIT, "audit"))
        finding = f"{finding} This trip was chosen for a random check by staff.".strip()
    explanation = " ".join(part for part in (first, finding) if part)

    return Decision(
        kind=kind,
        reasons=tuple(reasons),
        score=score,
        explanation=explanation,
        expected_g=None if weighing is None else round(weighing.expected_g, 1),
        sigma_g=None if weighing is None else round(weighing.sigma_g, 2),
        measured_g=None if weight is None else weight.gross_g,
        tare_g=0.0 if weighing is None else weighing.tare_g,
        residual_g=None if weighing is None else round(weighing.residual_g, 1),
        z=None if weighing is None else round(weighing.z, 3),
        seen=dict(sight.seen) if sight is not None else {},
        non_merchandise=sight.non_merchandise if sight is not None else 0,
        weight_only=camera_down,
    )


def _by_weight(facts: _Facts, weighing: _Weighing) -> _Outcome:
    """Rules 3–5: heavier, lighter or within the band."""
    if weighing.residual_g > weighing.band_g:
        return _heavier(facts)
    if weighing.residual_g < -weighing.band_g:
        return _lighter(facts)
    return _within_band(facts)
