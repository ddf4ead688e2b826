"""``basketcheck bench deciders``: the rule cascade and the probability model side by side, on identical
observations of the shipped suite and of freshly generated harder suites (#18).

Each suite runs once through the real station (``bench decision --record``: the live verdicts are the policy's
decider's, the cascade by default), then its recorded observations are decided again by both deciders and by
each sensor alone (``--replay … --decider both``). A suite is the shipped one or ``sim scenarios generate --hard
--seed N`` (bigger baskets, clutter up to 0.85). The model's camera likelihoods are the shipped calibration,
fitted on a different generated suite (seed 31), so no suite here is the one it was fitted on. ``--reuse``
replays recordings already in ``--dir`` instead of recording again (minutes each).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from validation_unit import bench

CATEGORIES = ("unscanned", "switch", "underscan", "personal_item")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", default="101,202", help="seeds of the generated hard suites (default 101,202)")
    parser.add_argument("--n", type=int, default=300, help="baskets per generated suite (default 300)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N baskets of every suite")
    parser.add_argument(
        "--dir", type=Path, default=Path("var/bench/deciders"), help="where suites and recordings are kept"
    )
    parser.add_argument("--reuse", action="store_true", help="replay recordings already in --dir (no new run)")
    parser.add_argument("--no-shipped", action="store_true", help="leave out the shipped suite")


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def suites(args: argparse.Namespace) -> list[tuple[str, Path | None]]:
    """(name, scenario file) per suite; None is the shipped suite. Generated suites are written on first use."""
    from hardware_sim.scenario_generate import dump_scenarios, generate_suite, suite_header

    out: list[tuple[str, Path | None]] = [] if args.no_shipped else [("shipped", None)]
    for text in str(args.seeds).split(","):
        if not text.strip():
            continue
        seed = int(text)
        path = args.dir / f"hard-{seed}.yaml"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            scenarios = generate_suite(args.n, seed, hard=True)
            path.write_text(dump_scenarios(scenarios, header=suite_header(args.n, seed, True)), encoding="utf-8")
        out.append((f"hard-{seed}", path))
    return out


def summary(figures: dict[str, Any]) -> dict[str, Any]:
    """One decider's figures on one suite, per mode: false alarms and the catch rates (all, and in view)."""
    out: dict[str, Any] = {}
    for mode in bench.MODES:
        m = figures[mode]
        out[mode] = {
            "false_alarm_rate": m["false_alarm_rate"],
            "catch_rate_in_view": m["catch_rate_in_view"],
            "catch_rate": m["catch_rate"],
        }
    return out


def verdict(per_decider: dict[str, Any]) -> dict[str, Any]:
    """What #18 asks of the model on one suite, answered from its figures (pure)."""
    model = per_decider["model"]
    fused = model["fused"]
    singles = [model["weight_only"], model["vision_only"]]

    def better_single(category: str) -> float:
        return max((s["catch_rate_in_view"].get(category) or 0.0) for s in singles)

    fewest_single_alarms = min(s["false_alarm_rate"] for s in singles)
    return {
        "honest_not_passed_le_0_005": fused["false_alarm_rate"] <= 0.005,
        "fused_ge_better_single_every_category": all(
            (fused["catch_rate_in_view"].get(c) or 0.0) >= better_single(c) for c in CATEGORIES
        )
        and fused["false_alarm_rate"] <= fewest_single_alarms,
        "unscanned_in_view_ge_0_99": (fused["catch_rate_in_view"].get("unscanned") or 0.0) >= 0.99,
        "switch_in_view_ge_0_95": (fused["catch_rate_in_view"].get("switch") or 0.0) >= 0.95,
        "model_fewer_false_alarms_than_cascade": fused["false_alarm_rate"]
        <= per_decider["cascade"]["fused"]["false_alarm_rate"],
    }


def _decision_args(extra: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bench.configure(parser)
    return parser.parse_args(extra)


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, scenarios in suites(args):
        record = args.dir / f"{name}.jsonl"
        if not (args.reuse and record.exists()):
            record.parent.mkdir(parents=True, exist_ok=True)
            _progress(f"deciders: recording {name} through the station (minutes)")
            extra = ["--record", str(record)]
            if scenarios is not None:
                extra += ["--scenarios", str(scenarios)]
            if args.limit is not None:
                extra += ["--limit", str(args.limit)]
            bench.run(_decision_args(extra))
        replayed = bench.run(_decision_args(["--replay", str(record), "--decider", "both"]))
        per_decider = {decider: summary(replayed["replayed"][str(record)][decider]) for decider in replayed["deciders"]}
        baskets = replayed["replayed"][str(record)]["cascade"]["baskets"]
        results[name] = {"baskets": baskets, **per_decider, "targets": verdict(per_decider)}
    return {"suites": results}
