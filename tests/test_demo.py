"""`basketcheck demo --once --json`: the parts that exist run together for real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_plays_shoppers_through_backend_scale_and_camera(tmp_path: Path) -> None:
    basketcheck = str(Path(sys.executable).parent / "basketcheck")
    result = subprocess.run(
        [
            basketcheck,
            "demo",
            "--once",
            "--json",
            "--dir",
            str(tmp_path / "demo"),
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
    assert summary["shoppers"] == 2 and summary["errors"] == 0
    honest, thief = summary["results"]
    assert honest["camera_frame"] == "1280x720"
    assert summary["max_scale_error_g"] <= 5  # one scale interval
    # The unscanned item shows as weight the scan does not explain; the honest basket is within its spread.
    assert thief["measured_g"] - thief["expected_g"] > 500
    assert abs(honest["measured_g"] - honest["expected_g"]) < 150
