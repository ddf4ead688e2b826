"""Driving a station by commands: the same replies on stdin and over HTTP."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request

import pytest

from hardware_sim.station import SimStation
from hardware_sim.station_control import CommandError, ControlServer, run_command, serve_stdin


@pytest.fixture
def station() -> SimStation:
    return SimStation(with_scale=False)  # commands need the scene; the servers are tested elsewhere


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("place", "usage: place SCENARIO"),
        ("place nope", "no shipped scenario"),
        ("random x", "SEED must be a whole number"),
        ("random 1 2 3", "usage: random"),
        ("fault fire", "unknown fault 'fire'"),
        ("fault scale_unplugged", "no simulated scale"),
        ("fault dead_cell x", "ARG must be a whole number"),
        ("launch", "unknown command 'launch'"),
        ("place 'unclosed", "cannot read the command"),
    ],
)
def test_bad_commands_say_why(station: SimStation, line: str, error: str) -> None:
    with pytest.raises(CommandError, match=error):
        run_command(station, line)


def test_place_random_clear_and_faults(station: SimStation) -> None:
    reply = run_command(station, "place unscanned-heavy")
    assert reply["scenario"] == "unscanned-heavy"
    assert reply["expect"] == {"verdict": "recheck", "reasons": ["unscanned_item"]}
    assert len(reply["items"]) == 4 and reply["total_mass_g"] > 3000
    reply = run_command(station, "random 3 5")
    assert sum(1 for i in reply["items"] if i["kind"] == "product") == 5
    assert run_command(station, "fault camera_frozen")["faults"] == ["camera_frozen"]
    assert run_command(station, "unfault all")["faults"] == []
    assert run_command(station, "clear")["items"] == []
    assert "honest-1" in run_command(station, "scenarios")["scenarios"]
    assert run_command(station, "   ") == {}


def test_stdin_prints_one_json_line_per_command(station: SimStation) -> None:
    out = io.StringIO()
    serve_stdin(station, io.StringIO("# a comment\nplace honest-1\nbogus\nhelp\nquit\nclear\n"), out)
    lines = out.getvalue().splitlines()
    assert json.loads(lines[0])["scenario"] == "honest-1"
    assert json.loads(lines[1]) == {"error": "unknown command 'bogus' (try 'help')"}
    assert lines[2] == "commands:"
    assert station.scene.snapshot().items, "quit stops before the clear"


def test_http_control_api(station: SimStation) -> None:
    control = ControlServer(station)
    control.start()
    try:
        request = urllib.request.Request(control.url + "/command", data=b"place honest-5", method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.loads(response.read())["scenario"] == "honest-5"
        with urllib.request.urlopen(control.url + "/status", timeout=5) as response:
            assert len(json.loads(response.read())["items"]) == 6
        bad = urllib.request.Request(control.url + "/command", data=b"fault fire", method="POST")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(bad, timeout=5)
        assert info.value.code == 400 and "unknown fault" in json.loads(info.value.read())["error"]
    finally:
        control.stop()
