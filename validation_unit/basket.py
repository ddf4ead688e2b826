"""What the validation unit reasons about, as plain data: the basket the shopper scanned, what the scale and
the camera observed, the store's policy, and the decision.

These dataclasses are the contract between the I/O edges (backend client, scale, camera, detector) and the
pure decision (:func:`validation_unit.fusion.decide`). Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Literal

from backend.domain.reasons import ReasonCode, english

Kind = Literal["PASS", "RECHECK", "FLAG"]

# Reason codes (also used by the scenario files' ``expect.reasons``): one enum, shared with the backend.
UNSCANNED_ITEM = ReasonCode.UNSCANNED_ITEM
MISSING_ITEM = ReasonCode.MISSING_ITEM
QUANTITY_MISMATCH = ReasonCode.QUANTITY_MISMATCH
PRODUCT_MISMATCH = ReasonCode.PRODUCT_MISMATCH
WEIGHT_MISMATCH = ReasonCode.WEIGHT_MISMATCH
PERSONAL_ITEMS = ReasonCode.PERSONAL_ITEMS
CAMERA_UNAVAILABLE = ReasonCode.CAMERA_UNAVAILABLE
SCALE_FAULT = ReasonCode.SCALE_FAULT
AUDIT = ReasonCode.AUDIT
REASON_CODES = tuple(ReasonCode)


@dataclass(frozen=True)
class ExpectedLine:
    """One line of the scanned basket (from the backend's ``GET /v1/units/me/session``)."""

    gtin14: str
    name: str
    quantity: int
    weight_mean_g: float  # per piece
    weight_sd_g: float  # per piece
    weight_g: int | None = None  # variable-measure label: the line's weight from its barcode
    line_key: str = ""
    unit_price_minor: int = 0

    @property
    def variable(self) -> bool:
        return self.weight_g is not None


@dataclass(frozen=True)
class ExpectedBasket:
    """The trip as scanned. ``attempt`` counts this trip's validations so far (a re-check is attempt 2)."""

    trip_id: str
    trip_version: int
    lines: tuple[ExpectedLine, ...]
    audit: bool = False
    status: str = "checking_out"  # the trip's status: "checking_out" or "recheck" (after a RECHECK verdict)

    @classmethod
    def from_session(cls, session: dict[str, Any]) -> ExpectedBasket:
        """From the backend's session JSON (a bound trip; ``trip_id`` must be set)."""
        if not session.get("trip_id"):
            raise ValueError("the session has no trip")
        lines = tuple(
            ExpectedLine(
                gtin14=line["gtin14"],
                name=line["name"],
                quantity=int(line["quantity"]),
                weight_mean_g=float(line["weight_mean_g"]),
                weight_sd_g=float(line["weight_sd_g"]),
                weight_g=line.get("weight_g"),
                line_key=line.get("line_key", ""),
                unit_price_minor=int(line.get("unit_price_minor", 0)),
            )
            for line in session.get("lines", [])
        )
        return cls(
            trip_id=session["trip_id"],
            trip_version=int(session["trip_version"]),
            lines=lines,
            audit=bool(session.get("audit", False)),
            status=session.get("status") or "checking_out",
        )

    def counts(self) -> dict[str, int]:
        """Scanned pieces by GTIN-14 (a variable-measure line counts as one piece per line)."""
        out: dict[str, int] = {}
        for line in self.lines:
            out[line.gtin14] = out.get(line.gtin14, 0) + (1 if line.variable else line.quantity)
        return out


@dataclass(frozen=True)
class Product:
    """A product the unit may meet (for explaining residuals): from the backend's product list."""

    gtin14: str
    name: str
    weight_mean_g: float
    weight_sd_g: float
    by_weight: bool = False
    lookalike_group: str = ""  # products that look nearly the same from above share a group ("" = none)


@dataclass(frozen=True)
class SeenObject:
    """One object a camera saw: a product (``gtin14``) or non-merchandise (``gtin14`` None)."""

    gtin14: str | None
    label: str
    confidence: float
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in the photo's pixels
    camera: str = ""  # the id of the camera whose photo ``box`` is in ("" = unknown, or the only one)


@dataclass(frozen=True)
class WeightObservation:
    """The stable gross weight (basket + contents) and how far it can be trusted."""

    gross_g: float
    sigma_g: float  # the scale's own standard uncertainty at this load (about e / 2 for a settled reading)
    scale_ok: bool = True  # False: the scale reported a fault (dead cell, link trouble) during the weighing
    fault: str = ""  # what the fault was, for the reason text


@dataclass(frozen=True)
class VisionObservation:
    """What the camera saw (with several cameras: the objects of all views merged, each item once, see
    :mod:`validation_unit.views`). ``camera_ok`` False: no usable picture (down, frozen): decide on weight only."""

    objects: tuple[SeenObject, ...] = ()
    camera_ok: bool = True
    basket_type: str | None = None  # from the basket's QR label, when read
    basket_tare_g: float | None = None  # from the basket's QR label, when read
    problem: str = ""  # why the camera is not usable


@dataclass(frozen=True)
class BasketType:
    """A basket (or the bare tray) the store uses, with its weight: candidates when no label is read."""

    name: str
    tare_g: float
    tare_sd_g: float = 5.0


DEFAULT_BASKET_TYPES = (
    BasketType("none", 0.0, 0.0),
    BasketType("basket-red", 650.0, 6.0),
    BasketType("basket-blue", 640.0, 6.0),
    BasketType("basket-green", 580.0, 5.0),
    BasketType("tray-grey", 420.0, 4.0),
)


@dataclass(frozen=True)
class Policy:
    """The store's decision policy (from the unit's config file)."""

    confidence: float = 0.999  # two-sided confidence level of the weight test when the camera saw exactly the scan
    # ... and when it did not (camera down, a scanned item not seen, anything extra): a tighter band, because
    # the weight then decides alone (more re-checks, fewer misses)
    weight_only_confidence: float = 0.99
    scale_e_g: float = 5.0  # scale interval: items lighter than ``light_item_e`` × e rely on vision
    light_item_e: float = 4.0
    vision_strong: float = 0.8  # a detection at least this confident is strong evidence
    vision_weak: float = 0.5  # below this a detection is ignored
    # Non-merchandise (a phone, keys, a bag) seen at least this confidently: the shopper is asked to take it out.
    # (0.5 caught more personal items on the bench suite but re-checked 2 of 200 honest hold-out baskets.)
    vision_personal: float = 0.8
    # A switch (rule 2) needs the placed product seen at least this confidently, and the scanned one not reported
    # by the detector at all (at any confidence it reports): a product the camera cannot find anywhere.
    vision_switch: float = 0.6
    # ... or this confidently in a small basket (at most ``small_basket_pieces`` scanned pieces), where an item
    # the detector does not report at all is rarely just hidden behind the others.
    vision_switch_small: float = 0.4
    small_basket_pieces: int = 4
    # Corroboration: a weight inside the band but at least ``corroborate_z`` off, and a product the detector
    # reported (at least ``vision_corroborate``) more (or fewer) times than scanned whose pieces explain that
    # residual to within ``corroborate_fit`` σ: two weak clues that agree → RECHECK. 0 turns it off.
    corroborate_z: float = 2.0
    vision_corroborate: float = 0.3
    corroborate_fit: float = 1.5
    basket_types: tuple[BasketType, ...] = DEFAULT_BASKET_TYPES
    sigma_floor_g: float = 2.0  # never trust a basket weight tighter than this
    # The decider: "cascade" (the rules above) or "model" (one probability model, validation_unit.fusion.decision),
    # which reads only the numbers below (and basket_types, sigma_floor_g).
    decision: str = "cascade"
    pass_probability: float = 0.9  # model: PASS when P(the basket is as scanned | what was observed) ≥ this
    prior_not_as_scanned: float = 0.05  # model: the prior that a basket is not as scanned (any edit; chosen on a
    # recorded generated suite, seed 31: at 0.1 the prior sits on the PASS threshold and any faint clue fails a basket)
    camera_calibration: str = ""  # model: the camera's fitted likelihoods ("": the shipped detector's)

    def z(self, weight_only: bool = False) -> float:
        """The z threshold for the weight test at the policy's confidence level."""
        level = self.weight_only_confidence if weight_only else self.confidence
        return NormalDist().inv_cdf(0.5 + level / 2)


@dataclass(frozen=True)
class Reason:
    """A machine-readable reason: its code, the sentence that says it (``key`` with its ``params``, worded per
    language by :func:`backend.domain.reasons.word`) and that sentence in English (``message``);
    ``gtin14``/``quantity`` name the product."""

    code: str
    message: str
    gtin14: str | None = None
    quantity: int | None = None
    box: tuple[float, float, float, float] | None = None  # where it is in the photo (for the shopper's crop)
    camera: str = ""  # the camera whose photo ``box`` is in ("" = unknown, or the only one)
    key: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def worded(
        cls,
        code: str,
        key: str,
        *,
        gtin14: str | None = None,
        quantity: int | None = None,
        box: tuple[float, float, float, float] | None = None,
        **params: Any,
    ) -> Reason:
        """A reason said by the sentence ``key`` (``reason.<key>`` in the locale files) with ``params``."""
        message = english(key, gtin14, quantity, **params)
        return cls(str(code), message, gtin14, quantity, box, key=key, params=params)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": str(self.code), "message": self.message}
        if self.key:
            out["key"] = self.key
            out["params"] = dict(self.params)
        if self.gtin14 is not None:
            out["gtin14"] = self.gtin14
        if self.quantity is not None:
            out["quantity"] = self.quantity
        if self.box is not None:
            out["box"] = [round(v, 1) for v in self.box]
            if self.camera:
                out["camera"] = self.camera
        return out


@dataclass(frozen=True)
class Decision:
    """The verdict with its reasons, a suspicion score in [0, 1], a one-paragraph explanation and the weighing
    it rests on (``expected_g``/``sigma_g`` include the tare; ``tare_g`` is the tare used)."""

    kind: Kind
    reasons: tuple[Reason, ...]
    score: float
    explanation: str
    expected_g: float | None = None
    sigma_g: float | None = None
    measured_g: float | None = None
    tare_g: float = 0.0
    residual_g: float | None = None  # measured − expected
    z: float | None = None
    seen: dict[str, int] = field(default_factory=dict)  # products the camera counted (GTIN-14 → pieces)
    non_merchandise: int = 0
    weight_only: bool = False

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)
