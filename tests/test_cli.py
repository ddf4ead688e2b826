"""The ``basketcheck`` command through its real entry point (the installed console script)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from backend.cli import COMMANDS, main

BASKETCHECK = shutil.which("basketcheck") or str(__import__("pathlib").Path(sys.executable).parent / "basketcheck")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BASKETCHECK, *args], capture_output=True, text=True, timeout=60)


def test_help_lists_every_subcommand() -> None:
    result = run("--help")
    assert result.returncode == 0
    for name in ("demo", "backend", "catalog", "sim", "scale", "unit", "vision", "app", "bench"):
        assert f"    {name} " in result.stdout
    assert set(COMMANDS) == {"demo", "backend", "catalog", "sim", "scale", "unit", "vision", "app", "bench"}


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("basketcheck ")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["bench"], "required: BENCHMARK"),
        (["bench", "nope"], "invalid choice: 'nope'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], needle: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().err


def test_command_not_built_yet_says_which_issue(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from backend import cli

    monkeypatch.setitem(cli.COMMANDS, "vision", cli.Command("x", "vision.no_such_module_yet", 5))
    assert main(["vision"]) == 1
    err = capsys.readouterr().err
    assert err == "basketcheck vision: not built yet in this version (issue #5)\n"


def test_internal_errors_are_one_line_without_traceback(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import argparse

    from backend import bench_cli

    def boom(_args: argparse.Namespace) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bench_cli, "_run_all", boom)
    assert main(["bench", "all"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("basketcheck bench: internal error: RuntimeError: disk on fire")
    assert err.count("\n") == 1


def test_bench_all_reports_machine_and_each_benchmark_as_json(
    monkeypatch: pytest.MonkeyPatch, capsys, tmp_path
) -> None:
    import types

    from backend import bench_cli

    fake = types.ModuleType("fake_bench")
    fake.configure = lambda p: p.add_argument("--n", type=int, default=3)  # type: ignore[attr-defined]
    fake.run = lambda args: {"n": args.n}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_bench", fake)
    monkeypatch.setattr(
        bench_cli, "BENCHMARKS", {"fake": ("fake_bench", "a fake"), "missing": ("no_such_bench_module", "x")}
    )
    report = tmp_path / "BENCHMARKS.md"
    assert main(["bench", "all", "--json", "--report", str(report)]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["machine"]["cpus"] >= 1
    assert figures["fake"]["n"] == 3
    assert figures["missing"] == {"status": "not built yet"}
    text = report.read_text()
    assert "## fake: a fake" in text and "`basketcheck bench fake --json`" in text and '"n": 3' in text
    # Re-measuring one benchmark keeps the others' last figures (kept in the JSON beside the report).
    other = types.ModuleType("other_bench")
    other.configure = lambda p: None  # type: ignore[attr-defined]
    other.run = lambda args: {"speed": 7}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "other_bench", other)
    monkeypatch.setattr(bench_cli, "BENCHMARKS", {**bench_cli.BENCHMARKS, "other": ("other_bench", "another")})
    fake.run = lambda args: {"n": 4}  # type: ignore[attr-defined]
    assert main(["bench", "all", "--only", "other", "--report", str(report)]) == 0
    kept = json.loads(report.with_suffix(".json").read_text())
    assert kept["fake"]["n"] == 3 and kept["other"]["speed"] == 7
    text = report.read_text()
    assert '"n": 3' in text and '"speed": 7' in text


def test_bench_all_keeps_going_when_one_benchmark_fails(monkeypatch: pytest.MonkeyPatch, capsys, tmp_path) -> None:
    import types

    from backend import bench_cli

    def broken(_args: object) -> dict[str, object]:
        raise OSError("no camera")

    fake = types.ModuleType("fake_bench")
    fake.configure = lambda p: None  # type: ignore[attr-defined]
    fake.run = broken  # type: ignore[attr-defined]
    good = types.ModuleType("good_bench")
    good.configure = lambda p: None  # type: ignore[attr-defined]
    good.run = lambda args: {"ok": True}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_bench", fake)
    monkeypatch.setitem(sys.modules, "good_bench", good)
    monkeypatch.setattr(bench_cli, "BENCHMARKS", {"fake": ("fake_bench", "broken"), "good": ("good_bench", "fine")})
    assert main(["bench", "all", "--json", "--report", str(tmp_path / "B.md")]) == 1
    figures = json.loads(capsys.readouterr().out)
    assert figures["fake"]["status"] == "failed: OSError: no camera" and figures["good"]["ok"] is True


def test_the_report_says_how_many_frauds_in_view_were_caught() -> None:
    from backend.bench_cli import in_view_note

    assert in_view_note({"scale": {}}) == []
    decision = {
        "fused": {
            "catch_rate_in_view": {"unscanned": 0.98, "switch": 0.75, "underscan": None},
            "fraud_baskets_in_view": {"unscanned": 50, "switch": 40},
        }
    }
    text = " ".join(in_view_note({"decision": decision}))
    assert "unscanned 0.98 (50 baskets), switch 0.75 (40 baskets)" in text
