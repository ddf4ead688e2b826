"""``basketcheck sim``: render frames, validate scenarios, run a station from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from backend.cli import main


def test_render_writes_png_and_truth(tmp_path: Path) -> None:
    assert main(["sim", "render", "--seed", "2", "--count", "2", "--boxes", "--out", str(tmp_path)]) == 0
    frames = sorted(tmp_path.glob("*.png"))
    assert [f.name for f in frames] == ["frame-000002.png", "frame-000003.png"]
    assert cv2.imread(str(frames[0])).shape == (720, 1280, 3)
    truth = json.loads((tmp_path / "frame-000002.json").read_text())
    assert {"item_id", "kind", "ref", "box", "visible_box", "visible_fraction"} <= set(truth[0])


def test_render_a_scenario_cleanly(tmp_path: Path) -> None:
    assert main(["sim", "render", "--scenario", "honest-1", "--clean", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "honest-1-000000.png").exists()


def test_scenarios_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "scenarios", "validate"]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndescription: x\nscans: []\nplaced: []\nexpect:\n  verdict: maybe\n")
    assert main(["sim", "scenarios", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:6: expect.verdict: 'maybe' must be one of pass, recheck, flag" in err
    assert "1 of 1 scenario file(s) have problems" in err


def test_errors_the_user_can_fix_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "render", "--scenario", "nope", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["sim", "render", "--count", "0", "--out", str(tmp_path)]) == 2


def test_station_prints_its_urls_and_takes_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "sim", "station", "--no-scale", "--scenario", "honest-1"],
        input="status\nquit\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("camera:   http://127.0.0.1:") and lines[0].endswith("/stream.mjpg")
    assert lines[2] == "scale:    off (--no-scale)"
    status = json.loads(lines[-1])
    assert status["scenario"] == "honest-1" and len(status["items"]) == 2


def test_scale_subcommand_is_registered() -> None:
    import argparse

    from hardware_sim import cli

    parser = argparse.ArgumentParser()
    cli.configure(parser)
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(action.choices) == {"station", "render", "scenarios", "scale"}


def test_station_serves_several_cameras(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "station", "--no-scale", "--cameras", "top,side"]) == 2
    assert capsys.readouterr().err.strip().endswith("unknown camera 'side': known are top, left, right")
    assert main(["sim", "station", "--no-scale", "--cameras", "left,left"]) == 2
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "sim", "station", "--no-scale", "--cameras", "top,left,right"],
        input="fault camera_off left\nquit\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    urls = {line.split(":", 1)[0]: line.split(": ", 1)[1] for line in lines if line.startswith("camera ")}
    assert list(urls) == ["camera top", "camera left", "camera right"]
    assert all(u.startswith("http://127.0.0.1:") and u.endswith("/stream.mjpg") for u in urls.values())
    assert lines[0] == f"camera:   {urls['camera top']}"
    assert json.loads(lines[-1])["faults"] == ["camera_off:left"]


def test_render_a_side_view(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "render", "--scenario", "honest-1", "--clean", "--view", "left", "--out", str(tmp_path)]) == 0
    assert cv2.imread(str(tmp_path / "honest-1-000000-left.png")).shape == (720, 1280, 3)
    assert json.loads((tmp_path / "honest-1-000000-left.json").read_text())
    assert main(["sim", "render", "--view", "back", "--out", str(tmp_path)]) == 2
    assert "unknown camera 'back'" in capsys.readouterr().err
