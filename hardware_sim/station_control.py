"""Driving a running station by hand: one-line commands (stdin) and the same commands over a small HTTP API.

Commands (stdin, one per line; HTTP: ``POST /command`` with the line as body, or ``GET /status``):

====================================  ===========================================================
``place SCENARIO``                    clear the tray, put the scenario's whole basket on it
``play SCENARIO``                     run the scenario's timeline in real time (items and faults)
``random SEED [PRODUCTS]``            clear the tray, put a random basket on it
``clear``                             lift the basket off
``fault NAME [CELL|BYTES|CAMERA]``    start a fault (camera_off, camera_frozen, scale_unplugged, …)
``unfault NAME`` / ``unfault all``    end a fault (``unfault camera_off:left`` for one camera's)
``status``                            where everything is: URLs, items, weight, faults
``scenarios``                         the shipped scenario names
``help`` / ``quit``
====================================  ===========================================================

:func:`run_command` is pure dispatch on a station and returns a JSON-serialisable reply, so both front ends
answer the same way and tests drive it with plain strings.
"""

from __future__ import annotations

import json
import shlex
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

from hardware_sim.scenario import CAMERA_FAULTS, FAULTS, ScenarioError, find_scenario, shipped_scenario_files
from hardware_sim.station import SimStation, UnsupportedFault

HELP = """commands:
  place SCENARIO          put a scenario's basket on the tray (a shipped name or a .yaml path)
  play SCENARIO           run a scenario's timeline (items arriving, faults) in real time
  random SEED [PRODUCTS]  put a random basket on the tray
  clear                   lift the basket off
  fault NAME [ARG]        start a fault: {faults}
                          (dead_cell CELL, scale_garbage BYTES, camera_off|camera_frozen [CAMERA])
  unfault NAME|all        end a fault (as status lists it: camera_off:left)
  status                  URLs, items, weight and faults
  scenarios               list the shipped scenarios
  quit                    stop the station""".format(faults=", ".join(FAULTS))


class CommandError(ValueError):
    """A command line that cannot be run, with a message for the tester."""


def _int(word: str, what: str) -> int:
    try:
        return int(word)
    except ValueError:
        raise CommandError(f"{what} must be a whole number, got {word!r}") from None


def run_command(station: SimStation, line: str) -> dict[str, Any]:
    """Run one command line on ``station``; returns the reply. :class:`CommandError` for a bad command."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise CommandError(f"cannot read the command: {exc}") from None
    if not words:
        return {}
    verb, args = words[0].lower(), words[1:]

    def need(low: int, high: int, usage: str) -> None:
        if not low <= len(args) <= high:
            raise CommandError(f"usage: {usage}")

    try:
        if verb == "help":
            return {"help": HELP}
        if verb == "status":
            return station.status()
        if verb == "scenarios":
            return {"scenarios": [p.stem for p in shipped_scenario_files()]}
        if verb == "clear":
            station.clear()
            return station.status()
        if verb in ("place", "play"):
            need(1, 1, f"{verb} SCENARIO")
            scenario = find_scenario(args[0], station.catalog)
            if verb == "place":
                station.place_scenario(scenario)
            else:
                station.play(scenario)
            reply = station.status()
            reply["expect"] = {"verdict": scenario.expect.verdict, "reasons": list(scenario.expect.reasons)}
            return reply
        if verb == "random":
            need(1, 2, "random SEED [PRODUCTS]")
            options = {"n_products": _int(args[1], "PRODUCTS")} if len(args) > 1 else {}
            station.place_random(_int(args[0], "SEED"), **options)
            return station.status()
        if verb == "fault":
            need(1, 2, "fault NAME [ARG]")
            name = args[0]
            if name not in FAULTS:
                raise CommandError(f"unknown fault {name!r}: known are {', '.join(FAULTS)}")
            extra: dict[str, int | str] = {}
            if len(args) > 1 and name in CAMERA_FAULTS:
                extra = {"camera": args[1]}
            elif len(args) > 1:
                extra = {"cell" if name == "dead_cell" else "bytes": _int(args[1], "ARG")}
            station.inject(name, **extra)
            return station.status()
        if verb == "unfault":
            need(1, 1, "unfault NAME|all")
            if args[0] == "all":
                station.clear_faults()
            else:
                station.clear_fault(args[0])
            return station.status()
    except (ScenarioError, UnsupportedFault, KeyError) as exc:
        raise CommandError(str(exc).strip("'\"")) from None
    raise CommandError(f"unknown command {verb!r} (try 'help')")


def serve_stdin(station: SimStation, stdin: TextIO, stdout: TextIO) -> None:
    """Read commands until ``quit`` or end of input; print each reply as one JSON line."""
    for raw in stdin:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower() in ("quit", "exit"):
            break
        try:
            reply = run_command(station, line)
        except CommandError as exc:
            reply = {"error": str(exc)}
        if "help" in reply:
            print(reply["help"], file=stdout, flush=True)
        else:
            print(json.dumps(reply), file=stdout, flush=True)


class ControlServer:
    """``GET /status`` and ``POST /command`` (body: one command line) for a station, on ``host:port``."""

    def __init__(self, station: SimStation, host: str = "127.0.0.1", port: int = 0) -> None:
        self.station = station
        self._lock = threading.Lock()  # one command at a time: they change the shared tray
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    def start(self) -> str:
        self._thread = threading.Thread(target=self._server.serve_forever, name="sim-control", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def run(self, line: str) -> tuple[HTTPStatus, dict[str, Any]]:
        with self._lock:
            try:
                return HTTPStatus.OK, run_command(self.station, line)
            except CommandError as exc:
                return HTTPStatus.BAD_REQUEST, {"error": str(exc)}


def _handler_for(control: ControlServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "basketcheck-simcontrol/1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] == "/status":
                self._reply(*control.run("status"))
            else:
                self._reply(HTTPStatus.NOT_FOUND, {"error": "try GET /status or POST /command"})

        def do_POST(self) -> None:
            if self.path.split("?", 1)[0] != "/command":
                self._reply(HTTPStatus.NOT_FOUND, {"error": "try GET /status or POST /command"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            line = self.rfile.read(min(length, 4096)).decode("utf-8", "replace")
            self._reply(*control.run(line))

    return Handler
