"""The deciders benchmark: what #18 asks, answered from plain figures, and a replay of a tiny recording."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from tests.validation_unit.test_bench import _recorded
from validation_unit import bench_deciders


def figures(alarms: float, unscanned: float, switch: float = 0.96) -> dict:
    catch = {"unscanned": unscanned, "switch": switch, "underscan": 0.9, "personal_item": 0.9}
    return {"false_alarm_rate": alarms, "catch_rate_in_view": catch, "catch_rate": catch}


def test_the_targets_are_read_from_the_figures() -> None:
    weak = figures(0.004, 0.5, 0.1)
    model = {"fused": figures(0.004, 0.995), "weight_only": weak, "vision_only": weak}
    cascade = {"fused": figures(0.01, 0.999), "weight_only": weak, "vision_only": weak}
    met = bench_deciders.verdict({"model": model, "cascade": cascade})
    assert all(met.values()), met
    model["fused"] = figures(0.006, 0.98, 0.5)
    met = bench_deciders.verdict({"model": model, "cascade": cascade})
    assert not met["honest_not_passed_le_0_005"] and not met["unscanned_in_view_ge_0_99"]
    assert not met["switch_in_view_ge_0_95"] and not met["fused_ge_better_single_every_category"]
    assert met["model_fewer_false_alarms_than_cascade"]


def test_a_reused_recording_is_decided_by_both(tmp_path: Path) -> None:
    shutil.copy(_recorded(tmp_path), tmp_path / "hard-5.jsonl")
    args = argparse.Namespace(seeds="5", n=3, limit=None, dir=tmp_path, reuse=True, no_shipped=True)
    out = bench_deciders.run(args)
    suite = out["suites"]["hard-5"]
    assert (tmp_path / "hard-5.yaml").exists()  # the suite itself, for a new recording
    assert suite["baskets"] == 2 and set(suite) == {"baskets", "cascade", "model", "targets"}
    assert suite["model"]["fused"]["false_alarm_rate"] == 0.0
    assert suite["cascade"]["fused"]["catch_rate_in_view"]["unscanned"] == 1.0
