"""``basketcheck scale``: look at a scale and calibrate it, by its serial URL (for technicians).

basketcheck scale monitor URL [--kind mtsics] [--calibration FILE] [--seconds S] [--json]
basketcheck scale calibrate URL --known 2000 [--calibration FILE]
basketcheck scale info URL
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from backend.cli import CliError


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="scale_command", metavar="SUBCOMMAND", required=True)

    p = sub.add_parser("monitor", help="show live readings (weight, stability, cells, faults)")
    _url_options(p)
    p.add_argument("--seconds", type=float, default=None, help="stop after this many seconds (default: Ctrl-C)")
    p.add_argument("--rate", type=float, default=5.0, help="lines per second (default 5)")
    p.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    p.set_defaults(handler=monitor)

    p = sub.add_parser("calibrate", help="guided corner calibration with a known weight; saves the file")
    p.add_argument("url", help="serial URL of a basketcheck MCU (/dev/ttyACM0, a pty path, socket://…)")
    p.add_argument("--known", type=float, required=True, help="the test weight in grams (e.g. 2000)")
    p.add_argument("--calibration", type=Path, default=None, help="file to write (default: the standard path)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait at each step (default 120)")
    p.set_defaults(handler=calibrate)

    p = sub.add_parser("info", help="what is on the other end: firmware, channels, rate, link statistics")
    _url_options(p)
    p.set_defaults(handler=info)


def _url_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="serial URL (/dev/ttyACM0, a pty path, socket://host:port, …)")
    p.add_argument("--kind", choices=("firmware", "mtsics"), default="firmware", help="what speaks on the port")
    p.add_argument("--calibration", type=Path, default=None, help="calibration file of a firmware scale")


def _open(args: argparse.Namespace, **options: Any) -> Any:
    from firmware_bridge.calibration import CalibrationError
    from firmware_bridge.scale import ScaleError, open_scale

    try:
        if args.kind == "mtsics":
            return open_scale(args.url, kind="mtsics", **options)
        return open_scale(args.url, calibration_path=args.calibration, **options)
    except (ScaleError, CalibrationError) as exc:
        raise CliError(str(exc)) from None


def _line(r: Any) -> str:
    value = "   ----" if r.grams is None else f"{r.grams:7.0f}"
    state = "STABLE" if r.stable else "moving" if r.ok else "FAULT "
    parts = [f"{value} g  {state}"]
    if r.tare_g:
        parts.append(f"tare {r.tare_g:.0f} g")
    if r.cells_g:
        parts.append("cells " + " ".join(f"{c:8.1f}" for c in r.cells_g))
    if r.centre_mm is not None:
        parts.append(f"centre ({r.centre_mm[0]:.0f}, {r.centre_mm[1]:.0f}) mm")
    if r.faults:
        parts.append("faults: " + ", ".join(sorted(r.faults)))
    return "  ".join(parts)


def _json(r: Any) -> str:
    return json.dumps(
        {
            "t": round(r.timestamp, 3),
            "grams": r.grams,
            "stable": r.stable,
            "tare_g": r.tare_g,
            "cells_g": [round(c, 2) for c in r.cells_g],
            "centre_mm": None if r.centre_mm is None else [round(v, 1) for v in r.centre_mm],
            "faults": sorted(r.faults),
        }
    )


def monitor(args: argparse.Namespace) -> int:
    if args.rate <= 0:
        raise CliError("--rate must be > 0")
    from firmware_bridge.scale import default_calibration_path

    calibration = args.calibration or default_calibration_path()
    # With a calibration the empty tray is known: weigh what is on it from there, never zero it away. Without one
    # the data-sheet zero includes the tray and the cells' offsets, so the scale must zero at start (and says so).
    weigh_from_calibration = args.kind == "firmware" and calibration.exists()
    scale = _open(args, initial_zero=False) if weigh_from_calibration else _open(args)
    started = time.monotonic()
    next_line = 0.0
    shown: tuple[bool, frozenset[str]] | None = None
    print(f"# {scale.info.kind} scale {scale.info.device} on {args.url}; Ctrl-C to stop", file=sys.stderr)
    if weigh_from_calibration:
        print(
            f"# weighing from the calibrated empty tray ({calibration}): a load already on it is shown", file=sys.stderr
        )
    zero_told = args.kind != "firmware" or weigh_from_calibration
    try:
        while args.seconds is None or time.monotonic() - started < args.seconds:
            # The stream ends after 0.5 s without a reading (link down); then look at the clock and go on.
            for r in scale.readings(timeout=0.5):
                now = time.monotonic()
                if args.seconds is not None and now - started >= args.seconds:
                    break
                # A change of state (stable, moving, a fault) shows at once; otherwise a few lines a second.
                if not zero_told and r.ok:
                    zero_told = True
                    print(
                        "# no calibration file: the scale zeroed itself at start, so whatever was on the tray then "
                        "reads 0 g; calibrate it (basketcheck scale calibrate) to see a load already on the tray",
                        file=sys.stderr,
                    )
                state = (r.stable, r.faults)
                if now < next_line and state == shown:
                    continue
                shown = state
                next_line = now + 1.0 / args.rate
                print(_json(r) if args.json else _line(r), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        scale.close()
    stats = getattr(scale, "link", None)
    if stats is not None:
        s = stats.stats
        print(
            f"# frames {s.frames}, seq gaps {s.seq_gaps}, bad CRC {s.decoder.bad_crc}, bad COBS {s.decoder.bad_cobs},"
            f" reconnects {s.reconnects}, MCU reboots {s.reboots}",
            file=sys.stderr,
        )
    return 0


def calibrate(args: argparse.Namespace) -> int:
    from firmware_bridge.calibration import CalibrationError
    from firmware_bridge.calibration_procedure import CornerCalibration
    from firmware_bridge.firmware_scale import FirmwareScale
    from firmware_bridge.scale import ScaleError, default_calibration_path

    if args.known <= 0:
        raise CliError("--known must be a positive number of grams")
    path = args.calibration or default_calibration_path()
    try:
        # Raw view for calibration: no initial zero, no zero tracking, whatever calibration there is now.
        scale = FirmwareScale.open(
            args.url, calibration_path=path if path.exists() else None, initial_zero=False, zero_tracking=False
        )
    except (ScaleError, CalibrationError) as exc:
        raise CliError(str(exc)) from None
    try:
        result = CornerCalibration(
            scale, args.known, say=lambda text: print(text, flush=True), step_timeout=args.timeout
        ).run()
    except (CalibrationError, ScaleError) as exc:
        raise CliError(f"calibration failed: {exc}") from None
    except KeyboardInterrupt:
        raise CliError("calibration cancelled; nothing was saved", 130) from None
    finally:
        scale.close()
    result.calibration.save(path)
    for i, (cell, err) in enumerate(zip(result.calibration.cells, result.check_errors_g[:4], strict=False)):
        print(f"cell {i}: {1 / cell.grams_per_count:9.3f} counts/g, zero {cell.zero_counts:10.0f}, check {err:+.2f} g")
    print(f"middle check {result.check_errors_g[4]:+.2f} g")
    print(f"saved {path}")
    return 0


def info(args: argparse.Namespace) -> int:
    scale = _open(args)
    try:
        time.sleep(0.3)
        i = scale.info
        print(f"kind      {i.kind}\nurl       {i.url}\ndevice    {i.device}")
        if i.kind == "firmware":
            print(f"channels  {i.channels}\nrate      {i.rate_sps} SPS\nboot id   {i.extra.get('boot_id', 0):08x}")
            print(f"calibration {scale.calibration_path or 'nominal (data sheet)'}")
    finally:
        scale.close()
    return 0
