"""Open-loop load at a fixed rate with wrk: the pacing script, the command line, and reading what wrk reports.

Why wrk, paced by a Lua script: Debian ships wrk (4.1) but not wrk2, whose ``-R`` gives a fixed rate. h2load
(``nghttp2-client``) has ``--rps``, but it sends one request body and one set of headers for every request, and a
scan event needs its own event id (a repeated one is a duplicate, not a scan) and its shopper's bearer token.
wrk's Lua ``request()`` builds every request, so each carries a fresh event id and one of many shoppers' tokens.

Open loop and coordinated omission: wrk itself is closed-loop (each connection sends its next request when the
answer to the last one arrives), and times a request from when it was written, so a stalled server would slow the
sender down and hide the stall ("coordinated omission"). The script fixes the schedule instead: request *k* of a
run is due at ``t0 + k / rate``; ``delay()`` holds a free connection until the next due time, and a request's
latency is counted from its due time when it went out late (no free connection, because the server fell behind),
as wrk2 does. A run is a fixed number of requests (rate × seconds); one that never went out, or got no answer
within a second after the last was due, counts as missed (slower than any answer).
There are several times more connections than the rate needs at 50 ms latency, so missed or late requests mean
the server did not keep up, not that the client ran out of connections.

The script prints its raw records (``BENCH …`` lines); :func:`parse_output` turns them into a :class:`StepResult`.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = "install wrk (Debian/Ubuntu: 'apt-get install wrk'; 'make bench' does it)"
LEAD_S = 0.3  # the script's LEAD_US: its schedule starts this long after the first connection is up
# wrk runs this long after the last request is due, to collect the last answers (and times requests out then).
TAIL_S = 0.7

# One record per line so that parsing is trivial and a partial run still parses:
#   BENCH thread <tid> <scheduled> <sent>
#   BENCH r <tid> <k> <latency_us>          one per 2xx answer that names request k of this run
#   BENCH status <tid> <http_status> <count>
#   BENCH unmatched <tid> <count>           other answers: errors (their bodies name no request)
#   BENCH errors <connect> <read> <write> <status> <timeout>
LUA_SCRIPT = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC: the same clock in every thread and in done()
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local LEAD_US = 300000
local counter = 0
local threads = {}
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

-- args: mode (scan|bare), run tag, rate per thread (req/s), trips file, codes (comma separated), first trip,
-- requests to send (the schedule ends there; wrk's -d leaves time for the last answers)
function init(args)
  mode, tag, interval = args[1], args[2], 1e6 / tonumber(args[3])
  offset, total = tonumber(args[6]) or 0, tonumber(args[7])
  trips, codes = {}, {}
  if mode == "scan" then
    for line in io.lines(args[4]) do
      local trip, token = line:match("^(%S+) (%S+)$")
      if trip then
        table.insert(trips, {"/v1/trips/" .. trip .. "/events", "Bearer " .. token})
      end
    end
    for code in args[5]:gmatch("[^,]+") do table.insert(codes, code) end
  end
  prefix = "bench_" .. tag .. "_t" .. tid .. "_"
  pattern = prefix .. "(%d+)"
  t0, claimed, sent, unmatched = nil, 0, 0, 0
  starts, ks, lats, statuses = {}, {}, {}, {}
end

function delay()
  local now = now_us()
  -- The schedule starts a moment after the first connection is up, so that opening the others (all at once,
  -- at the start) is not measured as the server's latency.
  if t0 == nil then t0 = now + LEAD_US end
  if claimed >= total then return 3600000 end  -- the schedule is over: hold the connection idle
  local due = t0 + claimed * interval
  claimed = claimed + 1
  local wait_ms = (due - now) / 1000
  if wait_ms < 0 then return 0 end
  return wait_ms
end

function request()
  -- wrk calls request() once before the run to check the script, and again after a reconnect without
  -- delay(): such a call has no slot on the schedule and sends an uncounted health check.
  if sent >= claimed then
    return wrk.format("GET", "/healthz")
  end
  local k = sent
  sent = sent + 1
  local now = now_us()
  local due = t0 + k * interval
  -- Late (the server fell behind): count from the due time. Early (the timer's ms rounding): from the send.
  if due < now then starts[k] = due else starts[k] = now end
  local id = prefix .. k
  if mode == "bare" then
    return wrk.format("GET", "/bench/bare/" .. id)
  end
  local trip = trips[((k + offset) % #trips) + 1]
  local body = '{"events":[{"event_id":"' .. id .. '","action":"add","code":"' .. codes[(k % #codes) + 1]
    .. '","client_time":"2026-12-03T10:00:00+00:00"}]}'
  return wrk.format("POST", trip[1], {["Authorization"] = trip[2], ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  local now = now_us()
  statuses[status] = (statuses[status] or 0) + 1
  local k = body and tonumber(body:match(pattern))
  if status < 200 or status > 299 or k == nil or starts[k] == nil then
    unmatched = unmatched + 1
    return
  end
  ks[#ks + 1] = k
  lats[#lats + 1] = math.floor(now - starts[k])
  starts[k] = nil
end

function done(summary, latency, requests)
  local out = {}
  for _, thread in ipairs(threads) do
    local tid = thread:get("tid")
    out[#out + 1] = string.format("BENCH thread %d %d %d", tid, thread:get("total"), thread:get("sent"))
    local ks, lats = thread:get("ks"), thread:get("lats")
    for i = 1, #ks do out[#out + 1] = string.format("BENCH r %d %d %d", tid, ks[i], lats[i]) end
    for status, count in pairs(thread:get("statuses")) do
      out[#out + 1] = string.format("BENCH status %d %d %d", tid, status, count)
    end
    out[#out + 1] = string.format("BENCH unmatched %d %d", tid, thread:get("unmatched"))
  end
  local e = summary.errors
  out[#out + 1] = string.format("BENCH errors %d %d %d %d %d", e.connect, e.read, e.write, e.status, e.timeout)
  io.write(table.concat(out, "\n"), "\n")
end
"""


class LoadToolMissing(RuntimeError):
    """wrk is not installed."""


@dataclass(frozen=True)
class StepResult:
    """One run at a fixed offered rate: latencies counted from due times, and everything that went wrong."""

    offered_rps: float
    duration_s: float
    due: int  # requests on the schedule
    answered: int  # answered with 2xx
    latencies_ms: tuple[float, ...]  # of every 2xx answer, sorted
    errors: dict[str, int] = field(default_factory=dict)  # kind → count ("missed", "http_503", "timeout", …)

    @property
    def achieved_rps(self) -> float:
        return self.answered / self.duration_s if self.duration_s > 0 else 0.0

    def percentile_ms(self, q: float) -> float | None:
        """The ``q`` quantile, counting missed requests as slower than any answer (None if nothing was due)."""
        missed = self.errors.get("missed", 0)
        n = len(self.latencies_ms) + missed
        if n == 0:
            return None
        rank = max(0, math.ceil(q * n) - 1)  # nearest rank: the p99 of 100 values is the 99th
        return self.latencies_ms[rank] if rank < len(self.latencies_ms) else math.inf

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def merge(first: StepResult, second: StepResult) -> StepResult:
    """Two runs at the same offered rate as one longer run (the sweep lengthens a borderline step this way)."""
    if first.offered_rps != second.offered_rps:
        raise ValueError("only runs at the same offered rate can be merged")
    errors = Counter(first.errors)
    errors.update(second.errors)
    return StepResult(
        offered_rps=first.offered_rps,
        duration_s=first.duration_s + second.duration_s,
        due=first.due + second.due,
        answered=first.answered + second.answered,
        latencies_ms=tuple(sorted(first.latencies_ms + second.latencies_ms)),
        errors=dict(errors),
    )


def find_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise LoadToolMissing(f"the backend benchmark needs the load tool wrk, which is not on PATH: {INSTALL_HINT}")
    return path


def write_script(folder: Path) -> Path:
    path = folder / "bench_open_loop.lua"
    path.write_text(LUA_SCRIPT)
    return path


def connections_for(rate: float) -> int:
    """Enough connections for every request due within 0.2 s to be in flight at once (4× the 50 ms target)."""
    return max(4, min(1000, math.ceil(rate * 0.2)))


def command(
    wrk: str,
    script: Path,
    base_url: str,
    *,
    mode: str,
    tag: str,
    rate: float,
    seconds: float,
    trips_file: Path | None = None,
    codes: Sequence[str] = (),
    offset: int = 0,
    threads: int = 1,
) -> list[str]:
    """The wrk command line for one run: ``rate × seconds`` requests (over all threads) on a fixed schedule."""
    if mode not in ("scan", "bare"):
        raise ValueError(f"mode must be 'scan' or 'bare', not {mode!r}")
    if not tag.isalnum():
        raise ValueError(f"the run tag must be letters and digits (it is part of event ids), not {tag!r}")
    if rate <= 0 or seconds <= 0 or threads < 1:
        raise ValueError("rate, seconds and threads must be positive")
    if mode == "scan" and (trips_file is None or not codes):
        raise ValueError("a scan run needs the trips file and the product codes")
    per_thread = rate / threads
    scheduled = max(1, math.floor(per_thread * seconds))
    connections = max(threads, connections_for(rate))
    return [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        # wrk stops at -d: the schedule's length plus a tail for the last answers; an answer slower than the
        # tail is missed (and far beyond any latency target).
        f"-d{math.ceil(seconds + LEAD_S + TAIL_S)}s",
        f"--timeout={math.ceil(TAIL_S)}s",
        "-s",
        str(script),
        base_url,
        "--",
        mode,
        tag,
        f"{per_thread:.6f}",
        str(trips_file or "-"),
        ",".join(codes) or "-",
        str(offset),
        str(scheduled),
    ]


def parse_output(text: str, offered_rps: float, duration_s: float) -> StepResult:
    """Read the script's ``BENCH`` records (other lines, wrk's own summary, are ignored)."""
    scheduled: dict[int, int] = {}  # tid → requests on its schedule
    latencies: list[float] = []
    answered: dict[int, int] = {}
    errors: Counter[str] = Counter()
    refused = 0  # answers with an error status
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 2 or parts[0] != "BENCH":
            continue
        kind, values = parts[1], parts[2:]
        try:
            if kind == "thread":
                scheduled[int(values[0])] = int(values[1])
            elif kind == "r":
                tid, k = int(values[0]), int(values[1])
                answered[tid] = answered.get(tid, 0) + 1
                latencies.append(int(values[2]) / 1000)
                if k < 0:
                    raise ValueError("negative request number")
            elif kind == "status":
                status, count = int(values[1]), int(values[2])
                if not 200 <= status < 300:
                    errors[f"http_{status}"] += count
                    refused += count
            elif kind == "errors":
                for name, value in zip(("connect", "read", "write", "status", "timeout"), values, strict=True):
                    # wrk's "status" errors are the HTTP ≥ 400 answers, already counted by status above.
                    if name != "status" and int(value):
                        errors[name] += int(value)
        except (IndexError, ValueError) as exc:
            raise ValueError(f"unreadable wrk record {line!r}: {exc}") from None
    if not scheduled:
        raise ValueError("wrk's output has no records of the pacing script: did the run start?")
    due = sum(scheduled.values())
    missed = due - sum(answered.values()) - refused
    if missed > 0:
        errors["missed"] = missed
    return StepResult(
        offered_rps=offered_rps,
        duration_s=duration_s,
        due=due,
        answered=sum(answered.values()),
        latencies_ms=tuple(sorted(latencies)),
        errors=dict(errors),
    )


def run_step(cmd: list[str], offered_rps: float, duration_s: float) -> StepResult:
    """Run wrk once and read its records; a wrk that fails says why."""
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + TAIL_S + 30, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited with {done.returncode}: {(done.stderr or done.stdout).strip()[:500]}")
    return parse_output(done.stdout, offered_rps, duration_s)
