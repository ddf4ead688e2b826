"""Random audits and shopper trust: who gets their basket checked by staff even when it adds up.

Trust is a score in [0, 1] that rises slowly with passed baskets and falls sharply when staff confirm a
problem. The chance of an audit falls with trust and rises with the basket's value; a store sets the base
rate, the floor and the value at which the chance doubles.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditPolicy:
    base_rate: float = 0.05  # chance of an audit for a new shopper with a small basket
    min_rate: float = 0.005  # trusted shoppers are still audited now and then
    value_doubling_minor: int = 10_000  # a basket of this value doubles the chance
    max_rate: float = 0.5

    @classmethod
    def from_dict(cls, data: dict[str, object] | None) -> AuditPolicy:
        if not data:
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)  # type: ignore[arg-type]


NEW_SHOPPER_TRUST = 0.5


def audit_probability(policy: AuditPolicy, trust: float, basket_minor: int) -> float:
    value_factor = 1.0 + max(0, basket_minor) / max(1, policy.value_doubling_minor)
    rate = policy.base_rate * (1.0 - trust) * 2.0 * value_factor
    return min(policy.max_rate, max(policy.min_rate, rate))


def should_audit(policy: AuditPolicy, trust: float, basket_minor: int, rng: random.Random) -> bool:
    return rng.random() < audit_probability(policy, trust, basket_minor)


def trust_after(trust: float, outcome: str) -> float:
    """New trust after a basket's outcome: ``passed``, ``fixed`` (re-checked and fixed), ``approved`` (staff
    found nothing wrong) or ``confirmed`` (staff found unscanned items)."""
    change = {"passed": 0.02, "fixed": -0.02, "approved": 0.01, "confirmed": -0.3}[outcome]
    return min(1.0, max(0.0, trust + change))
