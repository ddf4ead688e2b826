"""The rate sweep of the backend benchmark: which offered rate to try next, and what a sweep found.

Pure logic on plain data (no I/O): double the offered rate while the server keeps up, then bisect between the
highest rate it sustained and the lowest it did not. A rate is *sustained* when every request due in the run was
answered with 2xx, none went missing, and the p99 latency, counted from each request's due time, is within the
limit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backend.bench_wrk import StepResult

P99_LIMIT_MS = 50.0


@dataclass(frozen=True)
class SweepPlan:
    start_rps: float = 100.0
    factor: float = 2.0  # step up by this while sustained
    refine: int = 2  # bisections after the first rate that was not sustained
    max_rps: float = 20000.0
    min_rps: float = 10.0  # below this, give up: the server sustains nothing worth reporting
    p99_limit_ms: float = P99_LIMIT_MS

    def __post_init__(self) -> None:
        if not 0 < self.min_rps <= self.start_rps <= self.max_rps:
            raise ValueError("need 0 < min_rps <= start_rps <= max_rps")
        if self.factor <= 1:
            raise ValueError("factor must be above 1")
        if self.refine < 0:
            raise ValueError("refine must be 0 or more")


def sustained(step: StepResult, p99_limit_ms: float = P99_LIMIT_MS) -> bool:
    p99 = step.percentile_ms(0.99)
    return step.due > 0 and step.error_count == 0 and p99 is not None and p99 <= p99_limit_ms


def _round_rate(rate: float) -> float:
    """Two significant digits: 141.4 → 140, 2828 → 2800 (the sweep's resolution is coarser than that)."""
    if rate <= 0:
        return rate
    digits = 1 - math.floor(math.log10(rate))
    return float(round(rate, digits))


def next_rate(history: Sequence[tuple[float, bool]], plan: SweepPlan) -> float | None:
    """The next offered rate after ``history`` ((rate, sustained) in the order tried), or None when done."""
    if not history:
        return plan.start_rps
    passed = [rate for rate, ok in history if ok]
    failed = [rate for rate, ok in history if not ok]
    lo = max(passed, default=0.0)
    above = [rate for rate in failed if rate > lo]
    if not above:  # everything so far was sustained: step up
        candidate = _round_rate(lo * plan.factor)
        if lo >= plan.max_rps:
            return None
        return min(candidate, plan.max_rps)
    hi = min(above)
    first_fail = next(i for i, (_rate, ok) in enumerate(history) if not ok)
    if len(history) - 1 - first_fail >= plan.refine:
        return None
    if lo == 0.0:  # nothing sustained yet: step down
        candidate = _round_rate(hi / plan.factor)
        return candidate if candidate >= plan.min_rps else None
    candidate = _round_rate(math.sqrt(lo * hi))
    if candidate in (lo, hi) or any(candidate == rate for rate, _ok in history):
        return None  # the bracket is as narrow as the rounding allows
    return candidate


def step_figures(step: StepResult, p99_limit_ms: float = P99_LIMIT_MS) -> dict[str, Any]:
    def ms(q: float) -> float | str | None:
        value = step.percentile_ms(q)
        return None if value is None else (round(value, 1) if math.isfinite(value) else "missed")

    return {
        "offered_rps": step.offered_rps,
        "achieved_rps": round(step.achieved_rps, 1),
        "p50_ms": ms(0.50),
        "p99_ms": ms(0.99),
        "max_ms": round(step.latencies_ms[-1], 1) if step.latencies_ms else None,
        "due": step.due,
        "errors": step.errors,
        "sustained": sustained(step, p99_limit_ms),
    }


def summarize(steps: Sequence[StepResult], p99_limit_ms: float = P99_LIMIT_MS) -> dict[str, Any]:
    """A sweep's figures: the highest rate sustained, and every step as tried."""
    ok = [s for s in steps if sustained(s, p99_limit_ms)]
    best = max(ok, key=lambda s: s.offered_rps, default=None)
    errors: Counter[str] = Counter()
    for s in steps:
        errors.update(s.errors)
    return {
        "max_sustained_rps": best.offered_rps if best else 0.0,
        "p50_ms_at_max": step_figures(best, p99_limit_ms)["p50_ms"] if best else None,
        "p99_ms_at_max": step_figures(best, p99_limit_ms)["p99_ms"] if best else None,
        "errors_by_kind": dict(errors),  # over every step, the failing ones included
        "steps": [step_figures(s, p99_limit_ms) for s in steps],
    }


def ratio(scan_rps: float, bare_rps: float) -> float | None:
    return round(scan_rps / bare_rps, 3) if bare_rps > 0 else None
