"""``basketcheck demo``: the store on an embedded default — SQLite backend, simulated station, shoppers.

Until the validation unit lands (issue #7) the demo runs every part that exists, for real: it migrates a
fresh SQLite database, imports the demo catalog, registers a unit and a staff account, starts the backend
as its own process, starts the simulated station (camera stream + scale on a pseudo-terminal), and then
plays the shipped scenarios: each shopper scans through the backend's API as the app does, checks out at
the unit's QR code (the card is pre-authorised), puts the basket on the tray, and the demo reads the scale
through the real bridge (pty, firmware protocol) and a frame from the camera stream (``cv2.VideoCapture``).
With no unit to decide, the trip is then abandoned (the hold is voided). ``--once`` exits with a summary
(``--json`` prints it as JSON); without it, everything keeps running for a person to explore.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from backend.cli import CliError

DEFAULT_DIR = Path("var") / "demo"
STAFF_USER, STAFF_PASSWORD = "staff", "basketcheck-demo"
UNIT_ID, STORE_ID = "demo-unit-1", "demo"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="play the scenarios once, print a summary and exit")
    parser.add_argument("--json", action="store_true", help="with --once: print the summary as JSON")
    parser.add_argument("--scenario", action="append", default=None, help="a shipped scenario name (repeatable)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"working folder (default {DEFAULT_DIR})")
    parser.add_argument("--port", type=int, default=0, help="backend port (default: a free one)")
    parser.set_defaults(handler=run)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _say(message: str, quiet: bool) -> None:
    print(message, file=sys.stderr if quiet else sys.stdout, flush=True)


def _setup_store(workdir: Path, env: dict[str, str]) -> None:
    """Fresh database, catalog, store, staff account and unit credentials, through the real commands."""
    from importlib import resources

    from hardware_sim.catalog import DEMO_CATALOG

    catalog_path = workdir / DEMO_CATALOG
    catalog_path.write_bytes(resources.files("hardware_sim").joinpath("data", DEMO_CATALOG).read_bytes())
    basketcheck = [sys.executable, "-m", "backend.cli"]
    steps = [
        (["backend", "migrate"], ""),
        (["backend", "add-store", STORE_ID, "--name", "basketcheck demo store"], ""),
        (["catalog", "import", str(catalog_path)], ""),
        (["backend", "add-staff", STAFF_USER, "--name", "Demo Staff", "--role", "manager"], STAFF_PASSWORD + "\n"),
        (["unit", "register", UNIT_ID, "--store", STORE_ID, "--out", str(workdir / "unit.json"), "--force"], ""),
    ]
    for args, stdin in steps:
        result = subprocess.run([*basketcheck, *args], env=env, input=stdin, capture_output=True, text=True)
        if result.returncode != 0:
            raise CliError(f"setting up the demo store failed at 'basketcheck {' '.join(args)}': {result.stderr}")


def _start_backend(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    import httpx

    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "backend", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CliError(f"the backend exited at start-up; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise CliError(f"the backend did not become ready within 30 s; see {log}")


class UnitClient:
    """Signed requests as the registered unit (what the validation unit will do)."""

    def __init__(self, http: Any, credentials: dict[str, str]) -> None:
        self.http = http
        self.credentials = credentials

    def request(self, method: str, path: str) -> Any:
        from backend.signing import request_headers

        headers = request_headers(
            self.credentials["unit_id"], self.credentials["private_key"], method, path, b"", time.time()
        )
        response = self.http.request(method, path, headers=headers)
        response.raise_for_status()
        return response.json()


def _scan_text(scan: Any) -> str:
    if scan.barcode:
        return str(scan.barcode)
    gtin14: str = scan.gtin14
    return gtin14[1:] if gtin14.startswith("0") else gtin14


def play_shopper(http: Any, unit: UnitClient, station: Any, scale: Any, scenario: Any) -> dict[str, Any]:
    """One shopper: scan, check out at the unit, put the basket down, weigh and look; then leave."""
    import cv2

    shopper = http.post("/v1/shoppers").json()
    auth = {"Authorization": f"Bearer {shopper['token']}"}
    trip = http.post("/v1/trips", json={"store_id": STORE_ID}, headers=auth).json()["trip_id"]
    events = [
        {
            "event_id": uuid.uuid4().hex,
            "action": "add",
            "code": _scan_text(scan),
            "quantity": scan.qty,
            "client_time": f"2026-01-01T10:00:{i:02d}+00:00",
        }
        for i, scan in enumerate(scenario.scans)
    ]
    basket = {"item_count": 0, "total_minor": 0}
    if events:
        response = http.post(f"/v1/trips/{trip}/events", json={"events": events}, headers=auth)
        response.raise_for_status()
        basket = response.json()["trip"]["basket"]
    checked_out = False
    if basket["item_count"]:
        qr = unit.request("POST", "/v1/units/me/bind-codes")["qr"]
        response = http.post(
            f"/v1/trips/{trip}/checkout",
            json={"unit_qr": qr, "card_token": "tok_visa"},
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        )
        response.raise_for_status()
        checked_out = True
    session = unit.request("GET", "/v1/units/me/session") if checked_out else {"lines": []}
    expected_net = sum(
        line["quantity"] * (line["weight_g"] if line["weight_g"] is not None else line["weight_mean_g"])
        for line in session["lines"]
    )
    placed = station.place_scenario(scenario, late_items=False)
    truth = sum(item.mass_g for item in placed)
    tare = sum(item.mass_g for item in placed if item.kind == "basket")
    reading = scale.wait_for(lambda r: r.stable and r.grams is not None and abs(r.grams - truth) < 50, 10.0)
    capture = cv2.VideoCapture(station.camera_url)
    ok, frame = capture.read()
    capture.release()
    station.clear()
    scale.wait_for(lambda r: r.stable and r.grams is not None and abs(r.grams) < 10, 10.0)
    if checked_out:
        http.post(f"/v1/trips/{trip}/abandon", headers={**auth, "Idempotency-Key": uuid.uuid4().hex})
    return {
        "shopper": scenario.name,
        "scanned_items": basket["item_count"],
        "total_minor": basket["total_minor"],
        "expected_g": round(tare + expected_net, 1),
        "measured_g": reading.grams,
        "truth_g": round(truth, 1),
        "scale_error_g": round(reading.grams - truth, 1),
        "camera_frame": f"{frame.shape[1]}x{frame.shape[0]}" if ok else None,
        "expected_verdict": scenario.expect.verdict,
    }


def run(args: argparse.Namespace) -> int:
    import httpx

    from firmware_bridge.scale import open_scale
    from hardware_sim.scenario import load_shipped_scenarios
    from hardware_sim.station import SimStation

    quiet = args.json
    workdir: Path = args.dir
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{(workdir / 'store.sqlite3').resolve()}",
        "BASKETCHECK_ENVIRONMENT": "development",
    }
    _say(f"demo: setting up a fresh store in {workdir}/", quiet)
    _setup_store(workdir, env)
    port = args.port or _free_port()
    backend = _start_backend(env, port, workdir / "backend.log")
    base = f"http://127.0.0.1:{port}"
    scenarios = load_shipped_scenarios()
    wanted = args.scenario or [n for n, s in scenarios.items() if not s.faults and s.placed]
    unknown = [n for n in wanted if n not in scenarios]
    if unknown:
        backend.terminate()
        raise CliError(f"unknown scenario(s): {', '.join(unknown)}; shipped: {', '.join(sorted(scenarios))}")
    results: list[dict[str, Any]] = []
    errors: list[str] = []
    credentials = json.loads((workdir / "unit.json").read_text())
    try:
        with SimStation(seed=1).start() as station, httpx.Client(base_url=base, timeout=30) as http:
            if station.scale_port is None:
                raise CliError("the simulated station has no scale")
            _say(
                f"demo: backend {base} (API docs {base}/docs), camera {station.camera_url}, "
                f"scale on {station.scale_port}",
                quiet,
            )
            _say(f"demo: staff sign-in {STAFF_USER} / {STAFF_PASSWORD}", quiet)
            unit = UnitClient(http, credentials)
            with open_scale(station.scale_port) as scale:
                scale.wait_stable(10.0)
                scale.zero()
                for name in wanted:
                    try:
                        result = play_shopper(http, unit, station, scale, scenarios[name])
                    except Exception as exc:  # keep playing; report what failed
                        errors.append(f"{name}: {type(exc).__name__}: {exc}")
                        continue
                    results.append(result)
                    _say(
                        f"  {name:<28} {result['scanned_items']:>3} items {result['total_minor'] / 100:>8.2f} EUR  "
                        f"expected {result['expected_g']:>8.1f} g  scale {result['measured_g']:>8.1f} g  "
                        f"(truth {result['truth_g']:.1f} g)  camera {result['camera_frame']}",
                        quiet,
                    )
            summary = {
                "shoppers": len(results),
                "errors": len(errors),
                "error_details": errors,
                "max_scale_error_g": max((abs(r["scale_error_g"]) for r in results), default=None),
                "verdicts": "not built yet: the validation unit is issue #7",
                "results": results,
            }
            if args.once:
                if args.json:
                    print(json.dumps(summary, indent=2))
                else:
                    _say(f"demo: {len(results)} shoppers played, {len(errors)} errors", quiet)
                return 1 if errors else 0
            _say("demo: running; press Ctrl-C to stop", quiet)
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
            return 0
    finally:
        backend.terminate()
        try:
            backend.wait(timeout=10)
        except subprocess.TimeoutExpired:
            backend.kill()
