"""The model's verdict (``policy.decision = "model"``), stated in a paragraph:

Every hypothesis H (the basket as scanned, or one small edit of it: a product added, more pieces, pieces
missing, a switch, personal items, or "something else" of unknown weight) gets

    P(H | observations) ∝ prior(H) × p(weight | H) × p(detections | H)

with the weight Gaussian (per-piece μ/σ, label weights, scale noise, tare averaged over the basket types when
the label is not read) and the detections scored per product by the fitted camera model. PASS when
P(scanned) ≥ ``policy.pass_probability``; otherwise the likeliest kind of edit decides: one the shopper can fix
(an item to scan, a piece to remove from the trip, a personal item to take out) is a RECHECK that names the
items, a switch is a FLAG, and "something else" is a RECHECK asking to check the basket (a FLAG on the re-check,
or when a weighed item's label may be wrong). A faulty scale is a FLAG; an audit trip that would pass is a FLAG.
The score is 1 − P(scanned), kept in the verdict's range.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from math import exp, log
from pathlib import Path

from validation_unit.basket import (
    AUDIT,
    CAMERA_UNAVAILABLE,
    SCALE_FAULT,
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
from validation_unit.fusion import wording
from validation_unit.fusion.camera import Calibration, CameraView, camera_view, load_default
from validation_unit.fusion.hypotheses import OTHER_G, PERSONAL_G, Hypothesis, hypotheses
from validation_unit.fusion.weight import Weighing, weighing

FIXABLE = ("unscanned", "quantity", "missing", "personal")
SEEN_CONFIDENCE = 0.5  # a detection at least this confident counts in ``Decision.seen``


@lru_cache(maxsize=8)
def _calibration(path: str) -> Calibration:
    return Calibration.load(Path(path)) if path else load_default()


def _catalog(expected: ExpectedBasket, products: Mapping[str, Product]) -> dict[str, Product]:
    """The products that can be added or placed instead, with the scanned ones even when not in ``products``."""
    out = dict(products)
    for line in expected.lines:
        if line.gtin14 not in out:
            out[line.gtin14] = Product(line.gtin14, line.name, line.weight_mean_g, line.weight_sd_g, line.variable)
    return out


def _weight_term(h: Hypothesis, w: Weighing, catalog: Mapping[str, Product], pieces: Mapping[str, float]) -> float:
    if h.kind == "other":
        return w.log_likelihood_uniform(-OTHER_G, OTHER_G)
    if h.kind == "personal":
        return w.log_likelihood_uniform(h.personal * PERSONAL_G[0], h.personal * PERSONAL_G[1])
    mean = var = 0.0
    for g, k in h.change.items():
        p = catalog[g]
        if k < 0 and g in pieces:  # removing scanned pieces: their own weights
            mean += k * pieces[g]
        else:
            mean += k * p.weight_mean_g
        var += abs(k) * p.weight_sd_g**2 * (1 if k > 0 else -1)
    return w.log_likelihood(mean, var)


def _camera_term(h: Hypothesis, cam: CameraView, scanned: Mapping[str, int], base: Mapping[str, float]) -> float:
    """log p(detections | H) − log p(detections | scanned): only the products H changes (and their look-alikes)."""
    total = 0.0
    if h.change:
        content = h.content(scanned)
        touched = set(h.change)
        for g in list(touched):
            product = cam.catalog.get(g)
            if product is not None and product.lookalike_group:
                touched |= {m for m in cam.catalog if cam.catalog[m].lookalike_group == product.lookalike_group}
        for g in touched:
            if g in base or g in content or g in cam.products:
                total += cam.product_term(g, content) - base.get(g, cam.product_term(g, scanned))
    if h.personal:
        total += cam.personal_term(h.personal) - cam.personal_term(0)
    return total


def posterior(
    expected: ExpectedBasket,
    weight: Weighing | None,
    cam: CameraView | None,
    catalog: Mapping[str, Product],
    policy: Policy,
) -> list[tuple[Hypothesis, float]]:
    """Every hypothesis with its posterior probability, likeliest first."""
    scanned = expected.counts()
    fixed: dict[str, int] = {}
    per_piece: dict[str, float] = {}
    for line in expected.lines:
        if not line.variable:
            fixed[line.gtin14] = fixed.get(line.gtin14, 0) + line.quantity
            per_piece[line.gtin14] = line.weight_mean_g
    hyps = hypotheses(
        scanned,
        fixed,
        catalog,
        policy.prior_not_as_scanned,
        with_weight=weight is not None,
        with_camera=cam is not None,
    )
    base = {g: cam.product_term(g, scanned) for g in set(scanned) | set(cam.products)} if cam is not None else {}
    scores = []
    for h in hyps:
        s = h.log_prior
        if weight is not None:
            s += _weight_term(h, weight, catalog, per_piece)
        if cam is not None:
            s += _camera_term(h, cam, scanned, base)
        scores.append(s)
    top = max(scores)
    probs = [exp(s - top) for s in scores]
    total = sum(probs)
    ranked = sorted(zip(hyps, (p / total for p in probs), strict=True), key=lambda hp: -hp[1])
    return ranked


def _score(kind: Kind, p_scanned: float, scale_fault: bool) -> float:
    raw = 1.0 - p_scanned
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
    products: Mapping[str, Product],
) -> Decision:
    """The verdict on one weighing (see the module docstring); the same contract as the cascade's."""
    camera_down = vision is None or not vision.camera_ok
    if weight is None and camera_down:
        raise ValueError("decide needs a weight or a usable picture, got neither")
    catalog = _catalog(expected, products)
    scanned = expected.counts()
    objects: tuple[SeenObject, ...] = () if camera_down or vision is None else vision.objects
    cam = None
    if not camera_down:
        cam = camera_view(objects, sum(scanned.values()), _calibration(policy.camera_calibration), catalog)
    w = weighing(weight, expected, vision, policy) if weight is not None else None
    scale_fault = weight is not None and not weight.scale_ok
    trusted = None if scale_fault else w
    ranked = posterior(expected, trusted, cam, catalog, policy)
    p_scanned = next(p for h, p in ranked if h.kind == "scanned")

    mass: dict[str, float] = {}
    for h, p in ranked:
        if h.kind != "scanned":
            mass[h.kind] = mass.get(h.kind, 0.0) + p
    best_kind = max(mass, key=lambda k: mass[k]) if mass else "scanned"
    best = [h for h, _ in ranked if h.kind == best_kind]

    seen: dict[str, int] = {}
    non_merchandise = 0
    best_objects: dict[str | None, SeenObject] = {}
    for o in objects:
        if o.confidence >= SEEN_CONFIDENCE:
            if o.gtin14 is None:
                non_merchandise += 1
            else:
                seen[o.gtin14] = seen.get(o.gtin14, 0) + 1
        if o.gtin14 not in best_objects or o.confidence > best_objects[o.gtin14].confidence:
            best_objects[o.gtin14] = o

    def name(gtin14: str) -> str:
        if gtin14 in catalog:
            return catalog[gtin14].name
        obj = best_objects.get(gtin14)
        return (obj.label if obj else "") or gtin14

    recheck = expected.status == "recheck"
    residual = trusted.residual_g() if trusted is not None else None
    reasons: list[Reason] = []
    kind: Kind = "PASS"
    if scale_fault:
        kind = "FLAG"
        assert weight is not None
        reasons.append(
            Reason.worded(SCALE_FAULT, "scale_fault_detail", fault=weight.fault)
            if weight.fault
            else Reason.worded(SCALE_FAULT, "scale_fault")
        )
    if p_scanned < policy.pass_probability and best:
        found = wording.reasons_for(
            best,
            name=name,
            scanned=scanned,
            seen=seen,
            best_object=best_objects.get,
            residual_g=residual,
            recheck=recheck,
        )
        if best_kind in FIXABLE:
            kind = "FLAG" if scale_fault else "RECHECK"
        elif best_kind == "switch":
            kind = "FLAG"
        else:  # something else: ask once, then staff (at once when a weighed item's label may be wrong)
            produce = any(line.variable for line in expected.lines)
            kind = "FLAG" if scale_fault or recheck or produce else "RECHECK"
            if produce and not recheck:
                found = [wording.label_reason(round(residual or 0))] if (residual or 0) > 0 else found
        reasons.extend(found)
    if camera_down:
        if vision is not None and vision.problem:
            reasons.append(Reason.worded(CAMERA_UNAVAILABLE, "camera_unavailable_problem", problem=vision.problem))
        else:
            reasons.append(Reason.worded(CAMERA_UNAVAILABLE, "camera_unavailable"))
    score = _score(kind, p_scanned, scale_fault)
    first = "The scale reported a fault, so the weight cannot be trusted." if scale_fault else ""
    if trusted is not None:
        first = wording.weight_sentence(residual, trusted.expected_g(), trusted.sigma_g(), cam is not None)
    elif not scale_fault:
        first = wording.weight_sentence(None, None, None, True)
    text = wording.explanation(first, ranked, p_scanned, name)
    if kind == "PASS" and expected.audit:
        kind = "FLAG"
        reasons.insert(0, Reason.worded(AUDIT, "audit"))
        text += " This trip was chosen for a random check by staff."
    return Decision(
        kind=kind,
        reasons=tuple(reasons),
        score=score,
        explanation=text,
        expected_g=None if w is None else round(w.expected_g(), 1),
        sigma_g=None if w is None else round(w.sigma_g(), 2),
        measured_g=None if weight is None else weight.gross_g,
        tare_g=0.0 if w is None else w.best_tare()[0],
        residual_g=None if w is None else round(w.residual_g(), 1),
        z=None if w is None else round(w.z(), 3),
        seen=seen,
        non_merchandise=non_merchandise,
        weight_only=camera_down,
    )


def log_odds(p: float) -> float:
    """log(p / (1 − p)), for reports."""
    p = min(max(p, 1e-12), 1 - 1e-12)
    return log(p / (1 - p))
