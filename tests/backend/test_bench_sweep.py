"""The backend benchmark's sweep: which rate it tries next, when a rate counts as sustained, and its figures."""

from __future__ import annotations

import json
import math
from contextlib import nullcontext as does_not_raise
from typing import Any

import pytest

from backend.bench_sweep import SweepPlan, next_rate, ratio, step_figures, summarize, sustained
from backend.bench_wrk import StepResult


def step(
    rate: float, latencies_ms: list[float], errors: dict[str, int] | None = None, due: int | None = None
) -> StepResult:
    errors = errors or {}
    answered = len(latencies_ms)
    return StepResult(
        offered_rps=rate,
        duration_s=2.0,
        due=answered + sum(errors.values()) if due is None else due,
        answered=answered,
        latencies_ms=tuple(sorted(latencies_ms)),
        errors=errors,
    )


def sweep_against(capacity: float, plan: SweepPlan) -> list[tuple[float, bool]]:
    """The rates a sweep tries against a server that sustains exactly ``capacity`` requests/s."""
    history: list[tuple[float, bool]] = []
    while (rate := next_rate(history, plan)) is not None:
        assert len(history) < 50, f"the sweep does not end: {history}"
        history.append((rate, rate <= capacity))
    return history


@pytest.mark.parametrize(
    ("capacity", "tried", "best"),
    [
        # doubling until 400 fails, then two bisections (√(200·400) ≈ 280, √(280·400) ≈ 330), two digits each
        (300, [100, 200, 400, 280, 330], 280),
        (1000, [100, 200, 400, 800, 1600, 1100, 940], 940),
        # below the first rate: halve until one is sustained, then bisect
        (60, [100, 50, 71], 50),
        # nothing is sustained: halve down, and give up after the refinements
        (0, [100, 50, 25], 0),
        # everything is sustained: stop at the plan's maximum
        (math.inf, [100, 200, 400, 500], 500),
    ],
)
def test_sweep_finds_the_highest_sustained_rate(capacity: float, tried: list[float], best: float) -> None:
    history = sweep_against(capacity, SweepPlan(start_rps=100, max_rps=500 if capacity == math.inf else 20000))
    assert [rate for rate, _ok in history] == tried
    assert max((rate for rate, ok in history if ok), default=0) == best


def test_more_refinement_narrows_the_bracket() -> None:
    coarse = sweep_against(300, SweepPlan(refine=1))
    fine = sweep_against(300, SweepPlan(refine=4))
    best_coarse = max(r for r, ok in coarse if ok)
    best_fine = max(r for r, ok in fine if ok)
    assert best_coarse <= best_fine <= 300
    assert len(fine) > len(coarse)


def test_the_sweep_stops_when_rounding_cannot_split_the_bracket() -> None:
    # 10 and 11 bracket the capacity: √110 rounds to 10, a rate already tried.
    assert next_rate([(10, True), (11, False)], SweepPlan(start_rps=10, refine=5)) is None


def test_halving_stops_at_the_minimum_rate() -> None:
    plan = SweepPlan(start_rps=20, min_rps=15)
    assert next_rate([(20, False)], plan) is None  # 10 would be below the minimum


@pytest.mark.parametrize(
    ("kwargs", "expectation"),
    [
        ({}, does_not_raise()),
        ({"start_rps": 5, "min_rps": 10}, pytest.raises(ValueError, match="min_rps")),
        ({"start_rps": 30000}, pytest.raises(ValueError, match="max_rps")),
        ({"factor": 1.0}, pytest.raises(ValueError, match="factor")),
        ({"refine": -1}, pytest.raises(ValueError, match="refine")),
    ],
)
def test_plan_checks_its_numbers(kwargs: dict[str, Any], expectation: Any) -> None:
    with expectation:
        SweepPlan(**kwargs)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (step(100, [5.0] * 99 + [50.0]), True),  # p99 exactly at the limit
        (step(100, [5.0] * 98 + [51.0, 51.0]), False),  # p99 over it
        (step(100, [5.0] * 200 + [400.0]), True),  # one slow answer in 201 is within the 1 %
        (step(100, [5.0] * 99, {"http_503": 1}), False),  # any error fails the rate, however fast the rest
        (step(100, [5.0] * 99, {"missed": 1}), False),  # and so does a request that was never answered
        (step(100, [], due=0), False),  # nothing was due: nothing was shown
    ],
)
def test_sustained_means_no_errors_and_p99_within_the_limit(result: StepResult, expected: bool) -> None:
    assert sustained(result, 50.0) is expected


def test_missed_requests_count_as_slower_than_any_answer() -> None:
    result = step(100, [1.0] * 98, {"missed": 2})
    assert result.percentile_ms(0.5) == 1.0
    assert result.percentile_ms(0.99) == math.inf
    assert step_figures(result)["p99_ms"] == "missed"
    assert step(100, [], due=0).percentile_ms(0.99) is None


def test_summary_reports_the_best_sustained_step_and_every_step() -> None:
    steps = [
        step(100, [2.0] * 200),
        step(200, [3.0] * 399 + [30.0]),
        step(400, [80.0] * 700, {"missed": 100, "timeout": 3}),
    ]
    summary = summarize(steps, 50.0)
    assert summary["max_sustained_rps"] == 200
    assert summary["p50_ms_at_max"] == 3.0
    assert summary["p99_ms_at_max"] == 3.0
    assert summary["errors_by_kind"] == {"missed": 100, "timeout": 3}
    assert [s["sustained"] for s in summary["steps"]] == [True, True, False]
    assert summary["steps"][2] == {
        "offered_rps": 400,
        "achieved_rps": 350.0,  # 700 answers in 2 s
        "p50_ms": 80.0,
        "p99_ms": "missed",
        "max_ms": 80.0,
        "due": 803,
        "errors": {"missed": 100, "timeout": 3},
        "sustained": False,
    }
    json.dumps(summary, allow_nan=False)  # the figures go into BENCHMARKS.json as they are


def test_summary_of_a_sweep_that_sustained_nothing() -> None:
    summary = summarize([step(100, [900.0] * 10)], 50.0)
    assert summary["max_sustained_rps"] == 0.0
    assert summary["p50_ms_at_max"] is None and summary["p99_ms_at_max"] is None


@pytest.mark.parametrize(
    ("scan", "bare", "expected"),
    [(600, 1200, 0.5), (140, 1300, 0.108), (0, 1000, 0.0), (300, 0, None)],
)
def test_ratio_of_scan_to_bare(scan: float, bare: float, expected: float | None) -> None:
    assert ratio(scan, bare) == expected
