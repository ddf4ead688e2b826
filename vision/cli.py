"""``basketcheck vision``: make data sets, train, export and evaluate the product detector.

Heavy libraries (cv2, onnxruntime, torch, ultralytics) are imported inside the handlers only.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from backend.cli import CliError

DEFAULT_MODEL_DIR = Path(__file__).parent / "models"


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be ≥ 0")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="vision_command", metavar="COMMAND", required=True)

    ds = sub.add_parser("dataset", help="render a synthetic YOLO-format data set")
    ds.add_argument("--out", type=Path, required=True, help="folder to write (images/, labels/, data.yaml)")
    ds.add_argument("--train", type=_positive, default=2000)
    ds.add_argument("--val", type=_positive, default=200)
    ds.add_argument("--test", type=_positive, default=500)
    ds.add_argument("--seed", type=int, default=0)
    ds.add_argument("--max-side", type=int, default=1280, help="downscale pictures to this long side (px)")
    ds.add_argument("--workers", type=int, default=1, help="rendering processes")
    ds.set_defaults(handler=_dataset)

    tr = sub.add_parser("train", help="train the detector with ultralytics (training venv)")
    tr.add_argument("--data", type=Path, required=True, help="a YOLO-format data set (folder or data.yaml)")
    tr.add_argument("--out", type=Path, default=Path("var/vision/runs/train"), help="run folder")
    tr.add_argument("--model", default="yolov8n.yaml", help="ultralytics model yaml (no pretrained weights)")
    tr.add_argument("--epochs", type=int, default=100)
    tr.add_argument("--time", type=float, default=None, help="stop after this many hours (overrides --epochs)")
    tr.add_argument("--imgsz", type=int, default=640)
    tr.add_argument("--batch", type=int, default=16)
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--device", default="auto", help="auto (GPU when there is one), cpu, 0, ...")
    tr.add_argument("--workers", type=int, default=2, help="data loader processes")
    tr.add_argument("--optimizer", default="auto", help="ultralytics optimizer: auto, SGD, AdamW, ...")
    tr.add_argument("--lr0", type=float, default=None, help="initial learning rate (with an explicit optimizer)")
    tr.add_argument("--warmup-epochs", type=float, default=3.0)
    tr.set_defaults(handler=_train)

    ex = sub.add_parser("export", help="export a trained model to ONNX fp32 + INT8 with a model card")
    ex.add_argument("--weights", type=Path, required=True, help="ultralytics weights (run/weights/best.pt)")
    ex.add_argument("--data", type=Path, required=True, help="the data set (val images calibrate INT8)")
    ex.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR)
    ex.add_argument("--imgsz", type=int, default=None, help="input size (default: the size it was trained at)")
    ex.add_argument("--calibration", type=int, default=64, help="val images for INT8 calibration")
    ex.add_argument("--metrics", type=Path, default=None, help="JSON from 'vision eval --json' to put on the card")
    ex.set_defaults(handler=_export)

    sh = sub.add_parser("show", help="draw the detector's findings on a generated test basket")
    sh.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    sh.add_argument("--seed", type=int, default=1000)
    sh.add_argument("--index", type=int, default=0, help="which basket of the generated test split")
    sh.add_argument("--conf", type=float, default=None, help="confidence threshold (the card's by default)")
    sh.add_argument("--out", type=Path, required=True, help="PNG or JPEG to write")
    sh.set_defaults(handler=_show)

    ev = sub.add_parser("eval", help="evaluate the detector on a held-out test split")
    ev.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR, help="model folder or .onnx file")
    ev.add_argument("--data", type=Path, default=None, help="a YOLO-format data set: use its test split")
    ev.add_argument("--seed", type=int, default=1000, help="seed of the generated test baskets")
    ev.add_argument("--baskets", type=int, default=500, help="generated test baskets")
    ev.add_argument("--latency-images", type=int, default=50)
    ev.add_argument("--no-int8", action="store_true", help="skip the INT8 model")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--update-card", action="store_true", help="store the figures as the model card's metrics")
    ev.set_defaults(handler=_eval)


def _show(args: argparse.Namespace) -> int:
    import cv2

    from vision.classes import catalog_classes
    from vision.dataset import render_example, render_seed
    from vision.detector import Detector
    from vision.draw import draw
    from vision.errors import ModelError

    try:
        detector = Detector.from_path(args.model)
    except ModelError as exc:
        raise CliError(str(exc)) from exc
    image, _ = render_example(render_seed(args.seed, "test", args.index), None, catalog_classes())
    found = detector(image, conf=args.conf)
    if not cv2.imwrite(str(args.out), draw(image, found)):
        raise CliError(f"{args.out}: could not write the picture")
    print(json.dumps({"picture": str(args.out), "counts": found.counts(), "non_merchandise": found.non_merchandise()}))
    return 0


def _dataset(args: argparse.Namespace) -> int:
    from vision import dataset

    if args.out.exists() and any(args.out.iterdir()):
        raise CliError(f"{args.out} exists and is not empty")
    counts = {"train": args.train, "val": args.val, "test": args.test}
    path = dataset.generate(args.out, counts, args.seed, max_side=args.max_side, workers=args.workers)
    print(path)
    return 0


def _train(args: argparse.Namespace) -> int:
    from vision import train

    _require_dataset(args.data)
    try:
        import ultralytics  # noqa: F401
    except ModuleNotFoundError as exc:
        raise CliError("ultralytics is not installed: train in the training venv (pip install -e '.[train]')") from exc
    config = train.TrainConfig(
        data=args.data,
        out=args.out,
        model=args.model,
        epochs=args.epochs,
        imgsz=args.imgsz,
        batch=args.batch,
        seed=args.seed,
        device=args.device,
        workers=args.workers,
        time_h=args.time,
        optimizer=args.optimizer,
        lr0=args.lr0,
        warmup_epochs=args.warmup_epochs,
    )
    run = train.train(config, command=shlex.join(["basketcheck", *sys.argv[1:]]))
    print(run / "weights" / "best.pt")
    return 0


def _export(args: argparse.Namespace) -> int:
    from vision import export

    _require_dataset(args.data)
    if not args.weights.is_file():
        raise CliError(f"{args.weights}: no such weights file")
    metrics = json.loads(args.metrics.read_text()) if args.metrics else None
    card = export.export(
        args.weights, args.data, args.out, imgsz=args.imgsz, calibration=args.calibration, metrics=metrics
    )
    print(card)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from vision import evaluate
    from vision.errors import ModelError

    try:
        figures = evaluate.run(
            args.model,
            data=args.data,
            seed=args.seed,
            baskets=args.baskets,
            latency_images=args.latency_images,
            int8=not args.no_int8,
        )
    except ModelError as exc:
        raise CliError(str(exc)) from exc
    if args.update_card:
        from vision.card import update_metrics

        update_metrics(args.model, figures)
    if args.json:
        json.dump(figures, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for key, value in figures.items():
            print(f"{key:>18}: {json.dumps(value)}")
    return 0


def _require_dataset(path: Path) -> None:
    from vision import dataset

    try:
        dataset.load(path)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
