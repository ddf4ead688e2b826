"""`basketcheck demo --once --json`: the backend, the simulated station and the validation unit run as separate
processes; shoppers scan, check out, put their basket on the tray, and the unit's verdicts reach their trips."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_runs_the_store_as_processes_and_the_unit_decides(tmp_path: Path) -> None:
    basketcheck = str(Path(sys.executable).parent / "basketcheck")
    workdir = tmp_path / "demo"
    result = subprocess.run(
        [
            basketcheck,
            "demo",
            "--once",
            "--json",
            "--dir",
            str(workdir),
            "--scenario",
            "honest-5",
            "--scenario",
            "unscanned-heavy",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["errors"] == 0, summary["error_details"]
    assert summary["shoppers"] == 2
    honest, thief = summary["results"]
    assert honest["shopper"] == "honest-5" and honest["verdict"] == "pass" and honest["trip_status"] == "paid"
    assert thief["shopper"] == "unscanned-heavy" and thief["verdict"] != "pass"
    assert thief["trip_status"] in ("abandoned", "flagged")  # a re-check is given up: the card's hold is voided
    assert (summary["caught"], summary["missed"], summary["false_alarms"]) == (1, 0, 0)
    assert honest["time_to_verdict_s"] is not None and honest["time_to_verdict_s"] < 5.0
    # Each part logged to its own file, and the demo printed where the staff dashboard and the unit's screen are.
    for log in ("backend.log", "station.log", "unit.log"):
        assert (workdir / log).stat().st_size > 0
    assert "/staff" in result.stderr and "unit's screen" in result.stderr
