"""``basketcheck bench decision``: shoppers' baskets through the real station, verdicts scored per sensor mode.

Each scenario is played at real-time pace on a simulated station (scale device on a pty read through the
bridge, MJPEG camera read with ``cv2.VideoCapture``); the station runs exactly as in a store (state machine,
camera, detector, fusion) against a local basket source that holds what the scenario scanned. For every final
decision the same observations are also decided with the weight alone and the camera alone, so the three
modes are compared on identical baskets.

Scoring: ``false_alarm_rate`` = honest baskets not passed; ``catch_rate[c]`` = fraud baskets of category c
not passed (a RECHECK or a FLAG both stop the shopper from leaving unchecked), counted as the targets define
them: visually distinct frauds only (a switch to a look-alike, or an unscanned look-alike under 100 g, is left
out); ``catch_rate_incl_lookalikes`` counts every fraud basket; ``catch_rate_in_view`` only the distinct frauds
the final pictures show (:func:`fraud_in_view`: what a perfect detector could see in any of the station's
views, ``--cameras``); ``in_view_share`` says which share of the distinct frauds the primary (top) view alone
and all views show. Fault scenarios are reported
apart (``faults``: share decided as the scenario expects) and left out of the times.
``time_to_verdict_ms``: from the moment the last item landed on the tray to the verdict on the screen
(fused: measured; weight_only: measured minus the camera's share; vision_only: the first picture after
landing plus the detector's time, i.e. a camera-only unit that decided on the first frame).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from validation_unit import bench_replay
from validation_unit.basket import ExpectedBasket, ExpectedLine, Product

MODES = ("fused", "weight_only", "vision_only")


def configure(parser: argparse.ArgumentParser, visions: tuple[str, ...] = ("model", "oracle")) -> None:
    parser.add_argument("--scenarios", type=Path, default=None, help="scenario file (default: the shipped suite)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N scenarios")
    parser.add_argument("--model", type=Path, default=None, help="detector model folder (default: vision/models)")
    parser.add_argument("--variant", choices=("fp32", "int8"), default="int8")
    parser.add_argument("--fps", type=float, default=15.0, help="camera frames per second")
    parser.add_argument(
        "--no-dynamic", action="store_true", help="weigh with the classic stability rule alone (no dynamic weighing)"
    )
    parser.add_argument("--details", action="store_true", help="include every basket's verdicts in the figures")
    parser.add_argument("--config", type=Path, default=None, help="a unit config file: its [policy] is used")
    parser.add_argument(
        "--vision",
        choices=visions,
        default=visions[0],
        help=f"default {visions[0]}. model: the ONNX detector; oracle: the simulator's ground truth as perfect "
        "detections (items ≥ 30 %% visible) — a diagnostic that separates the fusion's quality from the detector's"
        + ("; both: oracle, then model" if "both" in visions else ""),
    )
    parser.add_argument(
        "--cameras",
        default="top",
        help="the simulated station's cameras, comma-separated (top, left, right; default: top): every view is "
        "looked at and merged; the figures say which frauds the top view alone and all views show",
    )
    parser.add_argument(
        "--association",
        choices=("count", "place"),
        default="count",
        help="several cameras: merge views by the largest count of one view (default) or by place (tray homographies)",
    )
    parser.add_argument(
        "--record", type=Path, default=None, help="also write every basket's observations to this file (JSON lines)"
    )
    parser.add_argument(
        "--replay",
        type=Path,
        action="append",
        default=None,
        help="decide the observations of a --record file again (fusion only, seconds; with --config's policy); "
        "give it several times to score several suites in one run",
    )
    parser.add_argument(
        "--decider",
        choices=("cascade", "model", "both"),
        default=None,
        help="the decider (default: the policy's, cascade): the rule cascade, the probability model, or both "
        "side by side (with --replay)",
    )
    parser.add_argument(
        "--fit-camera",
        type=Path,
        default=None,
        metavar="FILE",
        help="with --replay: fit the model's camera likelihoods from the recorded observations and write them to "
        "FILE (then set [policy] camera_calibration, or copy it over validation_unit/fusion/camera_calibration.json)",
    )


class LocalSource:
    """The basket source of the benchmark: the scenario's scans, verdicts kept in memory."""

    def __init__(self) -> None:
        self.expected: ExpectedBasket | None = None
        self.submitted: list[dict[str, Any]] = []

    def current(self) -> ExpectedBasket | None:
        return self.expected

    def bind_qr(self) -> str | None:
        return None

    def submit(self, document: dict[str, Any], attachments: dict[str, tuple[str, bytes]]) -> None:
        self.submitted.append(document)

    def heartbeat(self, state: str, health: dict[str, Any]) -> None:
        pass


VISIBLE_ENOUGH = 0.3  # an item at least this visible could be detected (the oracle's bar, and ``in_view``'s)


def fraud_in_view(scenario: Any, truth: list[dict[str, Any]] | Mapping[str, list[dict[str, Any]]]) -> bool:
    """Whether the cameras' final pictures show what is wrong, from the simulator's ground truth (one view's
    list, or every view's by camera id): more pieces of each over-placed product at least ``VISIBLE_ENOUGH``
    visible in some view than were scanned, and a personal item that visible if one was placed. An item seen in
    several views is one item (the truth's ``item_id``). (A scanned item that is missing cannot hide: that part
    always counts as in view.) Separates the detector's misses from frauds that no picture shows."""
    from hardware_sim.scenario import placed_counts, scanned_counts

    views = list(truth.values()) if isinstance(truth, Mapping) else [truth]
    shown: dict[int, dict[str, Any]] = {}
    for rows in views:
        for t in rows:
            if t["visible_fraction"] >= VISIBLE_ENOUGH:
                shown[t["item_id"]] = t
    scanned, placed = scanned_counts(scenario), placed_counts(scenario)
    visible: Counter[str] = Counter(t["ref"] for t in shown.values() if t["kind"] == "product")
    extras_seen = all(visible[g] > scanned.get(g, 0) for g in placed if placed[g] > scanned.get(g, 0))
    personal_placed = any(p.kind == "distractor" for p in scenario.placed)
    personal_seen = any(t["kind"] == "distractor" for t in shown.values())
    return extras_seen and (personal_seen or not personal_placed)


def basket_truth(scenario: Any, truth: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """What was really on the tray, for fitting the camera's likelihoods from a ``--record`` file: products
    placed (GTIN-14 → pieces), personal items placed, the basket type, and per product the pieces at least
    ``VISIBLE_ENOUGH`` visible in some view (an item seen in several views counted once)."""
    from hardware_sim.scenario import placed_counts

    shown: dict[int, dict[str, Any]] = {}
    for rows in truth.values():
        for t in rows:
            if t["visible_fraction"] >= VISIBLE_ENOUGH:
                shown[t["item_id"]] = t
    visible = Counter(t["ref"] for t in shown.values() if t["kind"] == "product")
    return {
        "placed": placed_counts(scenario),
        "personal": sum(1 for p in scenario.placed if p.kind == "distractor"),
        "personal_visible": sum(1 for t in shown.values() if t["kind"] == "distractor"),
        "visible": dict(visible),
        "basket": scenario.basket,
    }


class OracleDetector:
    """Perfect detections from the simulator's ground truth of one camera's current frame (items at least 30 %
    visible in that view); the station says which camera a picture is from."""

    def __init__(self, sim: Any, model: Any) -> None:
        self.sim = sim
        self.names = dict(zip(model.gtin14, model.names, strict=True))

    def __call__(self, bgr: Any, camera: str = "top") -> Any:
        import numpy as np

        from vision.detections import Detections

        server = self.sim.cameras.get(camera, self.sim.camera)
        rows = [
            t
            for t in server.current_frame()[1]
            if t["kind"] in ("product", "distractor") and t["visible_fraction"] >= VISIBLE_ENOUGH
        ]
        gtins = tuple(t["ref"] if t["kind"] == "product" else None for t in rows)
        names = tuple(self.names.get(g, "personal item") if g else "personal item" for g in gtins)
        return Detections(
            np.array([t["visible_box"] for t in rows], np.float32).reshape(-1, 4),
            np.ones(len(rows), np.float32),
            np.arange(len(rows)),
            gtins,
            (bgr.shape[1], bgr.shape[0]),
            names,
            camera=camera,
        )


def expected_from_scans(scenario: Any, catalog: Any, trip_id: str) -> ExpectedBasket:
    """What the backend would hand the unit for this scenario's scans (catalog weights, no learning)."""
    lines = []
    for i, scan in enumerate(scenario.scans):
        row = catalog.get(scan.gtin14)
        if scan.weight_g is not None:
            lines.append(
                ExpectedLine(scan.gtin14, row.name, 1, row.weight_mean_g, row.weight_sd_g, scan.weight_g, f"l{i}")
            )
        else:
            lines.append(
                ExpectedLine(scan.gtin14, row.name, scan.qty, row.weight_mean_g, row.weight_sd_g, None, f"l{i}")
            )
    merged: dict[str, ExpectedLine] = {}
    for line in lines:  # the backend folds repeated scans of a fixed-weight product into one line
        key = line.line_key if line.variable else line.gtin14
        if key in merged:
            old = merged[key]
            merged[key] = ExpectedLine(
                old.gtin14,
                old.name,
                old.quantity + line.quantity,
                old.weight_mean_g,
                old.weight_sd_g,
                None,
                old.line_key,
            )
        else:
            merged[key] = line
    return ExpectedBasket(trip_id, 1, tuple(merged.values()))


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo), 1)


def _policy(args: argparse.Namespace) -> Any:
    from validation_unit.basket import Policy

    if getattr(args, "config", None) is not None:
        from validation_unit.config import load_config

        return load_config(args.config).to_policy()
    return Policy()


def _products(catalog: Any) -> dict[str, Product]:
    return {
        r.gtin14: Product(r.gtin14, r.name, r.weight_mean_g, r.weight_sd_g, r.by_weight, r.lookalike_group)
        for r in catalog
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from validation_unit.fusion import decide

    if getattr(args, "replay", None):
        return _run_replays(args)
    if getattr(args, "decider", None) == "both":
        from backend.cli import CliError

        raise CliError("--decider both compares recorded observations: use it with --replay", 2)
    return _run_live(args, decide)


def _deciders(args: argparse.Namespace) -> list[Any]:
    """The policies to decide with: the config's, or with ``--decider``'s decider (both: cascade, then model)."""
    import dataclasses

    policy = _policy(args)
    chosen = getattr(args, "decider", None)
    names = ["cascade", "model"] if chosen == "both" else [chosen] if chosen else [policy.decision]
    return [dataclasses.replace(policy, decision=name) for name in names]


def _run_replays(args: argparse.Namespace) -> dict[str, Any]:
    """``--replay`` (once or per suite): the recorded observations decided again, per decider; or the camera's
    likelihoods fitted from them (``--fit-camera``)."""
    from backend.cli import CliError
    from hardware_sim.catalog import load_demo_catalog
    from validation_unit.fusion.camera import CalibrationError, fit

    products = _products(load_demo_catalog())
    paths: list[Path] = args.replay if isinstance(args.replay, list) else [args.replay]
    fit_camera: Path | None = getattr(args, "fit_camera", None)
    details = bool(getattr(args, "details", False))
    if fit_camera is not None:
        try:
            rows = [row for path in paths for row in bench_replay.read(path)]
            calibration = fit(rows, products, source=", ".join(p.name for p in paths))
        except (bench_replay.ReplayError, CalibrationError) as exc:
            raise CliError(str(exc), 2) from None
        fit_camera.parent.mkdir(parents=True, exist_ok=True)
        fit_camera.write_text(calibration.to_json() + "\n", encoding="utf-8")
        _progress(f"decision: camera likelihoods fitted on {calibration.baskets} baskets, written to {fit_camera}")
        return {"fitted": str(fit_camera), "baskets": calibration.baskets, "source": calibration.source}
    policies = _deciders(args)
    suites: dict[str, Any] = {}
    for path in paths:
        per_decider: dict[str, Any] = {}
        for policy in policies:
            try:
                rows = bench_replay.replay(path, policy, products)
            except (bench_replay.ReplayError, CalibrationError) as exc:
                raise CliError(str(exc), 2) from None
            figures = score(rows)
            figures["baskets"] = len(rows)
            if details:
                figures["details"] = rows
            per_decider[policy.decision] = figures
        suites[str(path)] = per_decider if len(policies) > 1 else next(iter(per_decider.values()))
    if len(suites) == 1 and len(policies) == 1:
        figures = next(iter(suites.values()))
        figures["replayed"] = str(paths[0])
        figures["decider"] = policies[0].decision
        return dict(figures)
    return {"replayed": suites, "deciders": [p.decision for p in policies]}


def _run_live(args: argparse.Namespace, decide: Any) -> dict[str, Any]:
    from firmware_bridge.scale import open_scale
    from hardware_sim.scenario import default_bench_suite, load_scenarios
    from hardware_sim.station import SimStation
    from validation_unit.camera import Camera, quiet_opencv
    from validation_unit.station import Outcome, Station
    from vision.detector import Detector

    scenarios = load_scenarios(args.scenarios) if args.scenarios else default_bench_suite()
    if args.limit:
        scenarios = scenarios[: args.limit]
    model = args.model or Path(__file__).resolve().parent.parent / "vision" / "models"
    detector: Any = Detector.from_path(model, variant=args.variant, threads=2)
    quiet_opencv()
    policy = _deciders(args)[0]  # --decider overrides the config's
    results: list[dict[str, Any]] = []
    from hardware_sim.views import parse_cameras

    try:
        camera_ids = parse_cameras(getattr(args, "cameras", "top"))
    except ValueError as exc:
        from backend.cli import CliError

        raise CliError(str(exc), 2) from None
    with SimStation(seed=7, fps=args.fps, cameras=camera_ids) as sim:
        catalog = sim.catalog
        products = _products(catalog)
        assert sim.scale_port is not None
        options: dict[str, Any] = {"dynamic": None} if getattr(args, "no_dynamic", False) else {}
        scale = open_scale(sim.scale_port, **options)
        # The bridge takes its start-up zero from the first stable reading: let it happen on the empty tray.
        scale.wait_for(lambda r: r.stable and r.grams is not None and abs(r.grams) < 5, 20.0)
        cameras = {view: Camera(url).start() for view, url in sim.camera_urls.items()}
        camera = cameras[camera_ids[0]]
        if getattr(args, "vision", "model") == "oracle":
            detector = OracleDetector(sim, detector)
        source = LocalSource()
        outcomes: list[Outcome] = []
        got = threading.Condition()

        def on_outcome(outcome: Outcome) -> None:
            with got:
                outcomes.append(outcome)
                got.notify_all()

        station = Station(
            scale=scale,
            cameras=cameras,
            geometry=_sim_geometry(sim.camera_urls),
            associate_by_place=getattr(args, "association", "count") == "place",
            detector=detector,
            source=source,
            unit_id="bench",
            policy=policy,
            products=products,
            on_outcome=on_outcome,
            poll_s=0.05,
            heartbeat_s=3600.0,
        )
        station.start()
        try:
            if camera.frame_after(0.0, 10.0) is None:
                raise RuntimeError(f"the simulated camera gave no picture: {camera.problem}")
            started = time.monotonic()
            for i, scenario in enumerate(scenarios, 1):
                source.expected = expected_from_scans(scenario, catalog, f"bench{i}")
                results.append(_one(sim, station, scenario, outcomes, got, policy, products, decide))
                sim.clear()
                sim.clear_faults()
                _wait_idle(station)
                if i % 10 == 0 or i == len(scenarios):
                    rate = i / (time.monotonic() - started)
                    _progress(
                        f"decision: {i}/{len(scenarios)} baskets, {rate:.2f}/s, "
                        f"~{(len(scenarios) - i) / rate:.0f} s left"
                    )
        finally:
            station.stop()
            for each in cameras.values():
                each.stop()
            scale.close()
    record = getattr(args, "record", None)
    if record is not None:
        bench_replay.write(record, results)
        _progress(f"decision: observations of {len(results)} baskets written to {record}")
    for row in results:
        row.pop("observation", None)
    figures = score(results)
    figures["baskets"] = len(results)
    figures["model"] = f"{model} ({args.variant})" if getattr(args, "vision", "model") == "model" else "oracle"
    figures["cameras"] = list(camera_ids)
    if args.details:
        figures["details"] = results
    return figures


def _one(
    sim: Any,
    station: Any,
    scenario: Any,
    outcomes: list[Any],
    got: threading.Condition,
    policy: Any,
    products: dict[str, Product],
    decide: Any,
) -> dict[str, Any]:
    placed_at: list[float] = []
    events_at: list[float] = []

    def seen_event(event: Any) -> None:
        now = time.monotonic()
        events_at.append(now)
        if event.action == "place":
            placed_at.append(now)

    with got:
        outcomes.clear()
    sim.play(scenario, on_event=seen_event)
    last_place = placed_at[-1] if placed_at else time.monotonic()
    last_event = events_at[-1] if events_at else last_place
    deadline = time.monotonic() + 30.0  # generous: a busy machine slows the simulated scale too
    final = None
    with got:
        while time.monotonic() < deadline:
            current = [o for o in outcomes if o.attempt == station.machine.attempt]
            in_verdict = bool(current) and station.machine.phase == "verdict"
            # Final: decided after the last event, or still standing 2.5 s after it (a fault that changed nothing).
            if in_verdict and (current[-1].shown_at >= last_event or time.monotonic() > last_event + 2.5):
                final = current[-1]
                break
            got.wait(0.05)
    truth = sim.truth_by_camera()
    primary = next(iter(truth))
    row: dict[str, Any] = {
        "distinct": visually_distinct(scenario, products),
        "in_view": fraud_in_view(scenario, truth),  # in some view of the station's cameras
        "in_view_primary": fraud_in_view(scenario, truth[primary]),  # in the primary (top) view alone
        "scenario": scenario.name,
        "category": scenario.category,
        "expect": scenario.expect.verdict.upper(),
        "truth": basket_truth(scenario, truth),
    }
    if final is None:
        row.update({m: None for m in MODES})
        row["problem"] = f"no verdict (station {station.machine.phase}: {station.machine.notice})"
        return row
    decision = final.decision
    row["fused"] = decision.kind
    row["reasons"] = list(decision.codes)
    row["explanation"] = decision.explanation
    row["z"] = None if decision.z is None else round(decision.z, 2)
    row["seen"] = decision.seen
    row["weight_only"] = decide(final.expected, final.weight, None, policy, products).kind
    row["observation"] = bench_replay.observation(final.expected, final.weight, final.vision)
    vision_ok = final.vision is not None and final.vision.camera_ok
    row["vision_only"] = decide(final.expected, None, final.vision, policy, products).kind if vision_ok else None
    fused_ms = (final.shown_at - last_place) * 1000
    # The detector's time on the way to the verdict (none when it ran while the scale settled).
    waited_detector_ms = 0.0 if final.looked_ahead else final.detector_s * 1000
    row["looked_ahead"] = final.looked_ahead
    row["ms"] = {
        "fused": round(fused_ms, 1),
        "weight_only": round(fused_ms - waited_detector_ms, 1),
        "vision_only": None,
    }
    # Where the time went: last item landed → trusted weight → picture → verdict on the screen.
    if final.weighed_at is not None:
        row["ms_parts"] = {
            "weighed": round((final.weighed_at - last_place) * 1000, 1),
            "picture": None if final.frame_at is None else round((final.frame_at - final.weighed_at) * 1000, 1),
            "detector": round(final.detector_s * 1000, 1),
            "after_weighed": round((final.shown_at - final.weighed_at) * 1000, 1),
        }
    if vision_ok and final.frame is not None:
        camera = station.camera
        first = camera.frame_after(last_place, 0.0) if camera is not None else None
        if first is not None:
            row["ms"]["vision_only"] = round((first.at - last_place + final.detector_s) * 1000, 1)
    return row


def visually_distinct(scenario: Any, products: dict[str, Product]) -> bool:
    """Whether the fraud is one the camera can see, as the targets define it: no item placed unscanned is a
    look-alike of a scanned one lighter than 100 g (unscanned), and no placed product is a look-alike of the
    scanned one it replaced (switch)."""
    from hardware_sim.scenario import placed_counts, scanned_counts

    scanned, placed = scanned_counts(scenario), placed_counts(scenario)
    extra = [g for g in placed if g in products and placed[g] > scanned.get(g, 0)]
    gone = [g for g in scanned if g in products and scanned[g] > placed.get(g, 0)]
    for g in extra:
        group = products[g].lookalike_group
        mates = [m for m in set(scanned) | set(gone) if m != g and m in products and products[m].lookalike_group]
        mixed_up = group and any(products[m].lookalike_group == group for m in mates)
        if mixed_up and (scenario.category == "switch" or products[g].weight_mean_g < 100):
            return False
    return True


def _sim_geometry(urls: Mapping[str, str]) -> dict[str, Any]:
    """The simulated cameras' geometry as a unit configured with their tray homographies (what calibrating them
    would give) gets it: the same ``[[cameras]]`` entries, through the runner's own function."""
    from hardware_sim.views import get_view, tray_homography
    from validation_unit.config import CameraEntry
    from validation_unit.runner import view_geometry

    entries = [
        CameraEntry(id=view, url=url, tray_homography=tray_homography(get_view(view)).tolist())
        for view, url in urls.items()
    ]
    return view_geometry(entries)


def _wait_idle(station: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and station.machine.phase not in ("idle", "out_of_service"):
        time.sleep(0.02)
    time.sleep(0.25)  # a moment of empty tray: the camera's "before" picture for the frozen check


def _share(rows: list[dict[str, Any]], key: str) -> float | None:
    """The share of ``rows`` whose ``key`` is true (a row without it counts as true, as older records are)."""
    return round(sum(1 for r in rows if r.get(key, True)) / len(rows), 4) if rows else None


def _share_caught(rows: list[dict[str, Any]], mode: str) -> float | None:
    return round(sum(1 for r in rows if r[mode] != "PASS") / len(rows), 4) if rows else None


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures per mode from the per-basket rows (pure: tested with plain data)."""
    from hardware_sim.scenario import FRAUD_CATEGORIES

    out: dict[str, Any] = {}
    for mode in MODES:
        honest = [r for r in rows if r["category"] == "honest" and r.get(mode) is not None]
        alarms = sum(1 for r in honest if r[mode] != "PASS")
        catch: dict[str, float | None] = {}
        catch_all: dict[str, float | None] = {}
        catch_in_view: dict[str, float | None] = {}
        counts: dict[str, int] = {}
        counts_in_view: dict[str, int] = {}
        for category in FRAUD_CATEGORIES:
            fraud = [r for r in rows if r["category"] == category and r.get(mode) is not None]
            distinct = [r for r in fraud if r.get("distinct", True)]
            in_view = [r for r in distinct if r.get("in_view", True)]
            counts[category] = len(distinct)
            counts_in_view[category] = len(in_view)
            catch[category] = _share_caught(distinct, mode)
            catch_all[category] = _share_caught(fraud, mode)
            catch_in_view[category] = _share_caught(in_view, mode)
        # Fault scenarios wait for the scale or camera on purpose: their times are not the shopper's normal wait.
        times = [
            r["ms"][mode] for r in rows if r["category"] != "fault" and r.get("ms") and r["ms"].get(mode) is not None
        ]
        parts = [r["ms_parts"] for r in rows if r["category"] != "fault" and r.get("ms_parts")]
        out[mode] = {
            "false_alarm_rate": round(alarms / len(honest), 4) if honest else None,
            "catch_rate": catch,
            "catch_rate_incl_lookalikes": catch_all,
            "catch_rate_in_view": catch_in_view,
            "time_to_verdict_ms": {"p50": _percentile(times, 0.5), "p95": _percentile(times, 0.95)},
            **({"time_parts_ms": _parts(parts)} if mode == "fused" and parts else {}),
            **({"looked_ahead_share": _looked_ahead_share(rows)} if mode == "fused" else {}),
            "honest_baskets": len(honest),
            "fraud_baskets": counts,
            "fraud_baskets_in_view": counts_in_view,
        }
    # Which distinct frauds a perfect detector could see: in the primary (top) view alone, and in any view.
    share: dict[str, dict[str, float | None]] = {"primary_view": {}, "all_views": {}}
    for category in FRAUD_CATEGORIES:
        distinct = [r for r in rows if r["category"] == category and r.get("distinct", True)]
        share["primary_view"][category] = _share(distinct, "in_view_primary")
        share["all_views"][category] = _share(distinct, "in_view")
    frauds = [r for r in rows if r["category"] in FRAUD_CATEGORIES and r.get("distinct", True)]
    share["primary_view"]["all"] = _share(frauds, "in_view_primary")
    share["all_views"]["all"] = _share(frauds, "in_view")
    out["in_view_share"] = share
    faults = [r for r in rows if r["category"] == "fault"]
    out["faults"] = {
        "baskets": len(faults),
        "as_expected": sum(1 for r in faults if r.get("fused") == r["expect"]),
    }
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        verdicts[r["category"]][str(r.get("fused"))] += 1
    out["fused_verdicts_by_category"] = {k: dict(v) for k, v in sorted(verdicts.items())}
    out["no_verdict"] = [r["scenario"] for r in rows if r.get("fused") is None]
    return out


def _looked_ahead_share(rows: list[dict[str, Any]]) -> float | None:
    """Of the timed verdicts, the share decided on detections made while the scale still settled."""
    timed = [r for r in rows if r["category"] != "fault" and "looked_ahead" in r]
    return round(sum(1 for r in timed if r["looked_ahead"]) / len(timed), 4) if timed else None


def _parts(parts: list[dict[str, float | None]]) -> dict[str, dict[str, float | None]]:
    """p50/p95 of each share of the fused time (landed → weighed, weighed → picture, detector, weighed → shown)."""
    out: dict[str, dict[str, float | None]] = {}
    for key in ("weighed", "picture", "detector", "after_weighed"):
        values = [float(v) for p in parts if (v := p.get(key)) is not None]
        out[key] = {"p50": _percentile(values, 0.5), "p95": _percentile(values, 0.95)}
    return out
