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
from typing import Any

from backend.cli import CliError

BENCHMARKS: dict[str, tuple[str, str]] = {
    "scale": ("firmware_bridge.bench", "placements through the simulated scale, pty and bridge"),
    "render": ("hardware_sim.bench_render", "the simulated camera's renderer and the demo catalog"),
    "vision": ("vision.bench", "detector accuracy and latency"),
    "decision": ("validation_unit.bench", "verdict accuracy on simulated shoppers"),
    "backend": ("backend.bench", "API latency under load"),
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
    p = sub.add_parser("all", help="run every benchmark that is built, with its default options")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
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


def _run_all(args: argparse.Namespace) -> int:
    results: dict[str, Any] = {"machine": machine()}
    for name in BENCHMARKS:
        module = _load(name)
        if module is None:
            results[name] = {"status": "not built yet"}
            continue
        print(f"bench {name} …", file=sys.stderr, flush=True)
        p = argparse.ArgumentParser()
        module.configure(p)
        started = time.monotonic()
        figures = module.run(p.parse_args([]))
        figures.setdefault("elapsed_s", round(time.monotonic() - started, 2))
        results[name] = figures
    _print(results, args.json)
    return 0
