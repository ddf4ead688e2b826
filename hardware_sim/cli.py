"""``basketcheck sim``: run a simulated station, render frames, validate scenario files, run the scale alone.

Subcommands:

* ``station`` — the scene, its camera streams (``--cameras top,left,right``) and its scale on a pty; prints the
  URLs and the serial port, then takes commands on stdin and on a small HTTP control API (see
  :mod:`hardware_sim.station_control`);
* ``render`` — write camera frames as PNG (random baskets from a seed, or a scenario's basket; ``--view left``
  for a side camera), with the ground truth as JSON next to each;
* ``scenarios validate [FILES]`` — check scenario files, one or several scenarios each (default: the shipped
  suite); ``scenarios list`` — the shipped scenarios; ``scenarios generate`` — a benchmark suite of generated
  baskets as multi-document YAML (:mod:`hardware_sim.scenario_generate`);
* ``scale`` — just the simulated scale on a pty (:mod:`hardware_sim.scale_cli`).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from backend.cli import CliError


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="sim_command", metavar="SUBCOMMAND", required=True)

    p = sub.add_parser("station", help="run a simulated station: camera stream + scale, driven by commands")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    p.add_argument(
        "--camera-port",
        type=int,
        default=0,
        help="first camera's HTTP port, the next ones after it (default: any free)",
    )
    p.add_argument(
        "--cameras",
        default="top",
        help="cameras to serve, comma-separated: top, left, right (default: top); one MJPEG stream each",
    )
    p.add_argument("--control-port", type=int, default=0, help="control API port (default: any free port)")
    p.add_argument("--fps", type=float, default=10.0, help="camera frames per second (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the scale's noise and the camera's lighting")
    p.add_argument("--no-scale", action="store_true", help="run without the simulated scale")
    p.add_argument("--scenario", help="put this scenario's basket on the tray at start (a name or a .yaml path)")
    p.add_argument("--no-stdin", action="store_true", help="do not read commands from stdin (run until Ctrl-C)")
    p.set_defaults(handler=_station)

    p = sub.add_parser("render", help="write camera frames as PNG with ground truth JSON")
    p.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--count", type=int, default=1, help="frames to write, seeds SEED, SEED+1, … (default 1)")
    p.add_argument("--scenario", help="render this scenario's basket instead of random ones")
    p.add_argument("--clean", action="store_true", help="no lighting, blur, noise or JPEG: the ideal picture")
    p.add_argument("--boxes", action="store_true", help="draw the ground-truth boxes on the picture")
    p.add_argument("--view", default="top", help="the camera: top, left or right (default top; others end -VIEW)")
    p.add_argument("--out", type=Path, default=Path("."), help="folder to write into (default: here)")
    p.set_defaults(handler=_render)

    p = sub.add_parser("scenarios", help="check, list and generate scenario files")
    scen = p.add_subparsers(dest="scenarios_command", metavar="ACTION", required=True)
    v = scen.add_parser("validate", help="validate scenario files (default: the shipped suite)")
    v.add_argument("files", nargs="*", type=Path, help="scenario YAML files (one or several scenarios each)")
    v.set_defaults(handler=_validate)
    ls = scen.add_parser("list", help="list the shipped scenarios with their categories and expected verdicts")
    ls.set_defaults(handler=_list)
    g = scen.add_parser("generate", help="generate a benchmark suite of baskets as multi-document YAML")
    g.add_argument("--n", type=int, default=500, help="how many scenarios (default 500)")
    g.add_argument("--seed", type=int, default=7, help="the suite's seed (default 7: the shipped decision-500)")
    g.add_argument("--out", type=Path, help="file to write (default: standard output)")
    g.add_argument(
        "--hard", action="store_true", help="a harder mix: bigger baskets (mostly 12–30 pieces), clutter 0.3–0.85"
    )
    g.set_defaults(handler=_generate)

    from hardware_sim import scale_cli

    scale_cli.configure(sub.add_parser("scale", help="just the simulated scale on a pty"))


def _station(args: argparse.Namespace) -> int:
    from hardware_sim.scenario import ScenarioError, find_scenario
    from hardware_sim.station import SimStation
    from hardware_sim.station_control import ControlServer, serve_stdin
    from hardware_sim.views import parse_cameras

    try:
        cameras = parse_cameras(args.cameras)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    try:
        station = SimStation(
            seed=args.seed,
            host=args.host,
            camera_port=args.camera_port,
            fps=args.fps,
            with_scale=not args.no_scale,
            cameras=cameras,
        )
        station.start()
    except OSError as exc:
        raise CliError(f"cannot start the station: {exc}") from None
    control = ControlServer(station, args.host, args.control_port)
    control.start()
    try:
        if args.scenario:
            try:
                station.place_scenario(find_scenario(args.scenario, station.catalog))
            except ScenarioError as exc:
                raise CliError(str(exc)) from None
        print(f"camera:   {station.camera_url}", flush=True)
        print(f"snapshot: {station.snapshot_url}", flush=True)
        if args.no_scale:
            scale = "off (--no-scale)"
        else:
            scale = station.scale_port or "none (this build has no simulated scale)"
        print(f"scale:    {scale}", flush=True)
        print(f"control:  {control.url}  (GET /status, POST /command)", flush=True)
        if list(station.cameras) != ["top"]:
            for view, url in station.camera_urls.items():
                print(f"camera {view}: {url}", flush=True)
        if args.no_stdin:
            import signal
            import threading

            done = threading.Event()
            # SIGTERM (a supervisor stopping us) cleans up like Ctrl-C: the pty link must not be left behind.
            signal.signal(signal.SIGTERM, lambda *_: done.set())
            while not done.wait(0.5):
                pass
        else:
            print("type 'help' for commands, 'quit' to stop", flush=True)
            serve_stdin(station, sys.stdin, sys.stdout)
    finally:
        control.stop()
        station.stop()
    return 0


def _render(args: argparse.Namespace) -> int:
    import cv2

    from hardware_sim.render import CLEAN
    from hardware_sim.render_layout import random_basket
    from hardware_sim.render_views import render_view
    from hardware_sim.scenario import ScenarioError, find_scenario
    from hardware_sim.scenario_layout import basket_items
    from hardware_sim.views import VIEWS

    if args.count < 1:
        raise CliError("--count must be at least 1")
    if args.view not in VIEWS:
        raise CliError(f"--view: unknown camera {args.view!r}: known are {', '.join(VIEWS)}")
    suffix = "" if args.view == "top" else f"-{args.view}"
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create {args.out}: {exc}") from None
    scenario = None
    if args.scenario:
        try:
            scenario = find_scenario(args.scenario)
        except ScenarioError as exc:
            raise CliError(str(exc)) from None
    for seed in range(args.seed, args.seed + args.count):
        if scenario is not None:
            items = [item for _, item in basket_items(scenario)]
            stem = f"{scenario.name}-{seed:06d}{suffix}"
        else:
            items = random_basket(seed)
            stem = f"frame-{seed:06d}{suffix}"
        frame, truth = render_view(args.view, items, seed, CLEAN if args.clean else None)
        if args.boxes:
            _draw_boxes(frame, truth)
        png = args.out / f"{stem}.png"
        if not cv2.imwrite(str(png), frame):
            raise CliError(f"cannot write {png}")
        (args.out / f"{stem}.json").write_text(json.dumps([asdict(t) for t in truth], indent=1) + "\n")
        print(png)
    return 0


def _draw_boxes(frame: Any, truth: list[Any]) -> None:
    import cv2

    colours = {"product": (60, 220, 60), "distractor": (40, 140, 255), "basket": (200, 200, 200)}
    for t in truth:
        if t.kind == "basket" or not t.pixels:
            continue
        cv2.rectangle(frame, t.box[:2], (t.box[2] - 1, t.box[3] - 1), colours[t.kind], 2)
        label = f"{t.ref[-6:] if t.kind == 'product' else t.ref} {t.visible_fraction:.2f}"
        cv2.putText(frame, label, (t.box[0] + 3, t.box[1] + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3)
        cv2.putText(frame, label, (t.box[0] + 3, t.box[1] + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colours[t.kind], 1)


def _validate(args: argparse.Namespace) -> int:
    from hardware_sim.scenario import iter_problems_counted, shipped_scenario_files

    files = list(args.files) or shipped_scenario_files()
    failed = 0
    for path, problems, count in iter_problems_counted(files):
        if problems:
            failed += 1
            for problem in problems:
                print(problem, file=sys.stderr)
        else:
            print(f"{path}: ok" + (f" ({count} scenarios)" if count != 1 else ""))
    if failed:
        raise CliError(f"{failed} of {len(files)} scenario file(s) have problems")
    return 0


def _list(args: argparse.Namespace) -> int:
    from hardware_sim.scenario import load_shipped_scenarios

    for name, s in load_shipped_scenarios().items():
        reasons = f" ({', '.join(s.expect.reasons)})" if s.expect.reasons else ""
        print(f"{name:<28} {s.category:<14} {s.expect.verdict}{reasons}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from hardware_sim.scenario import CATEGORIES
    from hardware_sim.scenario_generate import dump_scenarios, generate_suite, suite_header

    if args.n < 1:
        raise CliError("--n must be at least 1")
    scenarios = generate_suite(args.n, args.seed, hard=args.hard)
    text = dump_scenarios(scenarios, header=suite_header(args.n, args.seed, args.hard))
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {args.out}: {exc}") from None
    counts: dict[str, int] = {}
    for s in scenarios:
        counts[s.category] = counts.get(s.category, 0) + 1
    where = f" to {args.out}" if args.out is not None else ""
    summary = ", ".join(f"{c} {counts[c]}" for c in CATEGORIES if c in counts)
    print(f"{len(scenarios)} scenarios (seed {args.seed}){where}: {summary}", file=sys.stderr)
    return 0
