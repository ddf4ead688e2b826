"""The scale benchmark runs end to end (a short run; the full one is ``basketcheck bench scale``)."""

from __future__ import annotations

import argparse

import pytest

from firmware_bridge import bench


@pytest.mark.slow
def test_short_bench_meets_the_targets() -> None:
    parser = argparse.ArgumentParser()
    bench.configure(parser)
    args = parser.parse_args(
        ["--placements", "15", "--cpu-seconds", "1", "--garbage-bytes", "50000", "--reconnects", "1", "--seed", "3"]
    )
    figures = bench.run(args)
    assert figures["placements"] == 15
    # 15 placements make a noisy p95; the targets (300 ms trusted, 600 ms classic) are for the full run.
    assert figures["dynamic_weighing"] is True
    assert figures["time_to_trusted_ms"]["p95"] <= 400
    assert figures["max_abs_error_e"] <= 1
    assert figures["false_stable"] == 0
    assert figures["settled_dynamic"] + figures["settled_stability"] == 15 and figures["settled_dynamic"] > 0
    classic = figures["classic"]
    assert classic["time_to_stable_ms"]["p95"] <= 700
    assert classic["max_abs_error_e"] <= 1
    assert classic["false_stable"] == 0
    assert figures["corrupt_accepted"] == 0
    assert figures["reconnect_ms"] <= 1000
    assert figures["realtime_factor"] >= 20
