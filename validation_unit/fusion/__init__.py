"""The decision: fuse what the scale weighed and what the cameras saw with what the shopper scanned.

Two deciders with one signature, ``decide(expected, weight, vision, policy, products) -> Decision``, chosen by
``policy.decision``:

* ``"model"`` (:mod:`validation_unit.fusion.decision`): one probability model. Hypotheses are the basket as
  scanned and small edits of it (:mod:`~validation_unit.fusion.hypotheses`); each is scored by the weight's
  Gaussian likelihood (:mod:`~validation_unit.fusion.weight`) times the camera's likelihood of the detections
  (:mod:`~validation_unit.fusion.camera`, fitted from recorded observations) times its prior; the verdict comes
  from the posterior (:mod:`~validation_unit.fusion.wording` says it).
* ``"cascade"`` (:mod:`validation_unit.fusion.cascade`): the earlier rule cascade, kept selectable.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from validation_unit.basket import Decision, ExpectedBasket, Policy, Product, VisionObservation, WeightObservation
from validation_unit.fusion import cascade
from validation_unit.fusion.cascade import grams
from validation_unit.fusion.weight import label_sigma_g

__all__ = ["decide", "grams", "label_sigma_g"]

_NO_PRODUCTS: Mapping[str, Product] = MappingProxyType({})


def decide(
    expected: ExpectedBasket,
    weight: WeightObservation | None,
    vision: VisionObservation | None,
    policy: Policy,
    products: Mapping[str, Product] = _NO_PRODUCTS,
) -> Decision:
    """The verdict on one weighing of a basket, by the policy's decider (see the package docstring).

    ``weight`` None: decide on the camera only; ``vision`` None or ``camera_ok`` False: on the weight only;
    both missing: ValueError."""
    if getattr(policy, "decision", "cascade") == "model":
        from validation_unit.fusion import decision as model

        return model.decide(expected, weight, vision, policy, products)
    return cascade.decide(expected, weight, vision, policy, products)
