"""``basketcheck demo``: the whole store as separate processes on an embedded default, with live verdicts.

The demo sets up a fresh store (SQLite database, demo catalog, a staff account, a registered unit) through the
real commands, then starts each part as its own process, the way a store runs them:

* the backend (``basketcheck backend serve``),
* the simulated station (``basketcheck sim station``: camera stream, scale on a pseudo-terminal, control API),
* the validation unit (``basketcheck unit run``: reads the scale on the pty, watches the camera stream, runs
  the detector, shows its shopper screen and sends signed verdicts to the backend).

They talk only through the pty, the camera stream and HTTP, so the demo exercises exactly what a store runs.
The demo itself then plays shoppers from scenarios, as the app and the shopper would: scan through the
backend's API, check out at the unit with a card, put the basket on the tray (the station's control API plays
the scenario's timeline), and follow the trip until the unit's verdict shows in it (paid after a PASS, re-check,
flagged). The basket is then lifted; a shopper asked to re-check gives up (the hold on the card is voided);
flagged trips stay in the staff queue for the dashboard. One line per shopper shows the verdict against the
scenario's expectation, and a summary counts fraud caught and missed and false alarms.

``--once`` exits after the shoppers (``--json`` prints the summary as JSON on stdout, progress on stderr; the
exit status is 0 when no shopper failed to play, whatever the verdicts); without it, everything keeps running
for a person to explore the staff dashboard and the unit's screen until Ctrl-C. Every process the demo starts
is stopped when it ends, also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from backend.cli import CliError

DEFAULT_DIR = Path("var") / "demo"
DEMO_CAMERAS = "top,left,right"  # the station's top camera and its two side cameras (#17)
STAFF_USER, STAFF_PASSWORD = "staff", "basketcheck-demo"
UNIT_ID, STORE_ID = "demo-unit-1", "demo"
FRAUD = ("unscanned", "switch", "underscan", "personal_item")  # hardware_sim.scenario.FRAUD_CATEGORIES
SETTLED = {"paid": "pass", "passed": "pass", "recheck": "recheck", "flagged": "flag"}  # trip status → verdict
UNIT_START_S = 120.0  # the unit loads the detector model: slow on a busy two-core machine

T = TypeVar("T")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="play the scenarios once, print a summary and exit")
    parser.add_argument("--json", action="store_true", help="with --once: print the summary as JSON")
    parser.add_argument("--scenario", action="append", default=None, help="a shipped scenario name (repeatable)")
    parser.add_argument(
        "--scenarios", type=Path, default=None, help="a scenario file (one or several YAML documents) to play too"
    )
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"working folder (default {DEFAULT_DIR})")
    parser.add_argument("--port", type=int, default=0, help="backend port (default: a free one)")
    parser.add_argument(
        "--verdict-timeout", type=float, default=30.0, help="seconds to wait for each verdict (default 30)"
    )
    parser.add_argument(
        "--cameras",
        default=DEMO_CAMERAS,
        help=f"the station's cameras, comma-separated: top, left, right (default {DEMO_CAMERAS})",
    )
    parser.set_defaults(handler=run)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _say(message: str, quiet: bool) -> None:
    print(message, file=sys.stderr if quiet else sys.stdout, flush=True)


def _wait(what: str, probe: Callable[[], T | None], timeout_s: float, interval_s: float = 0.1) -> T:
    """Call ``probe`` until it returns something other than None/False; TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: nothing within {timeout_s:g} s")
        time.sleep(interval_s)


def _setup_store(workdir: Path, env: dict[str, str], backend_url: str) -> None:
    """Fresh database, catalog, store, staff account and unit credentials, through the real commands."""
    from importlib import resources

    from hardware_sim.catalog import DEMO_CATALOG

    catalog_path = workdir / DEMO_CATALOG
    catalog_path.write_bytes(resources.files("hardware_sim").joinpath("data", DEMO_CATALOG).read_bytes())
    basketcheck = [sys.executable, "-m", "backend.cli"]
    register = ["unit", "register", UNIT_ID, "--store", STORE_ID, "--out", str(workdir / "unit.json")]
    steps = [
        (["backend", "migrate"], ""),
        # No random audits: they would send an honest shopper to staff now and then, and the summary is meant to
        # show what the unit decided (a store sets its rates with 'backend add-store --audit-base-rate …').
        (
            [
                "backend",
                "add-store",
                STORE_ID,
                "--name",
                "basketcheck demo store",
                "--address",
                "Hauptstraße 12|10115 Berlin",
                "--vat-id",
                "DE123456789",
                "--audit-base-rate",
                "0",
                "--audit-min-rate",
                "0",
            ],
            "",
        ),
        (["catalog", "import", str(catalog_path)], ""),
        (["backend", "add-staff", STAFF_USER, "--name", "Demo Staff", "--role", "manager"], STAFF_PASSWORD + "\n"),
        ([*register, "--backend-url", backend_url, "--force"], ""),
    ]
    for args, stdin in steps:
        result = subprocess.run(
            [*basketcheck, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise CliError(f"setting up the demo store failed at 'basketcheck {' '.join(args)}': {result.stderr}")


# -- the processes ---------------------------------------------------------------------------------------


@dataclass
class Child:
    """One part of the store running as its own process, with its output in a log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def last_line(self) -> str:
        lines = [line for line in self.output().splitlines() if line.strip()]
        return lines[-1].strip() if lines else "(no output)"

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            raise CliError(f"the {self.name} exited (status {code}): {self.last_line()} — see {self.log}")

    def wait_for_line(self, pattern: str, timeout_s: float) -> re.Match[str]:
        """The first match of ``pattern`` in the process's output (it prints its URLs at start-up)."""
        regex = re.compile(pattern, re.MULTILINE)

        def probe() -> re.Match[str] | None:
            self.check_alive()
            return regex.search(self.output())

        try:
            return _wait(f"the {self.name} did not start", probe, timeout_s, 0.2)
        except TimeoutError as exc:
            raise CliError(f"{exc}; see {self.log}") from None


class Processes:
    """The store's processes: started with a log file each, stopped in reverse order however the demo ends."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env, self.workdir = env, workdir
        self.children: list[Child] = []

    def start(self, name: str, args: list[str], log_name: str) -> Child:
        log = self.workdir / log_name
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "backend.cli", *args],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def check_alive(self) -> None:
        for child in self.children:
            child.check_alive()

    def stop(self) -> None:
        """SIGINT first (each ``basketcheck`` command then shuts down cleanly: the station removes its pty link,
        the unit closes its scale), SIGTERM if that is not enough, SIGKILL last."""
        for child in reversed(self.children):
            process = child.process
            for signum, grace_s in ((signal.SIGINT, 10.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, 10.0)):
                if process.poll() is not None:
                    break
                process.send_signal(signum)
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=grace_s)
        self.children.clear()


@dataclass
class Store:
    """Where the running parts answer."""

    backend: str
    camera: str
    scale: str
    control: str
    screen: str


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _unit_cameras_toml(urls: dict[str, str]) -> str:
    """The unit's ``[[cameras]]`` for the station's streams, each with its tray homography (the simulator's
    camera models: what calibrating a real unit's cameras would give); the top camera detects, the side cameras
    are evidence only."""
    from hardware_sim.views import get_view, tray_homography

    out = []
    for view, url in urls.items():  # the anchor is the unit's default: the box centre for the first (top) camera
        rows = ", ".join("[" + ", ".join(f"{v:.9g}" for v in row) + "]" for row in tray_homography(get_view(view)))
        # The shipped detector was trained on the top view: the side views are evidence for staff until a
        # detector trained on them too (#16) is shipped (on them it raised false alarms from 0.4 % to 16 %).
        detect = "true" if view == "top" else "false"
        out.append(f'[[cameras]]\nid = "{view}"\nurl = "{url}"\ntray_homography = [{rows}]\ndetect = {detect}\n')
    return "\n".join(out)


def _start_store(processes: Processes, port: int, workdir: Path, cameras: str = DEMO_CAMERAS) -> Store:
    """Backend, station and unit as processes; returns once the unit shows its bind QR (ready for shoppers)."""
    import httpx

    from hardware_sim.views import parse_cameras

    try:  # before anything starts
        views = list(parse_cameras(cameras))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    camera_flags = ["--cameras", ",".join(views)]

    backend_url = f"http://127.0.0.1:{port}"
    backend = processes.start("backend", ["backend", "serve", "--port", str(port)], "backend.log")

    def backend_ready() -> bool:
        backend.check_alive()
        try:
            return httpx.get(f"{backend_url}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait("the backend did not become ready", backend_ready, 30, 0.2)
    except TimeoutError as exc:
        raise CliError(f"{exc}; see {backend.log}") from None

    station = processes.start(
        "simulated station",
        ["sim", "station", "--no-stdin", "--control-port", "0", "--camera-port", "0", "--seed", "1", *camera_flags],
        "station.log",
    )
    station.wait_for_line(rf"^camera {views[-1]}:\s+\S+" if views != ["top"] else r"^control:\s+\S+", 30)
    out = station.output()
    urls = {v: m[1] for v in views if (m := re.search(rf"^camera {v}:\s+(\S+)", out, re.MULTILINE))}
    camera = re.search(r"^camera:\s+(\S+)", out, re.MULTILINE)
    scale = re.search(r"^scale:\s+(/\S+)", out, re.MULTILINE)
    control = re.search(r"^control:\s+(\S+)", out, re.MULTILINE)
    if camera is None or scale is None or control is None:
        raise CliError(f"the simulated station did not print its camera, scale pty and control URL; see {station.log}")

    unit = processes.start(
        "validation unit",
        [
            "unit",
            "run",
            "--credentials",
            str(workdir / "unit.json"),
            "--serial",
            scale[1],
            *(["--config", str(_write(workdir / "unit.toml", _unit_cameras_toml(urls)))] if len(urls) > 1 else []),
            *(["--camera", camera[1]] if len(urls) <= 1 else []),
            "--screen-port",
            "0",
        ],
        "unit.log",
    )
    screen = unit.wait_for_line(r"shopper screen at (\S+)", UNIT_START_S)[1].rstrip("/")
    store = Store(backend_url, camera[1], scale[1], control[1].rstrip("/"), screen)
    try:
        _wait("the unit did not show its bind QR code", lambda: _unit_idle(store, unit), 60, 0.2)
    except TimeoutError as exc:
        raise CliError(f"{exc} (screen: {_screen_line(store)}); see {unit.log}") from None
    return store


def _screen(store: Store) -> dict[str, Any]:
    import httpx

    state: dict[str, Any] = httpx.get(f"{store.screen}/state", timeout=5).json()
    return state


def _screen_line(store: Store) -> str:
    try:
        state = _screen(store)
    except Exception as exc:  # only for messages
        return f"unreadable ({exc})"
    return f"{state.get('phase')}: {state.get('headline')}"


def _unit_idle(store: Store, unit: Child | None = None) -> bool:
    """The unit is ready for the next shopper: phase ``ready`` with a bind QR on its screen."""
    import httpx

    if unit is not None:
        unit.check_alive()
    try:
        state = _screen(store)
    except (httpx.HTTPError, ValueError):
        return False
    return state.get("phase") == "ready" and bool(state.get("qr"))


def _verdict_times(store: Store) -> tuple[float, float]:
    """The sum and count of the unit's time-to-verdict histogram, from its Prometheus /metrics."""
    import httpx

    text = httpx.get(f"{store.screen}/metrics", timeout=5).text
    values = {"sum": 0.0, "count": 0.0}
    for key in values:
        match = re.search(rf"^basketcheck_unit_time_to_verdict_seconds_{key} (\S+)$", text, re.MULTILINE)
        if match:
            values[key] = float(match[1])
    return values["sum"], values["count"]


# -- the shoppers ----------------------------------------------------------------------------------------


class UnitClient:
    """Signed requests with the unit's credentials (what the validation unit itself does)."""

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


def _command(http: Any, store: Store, line: str, timeout_s: float = 10.0) -> dict[str, Any]:
    """One command to the station's control API (``play`` answers when the scenario's timeline is done)."""
    response = http.post(f"{store.control}/command", content=line.encode(), timeout=timeout_s)
    reply: dict[str, Any] = response.json()
    if response.status_code != 200:
        raise RuntimeError(f"station command {line!r}: {reply.get('error', response.text)}")
    return reply


@dataclass
class Played:
    """A scenario to play and how the station finds it (a shipped name or a scenario file it can read)."""

    scenario: Any  # hardware_sim.scenario.Scenario
    station_ref: str


class Shopper:
    """One shopper through the backend's API, the unit and the station; the result says what happened."""

    def __init__(self, http: Any, unit: UnitClient, store: Store, played: Played, verdict_timeout_s: float) -> None:
        self.http, self.unit, self.store, self.played = http, unit, store, played
        self.verdict_timeout_s = verdict_timeout_s
        self.auth: dict[str, str] = {}
        self.trip_id = ""
        self.result: dict[str, Any] = {
            "shopper": played.scenario.name,
            "category": played.scenario.category,
            "expected": played.scenario.expect.verdict,
            "verdict": None,
            "trip_status": None,
            "time_to_verdict_s": None,
            "play_to_status_s": None,
            "scanned_items": 0,
            "total_minor": 0,
            "prompts": [],
            "trip_id": None,
            "decisions": 0,
            "error": None,
        }

    def trip(self) -> dict[str, Any]:
        response = self.http.get(f"/v1/trips/{self.trip_id}", headers=self.auth)
        response.raise_for_status()
        trip: dict[str, Any] = response.json()
        return trip

    def play(self) -> dict[str, Any]:
        scenario = self.played.scenario
        _wait("the unit is not ready for the next shopper", lambda: _unit_idle(self.store), 30, 0.2)
        ttv_sum, ttv_count = _verdict_times(self.store)
        shopper = self.http.post("/v1/shoppers")
        shopper.raise_for_status()
        self.auth = {"Authorization": f"Bearer {shopper.json()['token']}"}
        response = self.http.post("/v1/trips", json={"store_id": STORE_ID}, headers=self.auth)
        response.raise_for_status()
        self.trip_id = response.json()["trip_id"]
        self.result["trip_id"] = self.trip_id
        scanned_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=len(scenario.scans))
        events = [
            {
                "event_id": uuid.uuid4().hex,
                "action": "add",
                "code": _scan_text(scan),
                "quantity": scan.qty,
                "client_time": (scanned_at + dt.timedelta(seconds=i)).isoformat(),
            }
            for i, scan in enumerate(scenario.scans)
        ]
        if not events:
            raise RuntimeError("the shopper scanned nothing: an empty basket cannot be checked out")
        response = self.http.post(f"/v1/trips/{self.trip_id}/events", json={"events": events}, headers=self.auth)
        response.raise_for_status()
        basket = response.json()["trip"]["basket"]
        self.result.update(scanned_items=basket["item_count"], total_minor=basket["total_minor"])
        # A real shopper's app reads the bind QR off the unit's screen. The screen serves it only as an SVG
        # picture, so the demo asks the backend for a code as the unit does (signed with the unit's key): it is
        # a code of the same unit, equally valid, and binds the trip to it just as the one on the screen would.
        qr = self.unit.request("POST", "/v1/units/me/bind-codes")["qr"]
        response = self.http.post(
            f"/v1/trips/{self.trip_id}/checkout",
            json={"unit_qr": qr, "card_token": "tok_visa"},
            headers={**self.auth, "Idempotency-Key": uuid.uuid4().hex},
        )
        if response.status_code != 200:
            raise RuntimeError(f"checkout refused ({response.status_code}): {response.text}")
        # The unit polls its bound trip; once it has it, its screen stops showing the bind QR.
        _wait("the unit did not pick up the trip", lambda: _screen(self.store).get("qr") is None, 15, 0.1)
        started = time.monotonic()
        _command(self.http, self.store, f"play {self.played.station_ref}", timeout_s=120)
        trip = _wait(
            "no verdict reached the trip",
            lambda: t if (t := self.trip())["status"] in SETTLED else None,
            self.verdict_timeout_s,
            0.1,
        )
        self.result["play_to_status_s"] = round(time.monotonic() - started, 2)
        self.result["verdict"] = SETTLED[trip["status"]]
        self.result["prompts"] = [p.get("message", "") for p in trip.get("prompts", [])]
        ttv_sum_after, ttv_count_after = _verdict_times(self.store)
        if ttv_count_after > ttv_count:  # the unit's own measure: basket placed (or changed) → verdict shown
            self.result["time_to_verdict_s"] = round((ttv_sum_after - ttv_sum) / (ttv_count_after - ttv_count), 2)
            self.result["decisions"] = int(ttv_count_after - ttv_count)
        self.leave()
        return self.result

    def leave(self) -> None:
        """The shopper lifts the basket; one asked to re-check gives up (the card's hold is voided)."""
        _command(self.http, self.store, "clear")
        _command(self.http, self.store, "unfault all")
        if self.trip_id:
            status = self.trip()["status"]
            if status == "passed":  # the capture follows the PASS; wait for it
                status = _wait(
                    "the passed trip was not paid",
                    lambda: s if (s := self.trip()["status"]) != "passed" else None,
                    15,
                    0.1,
                )
            if status in ("shopping", "checking_out", "recheck"):
                response = self.http.post(
                    f"/v1/trips/{self.trip_id}/abandon",
                    headers={**self.auth, "Idempotency-Key": uuid.uuid4().hex},
                )
                response.raise_for_status()
                status = response.json()["status"]
            self.result["trip_status"] = status
        _wait("the unit did not become ready again", lambda: _unit_idle(self.store), 30, 0.2)


def _marks(result: dict[str, Any]) -> str:
    verdict, category = result["verdict"], result["category"]
    if result["error"]:
        return "ERROR"
    if category in FRAUD:
        return "caught" if verdict != "pass" else "MISSED"
    if category == "honest" and verdict != "pass":
        return "false alarm"
    return "" if verdict == result["expected"] else "unexpected"


HEADER = f"  {'shopper':<28} {'category':<14} {'expected':<8} {'verdict':<8} {'trip':<10} {'verdict in':>10}"


def _line(result: dict[str, Any]) -> str:
    ttv = result["time_to_verdict_s"]
    when = f"{ttv:.2f} s" if ttv is not None else "-"
    line = (
        f"  {result['shopper']:<28} {result['category']:<14} {result['expected']:<8} {result['verdict'] or '-':<8} "
        f"{result['trip_status'] or '-':<10} {when:>10}  {_marks(result)}"
    )
    return (line + (f"  {result['error']}" if result["error"] else "")).rstrip()


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of a demo run (fraud = the fraud categories; honest = the honest category)."""
    done = [r for r in results if not r["error"]]
    fraud = [r for r in done if r["category"] in FRAUD]
    return {
        "shoppers": len(results),
        "passed": sum(r["verdict"] == "pass" for r in done),
        "rechecked": sum(r["verdict"] == "recheck" for r in done),
        "flagged": sum(r["verdict"] == "flag" for r in done),
        "caught": sum(r["verdict"] != "pass" for r in fraud),
        "missed": sum(r["verdict"] == "pass" for r in fraud),
        "false_alarms": sum(r["category"] == "honest" and r["verdict"] != "pass" for r in done),
        "errors": len(results) - len(done),
        "error_details": [f"{r['shopper']}: {r['error']}" for r in results if r["error"]],
        "results": results,
    }


def _scenarios(args: argparse.Namespace, workdir: Path) -> list[Played]:
    """The shoppers to play: named shipped scenarios, a scenario file's, or by default the shipped ones without
    faults that put something on the tray."""
    from hardware_sim.catalog import load_demo_catalog
    from hardware_sim.scenario import ScenarioError, load_scenarios, load_shipped_scenarios
    from hardware_sim.scenario_generate import dump_scenarios

    shipped = load_shipped_scenarios()
    played: list[Played] = []
    names = args.scenario or ([] if args.scenarios else [n for n, s in shipped.items() if not s.faults and s.placed])
    unknown = [n for n in names if n not in shipped]
    if unknown:
        raise CliError(f"unknown scenario(s): {', '.join(unknown)}; shipped: {', '.join(sorted(shipped))}")
    played += [Played(shipped[n], n) for n in names]
    if args.scenarios:
        try:
            from_file = load_scenarios(args.scenarios)
        except ScenarioError as exc:
            raise CliError(str(exc)) from None
        # The station's control API reads one scenario per file: each goes into a file of its own.
        folder = workdir / "scenarios"
        folder.mkdir(exist_ok=True)
        catalog = load_demo_catalog()
        for i, scenario in enumerate(from_file):
            path = folder / f"{i:04d}-{re.sub(r'[^A-Za-z0-9_.-]', '_', scenario.name)}.yaml"
            path.write_text(dump_scenarios([scenario], catalog), encoding="utf-8")
            played.append(Played(scenario, str(path.resolve())))
    if not played:
        raise CliError("no scenarios to play")
    return played


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM ends the demo like Ctrl-C, so the processes it started are stopped too."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> int:
    import httpx

    quiet = args.json
    workdir: Path = args.dir.resolve()
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    plays = _scenarios(args, workdir)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'store.sqlite3'}",
        "BASKETCHECK_ENVIRONMENT": "development",
        "PYTHONUNBUFFERED": "1",
        "BASKETCHECK_LANG": os.environ.get("BASKETCHECK_LANG", "de"),  # screen and dashboard: German first
    }
    port = args.port or _free_port()
    _say(f"demo: setting up a fresh store in {workdir}/", quiet)
    _setup_store(workdir, env, f"http://127.0.0.1:{port}")
    credentials = json.loads((workdir / "unit.json").read_text())
    processes = Processes(env, workdir)
    with _sigterm_interrupts():
        try:
            _say("demo: starting the backend, the simulated station and the validation unit…", quiet)
            store = _start_store(processes, port, workdir, args.cameras)
            _say(f"demo: staff dashboard  {store.backend}/staff  (sign in: {STAFF_USER} / {STAFF_PASSWORD})", quiet)
            _say(f"demo: unit's screen    {store.screen}/  (metrics {store.screen}/metrics)", quiet)
            _say(f"demo: backend API      {store.backend}/docs", quiet)
            _say(f"demo: station          camera {store.camera}, scale {store.scale}, control {store.control}", quiet)
            _say(f"demo: logs in {workdir}/ (backend.log, station.log, unit.log)", quiet)
            _say(f"demo: {len(plays)} shoppers\n{HEADER}", quiet)
            results: list[dict[str, Any]] = []
            with httpx.Client(base_url=store.backend, timeout=15) as http:
                unit = UnitClient(http, credentials)
                for played in plays:
                    shopper = Shopper(http, unit, store, played, args.verdict_timeout)
                    try:
                        result = shopper.play()
                    except Exception as exc:  # keep playing; report what failed
                        shopper.result["error"] = f"{type(exc).__name__}: {exc}"
                        result = shopper.result
                        try:
                            processes.check_alive()
                            shopper.leave()
                        except CliError:
                            raise
                        except Exception:  # the next shopper's readiness check will say if it stays stuck
                            pass
                    results.append(result)
                    _say(_line(result), quiet)
            summary = summarise(results)
            _say(
                "demo: {shoppers} shoppers: {passed} passed, {rechecked} re-checked, {flagged} flagged; fraud "
                "caught {caught}, missed {missed}; false alarms {false_alarms}; errors {errors}".format(**summary),
                quiet,
            )
            if args.once:
                if args.json:
                    print(json.dumps(summary, indent=2), flush=True)
                return 1 if summary["errors"] else 0
            _say("demo: running; flagged baskets wait in the staff queue. Press Ctrl-C to stop", quiet)
            while True:
                processes.check_alive()
                time.sleep(1.0)
        except KeyboardInterrupt:
            if args.once:
                raise
            _say("demo: stopping", quiet)
            return 0
        finally:
            processes.stop()
