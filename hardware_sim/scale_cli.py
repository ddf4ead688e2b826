"""``basketcheck sim scale``: run a simulated scale on a pty until stopped, and print its device path.

Registered as the ``scale`` subcommand of ``basketcheck sim`` (:mod:`hardware_sim.cli`). The scale weighs an
empty tray unless ``--load`` puts something on it; ``--mtsics`` simulates a certified MT-SICS balance
instead of our MCU.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from backend.cli import CliError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mtsics", action="store_true", help="an MT-SICS balance instead of the basketcheck MCU")
    parser.add_argument("--seed", type=int, default=0, help="seed of noise, spikes and the cells (default 0)")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second (default 1)")
    parser.add_argument("--link", type=Path, default=None, help="path of the device symlink (default: a temp dir)")
    parser.add_argument("--cell-gain-spread", type=float, default=0.0, help="cells off nominal by up to ±this (0.02)")
    parser.add_argument("--calibration-out", type=Path, default=None, help="write the cells' exact calibration here")
    parser.add_argument("--load", type=float, action="append", default=[], help="put an item of GRAMS on the tray")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this many seconds (default: Ctrl-C)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from hardware_sim.scene import PlacedItem, Scene

    if args.speed <= 0:
        raise CliError("--speed must be > 0")
    if args.link is not None and not args.link.parent.is_dir():
        raise CliError(f"--link: folder {args.link.parent} does not exist")
    scene = Scene()
    for i, grams in enumerate(args.load):
        scene.place(PlacedItem(0, "product", f"load-{i}", grams, 150.0 + 100.0 * i, 200.0))
    device: Any
    if args.mtsics:
        from hardware_sim.mtsics_device import SimulatedMtSicsDevice

        device = SimulatedMtSicsDevice(scene, seed=args.seed, speed=args.speed, link_path=args.link)
    else:
        from hardware_sim.scale_device import SimulatedScaleDevice

        device = SimulatedScaleDevice(
            scene, seed=args.seed, speed=args.speed, cell_gain_spread=args.cell_gain_spread, link_path=args.link
        )
    stop = threading.Event()
    # SIGTERM (e.g. from a test harness or systemd) stops as cleanly as Ctrl-C; only the main thread may set it.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with device:
            print(device.port, flush=True)
            if args.calibration_out is not None and not args.mtsics:
                device.write_calibration(args.calibration_out)
                print(f"# calibration of these cells: {args.calibration_out}", file=sys.stderr, flush=True)
            kind = "MT-SICS balance (9600 8N1)" if args.mtsics else "basketcheck MCU, 4 load cells"
            print(f"# simulated {kind} at {args.speed:g}x; Ctrl-C to stop", file=sys.stderr, flush=True)
            with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the normal way to stop it
                stop.wait(args.seconds)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
