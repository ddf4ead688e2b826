"""``basketcheck bench vision``: the detector's accuracy and latency on generated test baskets."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DEFAULT_MODEL = Path(__file__).parent / "models"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model folder or .onnx file")
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--baskets", type=int, default=500)
    parser.add_argument("--latency-images", type=int, default=50)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from backend.cli import CliError
    from vision import evaluate
    from vision.errors import ModelError

    try:
        return evaluate.run(args.model, seed=args.seed, baskets=args.baskets, latency_images=args.latency_images)
    except ModelError as exc:
        raise CliError(str(exc)) from exc
