"""The backend benchmark's wrk side: the command line, and reading the pacing script's records (sample outputs)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from backend import bench_wrk
from backend.app import create_app
from backend.bench_wrk import StepResult, command, connections_for, merge, parse_output
from tests.backend.conftest import SETTINGS, LiveServer

# What wrk prints for a 2-thread run at 100/s for 1 s: its own summary (ignored), then the script's records.
# Thread 1 had 50 requests on its schedule, thread 2 had 50; 97 answered 2xx, 1 got a 503, 2 never came back.
WRK_SUMMARY = """Running 2s test @ http://127.0.0.1:40123
  2 threads and 20 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.31ms    1.02ms  12.40ms   91.00%
    Req/Sec    50.12      9.80    60.00     70.00%
  98 requests in 2.00s, 21.3KB read
  Non-2xx or 3xx responses: 1
Requests/sec:     48.99
Transfer/sec:     10.65KB
"""


def sample_output() -> str:
    records = ["BENCH thread 1 50 50", "BENCH thread 2 50 50"]
    k = 0
    for tid, count in ((1, 49), (2, 48)):
        for i in range(count):
            records.append(f"BENCH r {tid} {i} {1000 + 100 * k}")  # 1.0 ms, 1.1 ms, … in microseconds
            k += 1
    records += [
        "BENCH status 1 200 49",
        "BENCH status 2 200 48",
        "BENCH status 2 503 1",
        "BENCH unmatched 1 0",
        "BENCH unmatched 2 1",
        "BENCH errors 0 0 0 1 2",
    ]
    return WRK_SUMMARY + "\n".join(records) + "\n"


def test_parse_counts_answers_errors_and_missed_requests() -> None:
    result = parse_output(sample_output(), offered_rps=100, duration_s=1.0)
    assert result.due == 100
    assert result.answered == 97
    assert result.achieved_rps == 97.0
    assert len(result.latencies_ms) == 97
    assert result.latencies_ms[0] == 1.0 and result.latencies_ms[-1] == pytest.approx(10.6)
    assert list(result.latencies_ms) == sorted(result.latencies_ms)
    # The 503 is counted once (by status, not again as wrk's "status" error); 2 timed out and never answered.
    assert result.errors == {"http_503": 1, "timeout": 2, "missed": 2}
    assert result.percentile_ms(0.5) == pytest.approx(5.9)
    assert result.percentile_ms(0.99) == math.inf  # the missed ones are slower than any answer


def test_parse_a_clean_run() -> None:
    text = "BENCH thread 1 3 3\nBENCH r 1 0 500\nBENCH r 1 2 1500\nBENCH r 1 1 900\nBENCH status 1 200 3\n"
    text += "BENCH unmatched 1 0\nBENCH errors 0 0 0 0 0\n"
    result = parse_output(text, offered_rps=3, duration_s=1.0)
    assert result == StepResult(3, 1.0, due=3, answered=3, latencies_ms=(0.5, 0.9, 1.5), errors={})
    assert result.percentile_ms(0.99) == 1.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (WRK_SUMMARY, "no records of the pacing script"),
        ("unable to connect to 127.0.0.1:1 Connection refused\n", "no records"),
        ("BENCH thread 1 x 3\n", "unreadable wrk record"),
        ("BENCH thread 1 3 3\nBENCH r 1 -1 500\n", "negative request number"),
        ("BENCH thread 1 3 3\nBENCH errors 0 0 0\n", "unreadable wrk record"),
    ],
)
def test_parse_refuses_what_it_cannot_read(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_output(text, offered_rps=3, duration_s=1.0)


def test_merge_is_one_longer_run() -> None:
    a = StepResult(100, 2.0, due=200, answered=199, latencies_ms=(1.0, 3.0), errors={"missed": 1})
    b = StepResult(100, 2.0, due=200, answered=198, latencies_ms=(2.0,), errors={"missed": 1, "timeout": 1})
    merged = merge(a, b)
    assert merged == StepResult(
        100, 4.0, due=400, answered=397, latencies_ms=(1.0, 2.0, 3.0), errors={"missed": 2, "timeout": 1}
    )
    with pytest.raises(ValueError, match="same offered rate"):
        merge(a, StepResult(200, 2.0, due=400, answered=400, latencies_ms=()))


def test_scan_command_line() -> None:
    cmd = command(
        "/usr/bin/wrk",
        Path("/tmp/x.lua"),
        "http://127.0.0.1:8000",
        mode="scan",
        tag="scan1abc",
        rate=400,
        seconds=2,
        trips_file=Path("/tmp/trips.txt"),
        codes=("4006381333931", "5000112637922"),
        offset=12,
        threads=2,
    )
    assert cmd[:3] == ["/usr/bin/wrk", "-t2", f"-c{connections_for(400)}"]
    assert cmd[3] == "-d3s"  # 2 s of schedule + the lead + the tail, rounded up
    assert cmd[cmd.index("--") + 1 :] == [
        "scan",
        "scan1abc",
        "200.000000",  # per thread
        "/tmp/trips.txt",
        "4006381333931,5000112637922",
        "12",
        "400",  # requests on each thread's schedule
    ]


def test_connections_leave_room_for_a_slow_server() -> None:
    assert connections_for(10) == 4
    assert connections_for(1000) == 200  # every request due in 0.2 s can be in flight at once
    assert connections_for(100000) == 1000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "get"}, "mode must be"),
        ({"tag": "bad-tag"}, "letters and digits"),
        ({"rate": 0}, "positive"),
        ({"mode": "scan"}, "trips file"),
    ],
)
def test_command_refuses_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"mode": "bare", "tag": "bare1", "rate": 100.0, "seconds": 1.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        command("/usr/bin/wrk", Path("/tmp/x.lua"), "http://127.0.0.1:8000", **args)  # type: ignore[arg-type]


def test_missing_wrk_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_wrk.shutil, "which", lambda _name: None)
    with pytest.raises(bench_wrk.LoadToolMissing, match="apt-get install wrk"):
        bench_wrk.find_wrk()


def test_script_is_written_with_its_records(tmp_path: Path) -> None:
    script = bench_wrk.write_script(tmp_path)
    text = script.read_text()
    for record in ("BENCH thread", "BENCH r ", "BENCH status", "BENCH unmatched", "BENCH errors"):
        assert record in text
    assert f"LEAD_US = {int(bench_wrk.LEAD_S * 1e6)}" in text  # the Python and Lua sides agree on the lead


@pytest.fixture
def app(migrated_engine: Engine) -> FastAPI:
    """The test backend with the benchmark's bare endpoint (what ``backend.bench.bench_app`` adds)."""
    app = create_app(SETTINGS, engine=migrated_engine)

    @app.get("/bench/bare/{request_id}", include_in_schema=False)
    async def bare(request_id: str) -> dict[str, str]:
        return {"id": request_id}

    return app


@pytest.mark.slow
def test_wrk_runs_the_script_against_a_real_server(live_server: LiveServer, tmp_path: Path) -> None:
    """wrk and the Lua pacing script for real, at a low rate: every request on the schedule is answered."""
    if bench_wrk.shutil.which("wrk") is None:
        pytest.skip(bench_wrk.INSTALL_HINT)
    script = bench_wrk.write_script(tmp_path)
    cmd = command(bench_wrk.find_wrk(), script, live_server.url, mode="bare", tag="t1", rate=50, seconds=1)
    result = bench_wrk.run_step(cmd, 50, 1)
    assert result.due == 50
    assert result.errors == {}
    assert result.answered == 50 and len(result.latencies_ms) == 50
