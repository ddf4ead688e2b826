"""``basketcheck bench``: run the benchmarks and print their figures (JSON with ``--json``).

A benchmark is a module with ``configure(parser)`` (its own options) and ``run(args) -> dict`` (the
figures, JSON-serialisable). Progress goes to stderr, figures to stdout.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from backend.cli import CliError

BENCHMARKS: dict[str, tuple[str, str]] = {
    "scale": ("firmware_bridge.bench", "placements through the simulated scale, pty and bridge"),
    "render": ("hardware_sim.bench_render", "the simulated camera's renderer and the demo catalog"),
    "vision": ("vision.bench", "detector accuracy and latency"),
    "decision": ("validation_unit.bench", "verdict accuracy on simulated shoppers"),
    "cameras": ("validation_unit.bench_cameras", "the decision benchmark with a top and two side cameras"),
    "deciders": (
        "validation_unit.bench_deciders",
        "the rule cascade and the probability model on identical observations",
    ),
    "backend": ("backend.bench", "scan events/s the backend sustains at p99 ≤ 50 ms, open loop, vs a bare endpoint"),
    "scan": ("scanner_app.bench", "barcode decoding on generated photos"),
}


def _load(name: str) -> Any | None:
    module_name = BENCHMARKS[name][0]
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None


def machine() -> dict[str, Any]:
    import os

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }


def _print(figures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        json.dump(figures, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
        return
    for key, value in figures.items():
        print(f"{key:>24}: {json.dumps(value)}")


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
    for name, (_module, help_text) in BENCHMARKS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="print the figures as JSON")
        # Only the chosen benchmark's options are loaded: its module may import heavy libraries.
        if name in sys.argv[1:]:
            module = _load(name)
            if module is not None:
                module.configure(p)
        p.set_defaults(handler=_run_one)
    p = sub.add_parser("all", help="run every benchmark with its default options and write BENCHMARKS.md")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--report", default="BENCHMARKS.md", help="the Markdown report to write ('' = none)")
    p.add_argument(
        "--only",
        action="append",
        default=None,
        choices=list(BENCHMARKS),
        help="run only these; the report keeps the others' last figures (from the report's .json beside it)",
    )
    p.set_defaults(handler=_run_all)


def _run_one(args: argparse.Namespace) -> int:
    module = _load(args.benchmark)
    if module is None:
        raise CliError(f"the {args.benchmark} benchmark is not built yet in this version", 1)
    started = time.monotonic()
    figures = module.run(args)
    figures.setdefault("elapsed_s", round(time.monotonic() - started, 2))
    _print(figures, args.json)
    return 0


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def _run_all(args: argparse.Namespace) -> int:
    results: dict[str, Any] = {"machine": machine(), "date": _now()}
    failed = 0
    for name in getattr(args, "only", None) or BENCHMARKS:
        module = _load(name)
        if module is None:
            results[name] = {"status": "not built yet"}
            continue
        print(f"bench {name} …", file=sys.stderr, flush=True)
        p = argparse.ArgumentParser()
        module.configure(p)
        started = time.monotonic()
        try:
            figures = module.run(p.parse_args([]))
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            failed += 1
            figures = {"status": f"failed: {type(exc).__name__}: {exc}"}
        figures.setdefault("elapsed_s", round(time.monotonic() - started, 2))
        figures["measured"] = _now()
        results[name] = figures
    _print(results, args.json)
    report = getattr(args, "report", "")
    if report:
        _write_report(Path(report), results)
    return 1 if failed else 0


def _write_report(report: Path, results: dict[str, Any]) -> None:
    """The Markdown report and its figures as JSON beside it; benchmarks not run now keep their last figures."""
    kept = report.with_suffix(".json")
    merged = dict(results)
    if kept.exists():
        try:
            before = json.loads(kept.read_text())
        except (OSError, ValueError) as exc:
            print(f"bench: ignoring {kept} ({exc})", file=sys.stderr, flush=True)
            before = {}
        for name in BENCHMARKS:
            if name not in merged and isinstance(before.get(name), dict):
                merged[name] = before[name]
    kept.write_text(json.dumps(merged, indent=2) + "\n")
    report.write_text(markdown_report(merged))
    print(f"bench: wrote {report} and {kept}", file=sys.stderr, flush=True)


def _get(results: dict[str, Any], *path: str) -> Any:
    value: Any = results
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


# The numbers to meet (DESIGN.md and the issues): (what, benchmark, figure path, "<=" or ">=", target).
TARGETS: tuple[tuple[str, str, tuple[str, ...], str, float], ...] = (
    ("weight error of every trusted reading (e)", "scale", ("max_abs_error_e",), "<=", 1.0),
    ("time to a trusted weight, p95 (ms, dynamic weighing)", "scale", ("time_to_trusted_ms", "p95"), "<=", 300),
    ("trusted readings while the load was off by more than 1 e", "scale", ("false_stable",), "<=", 0),
    ("basket placed → verdict, p95 (ms, fused)", "decision", ("fused", "time_to_verdict_ms", "p95"), "<=", 450),
    ("honest baskets not passed (fused)", "decision", ("fused", "false_alarm_rate"), "<=", 0.01),
    (
        "unscanned caught (fused, visually distinct or ≥ 100 g)",
        "decision",
        ("fused", "catch_rate", "unscanned"),
        ">=",
        0.99,
    ),
    ("switches caught (fused, visually distinct)", "decision", ("fused", "catch_rate", "switch"), ">=", 0.95),
    (
        "distinct frauds some camera shows (top + 2 side cameras, ground truth)",
        "cameras",
        ("oracle", "in_view_share", "all_views", "all"),
        ">=",
        0.99,
    ),
    (
        "honest baskets not passed (3 cameras, perfect detections)",
        "cameras",
        ("oracle", "fused", "false_alarm_rate"),
        "<=",
        0.01,
    ),
    (
        "basket placed → verdict, p95 (ms, 3 cameras, the ONNX detector)",
        "cameras",
        ("model", "fused", "time_to_verdict_ms", "p95"),
        "<=",
        700,
    ),
    *(
        (f"{what} (decision model, {suite})", "deciders", ("suites", suite, "model", "fused", *path), op, target)
        for suite in ("shipped", "hard-101", "hard-202")
        for what, path, op, target in (
            ("honest baskets not passed", ("false_alarm_rate",), "<=", 0.005),
            ("unscanned caught, in view", ("catch_rate_in_view", "unscanned"), ">=", 0.99),
            ("switches caught, in view", ("catch_rate_in_view", "switch"), ">=", 0.95),
        )
    ),
    ("detector mAP50 (held-out synthetic)", "vision", ("map50",), ">=", 0.95),
    ("detector cAcc", "vision", ("cacc",), ">=", 0.90),
    (
        "detector fp32 median latency (ms, 2 threads, at the model's input size)",
        "vision",
        ("latency_ms", "fp32_p50"),
        "<=",
        30,
    ),
    (
        "backend scan/bare ratio of sustained rates at p99 ≤ 50 ms (PostgreSQL, open loop)",
        "backend",
        ("postgresql", "ratio"),
        ">=",
        0.5,
    ),
    ("backend scan/bare ratio (SQLite)", "backend", ("sqlite", "ratio"), ">=", 0.5),
    (
        "backend scan events/s sustained at p99 ≤ 50 ms (PostgreSQL)",
        "backend",
        ("postgresql", "scan_events_per_s"),
        ">=",
        300,
    ),
)


def targets_table(results: dict[str, Any]) -> list[str]:
    """Markdown rows: each target, the measured figure and whether it is met."""
    lines = ["| what | target | measured | met |", "|---|---|---|---|"]
    for what, name, path, op, target in TARGETS:
        value = _get(results, name, *path)
        if not isinstance(value, int | float):
            lines.append(f"| {what} | {op} {target:g} | not measured | |")
            continue
        met = value <= target if op == "<=" else value >= target
        lines.append(f"| {what} | {op} {target:g} | {value:g} | {'yes' if met else 'no'} |")
    return lines


def in_view_note(results: dict[str, Any]) -> list[str]:
    """A sentence under the targets: the fused catches of frauds the final picture shows, when measured."""
    seen = _get(results, "decision", "fused", "catch_rate_in_view")
    counts = _get(results, "decision", "fused", "fraud_baskets_in_view")
    if not isinstance(seen, dict) or not isinstance(counts, dict):
        return []
    measured = [c for c in ("unscanned", "switch") if seen.get(c) is not None]
    parts = [f"{c} {seen[c]:g} ({counts.get(c, 0)} baskets)" for c in measured]
    if not parts:
        return []
    lines = [
        f"Of the frauds the final picture shows (ground truth ≥ 30 % visible), fused catches {', '.join(parts)};",
        "the rest of the targets' baskets hide the fraud from the one top camera (`catch_rate_in_view` below).",
        "",
    ]
    share = _get(results, "cameras", "oracle", "in_view_share")
    caught = _get(results, "cameras", "oracle", "fused", "catch_rate")
    alarms = _get(results, "cameras", "oracle", "fused", "false_alarm_rate")
    if isinstance(share, dict) and isinstance(caught, dict):
        top, every = share.get("primary_view", {}).get("all"), share.get("all_views", {}).get("all")
        rates = ", ".join(f"{c} {v:g}" for c, v in caught.items() if isinstance(v, int | float))
        lines += [
            f"With a top and two side cameras (`bench cameras`, perfect detections per view) some camera shows {every}",
            f"of the distinct frauds (the top camera alone {top}); fused catches {rates} at {alarms} false alarms.",
            "",
        ]
    return lines


def markdown_report(results: dict[str, Any]) -> str:
    """BENCHMARKS.md: the figures of every benchmark, the machine, and the command that gives each."""
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Written {results.get('date', '')} by `basketcheck bench all --json` on {m['cpus']} CPUs "
        f"({m['processor']}, {m['platform']}, Python {m['python']}). Figures from a shared 2-core sandbox are",
        "pessimistic; rerun on the target machine. Each section's command reproduces it alone; `bench all --only",
        "NAME` re-measures one section and keeps the others' last figures (BENCHMARKS.json).",
        "",
        "## Targets",
        "",
        *targets_table(results),
        "",
        *in_view_note(results),
    ]
    for name, (_module, help_text) in BENCHMARKS.items():
        if name not in results:
            continue
        figures = dict(results[name])
        details = figures.pop("details", None)
        measured = figures.pop("measured", results.get("date", ""))
        lines += [f"## {name}: {help_text}", "", f"`basketcheck bench {name} --json` (measured {measured})", ""]
        lines += ["```json", json.dumps(figures, indent=2), "```", ""]
        if details:
            lines += [f"({len(details)} per-item rows left out; `--details` prints them.)", ""]
    return "\n".join(lines)
