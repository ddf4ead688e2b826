"""``basketcheck bench cameras``: the decision benchmark with the station's three cameras (top, left, right).

Two runs of :mod:`validation_unit.bench` on the same suite through the simulated station's three MJPEG streams:

* ``oracle``: perfect detections per view (the simulator's ground truth, items ≥ 30 % visible), so the figures
  are the cameras' and the fusion's, not the detector's: ``in_view_share`` (the share of distinct frauds the
  top view alone and all views show), the catches and false alarms with every view merged;
* ``model``: the shipped ONNX detector on every view, for the station's time to verdict with three cameras
  (and, for the record, its verdicts: the detector was trained on the top view only).

``--vision oracle`` or ``--vision model`` runs just one of them.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from validation_unit import bench

CAMERAS = "top,left,right"


def configure(parser: argparse.ArgumentParser) -> None:
    bench.configure(parser, visions=("both", "oracle", "model"))  # both: perfect detections, then the detector
    parser.set_defaults(cameras=CAMERAS)


def run(args: argparse.Namespace) -> dict[str, Any]:
    kinds = ("oracle", "model") if args.vision == "both" else (args.vision,)
    figures: dict[str, Any] = {"cameras": args.cameras.split(",")}
    for kind in kinds:
        print(f"cameras: {kind} detections on {args.cameras}", file=sys.stderr, flush=True)
        one = bench.run(argparse.Namespace(**{**vars(args), "vision": kind}))
        one.pop("cameras", None)
        figures[kind] = one
    return figures
