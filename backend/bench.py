"""``basketcheck bench backend``: scan-event throughput and latency under concurrent clients.

Starts the real backend (uvicorn, one worker) on a fresh database, plus a bare FastAPI endpoint in the same
server, and drives both with N concurrent HTTP clients for a fixed time. ``ratio`` is scan throughput over
bare throughput: how much the backend's own work costs. Runs on SQLite, and on PostgreSQL when reachable.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_CATALOG = (
    "gtin,name,brand,price_minor,currency,sold_by,weight_mean_g,weight_sd_g,plu\n"
    "4006381333931,Cola 1.5 L,Fizz,199,EUR,piece,1580,12,\n"
    "5000112637922,Chewing gum,Minty,129,EUR,piece,28,1.5,\n"
)
CODES = ("4006381333931", "5000112637922")


def bench_app() -> FastAPI:
    """The backend as configured by the environment, plus ``/bench/bare`` doing nothing."""
    from backend.app import create_app

    app = create_app()

    @app.get("/bench/bare", include_in_schema=False)
    def bare() -> dict[str, bool]:
        return {"ok": True}

    return app


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each measurement")
    parser.add_argument("--postgres-url", default=os.environ.get("DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")


def _prepare(url: str) -> None:
    from sqlalchemy.orm import Session

    from backend import migrate
    from backend.catalog import import_rows
    from backend.catalog_csv import parse_catalog
    from backend.db import make_engine
    from backend.models import Store

    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session, session.begin():
        session.add(Store(id="bench", name="Bench", currency="EUR"))
        import_rows(session, parse_catalog(BENCH_CATALOG))
    engine.dispose()


def _serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BASKETCHECK_ENVIRONMENT": "test",
        "BASKETCHECK_SECRET_KEY": "bench-secret-0123456789",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "backend.bench:bench_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )


async def _one(http: Any, scans: bool, trip: str, headers: dict[str, str], n: int) -> Any:
    if not scans:
        return await http.get("/bench/bare")
    event = {
        "event_id": uuid.uuid4().hex,
        "action": "add",
        "code": CODES[n % 2],
        "client_time": dt.datetime.now(dt.UTC).isoformat(),
    }
    return await http.post(f"/v1/trips/{trip}/events", json={"events": [event]}, headers=headers)


async def _drive(base: str, clients: int, seconds: float, scans: bool) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    failures: Counter[str] = Counter()  # HTTP status or exception name: what an error was
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:

        async def one_client() -> None:
            headers: dict[str, str] = {}
            trip = ""
            if scans:
                token = (await http.post("/v1/shoppers")).json()["token"]
                headers = {"Authorization": f"Bearer {token}"}
                trip = (await http.post("/v1/trips", json={"store_id": "bench"}, headers=headers)).json()["trip_id"]
            await start.wait()
            n = 0
            while time.monotonic() < end:
                n += 1
                began = time.perf_counter()
                try:
                    response = await _one(http, scans, trip, headers, n)
                except httpx.HTTPError as exc:
                    failures[type(exc).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - began)
                if response.status_code != 200:
                    failures[str(response.status_code)] += 1

        start = asyncio.Event()
        tasks = [asyncio.create_task(one_client()) for _ in range(clients)]
        await asyncio.sleep(1.0)  # let every client set up its trip
        end = time.monotonic() + seconds
        start.set()
        await asyncio.gather(*tasks)
    latencies.sort()
    return {
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else 0.0,
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1) if latencies else 0.0,
        "requests": len(latencies),
        "errors": sum(failures.values()),
        "error_kinds": dict(failures),
    }


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def measure(url: str, args: argparse.Namespace, label: str) -> dict[str, Any]:
    import httpx

    print(f"bench backend: {label}: preparing a fresh database", file=sys.stderr, flush=True)
    _prepare(url)
    port = _free_port()
    server = _serve(url, port)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the backend did not start")
            time.sleep(0.2)
        print(f"bench backend: {label}: {args.clients} clients, bare endpoint", file=sys.stderr, flush=True)
        bare = asyncio.run(_drive(base, args.clients, args.seconds, scans=False))
        print(f"bench backend: {label}: {args.clients} clients, scan events", file=sys.stderr, flush=True)
        scan = asyncio.run(_drive(base, args.clients, args.seconds, scans=True))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {
        "scan_rps": scan["rps"],
        "bare_rps": bare["rps"],
        "ratio": round(scan["rps"] / bare["rps"], 3) if bare["rps"] else 0.0,
        "p50_ms": scan["p50_ms"],
        "p99_ms": scan["p99_ms"],
        "bare_p99_ms": bare["p99_ms"],
        "errors": scan["errors"] + bare["errors"],
        "error_kinds": dict(Counter(scan["error_kinds"]) + Counter(bare["error_kinds"])),
    }


def _postgres_schema(url: str) -> tuple[str, str] | None:
    """A fresh schema on the PostgreSQL at ``url``, or None when it cannot be reached."""
    from sqlalchemy import make_url, text
    from sqlalchemy.exc import OperationalError

    from backend.db import make_engine

    try:
        engine = make_engine(url)
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    except (OperationalError, ImportError):
        return None
    return schema, str(make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}))


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"clients": args.clients, "seconds": args.seconds}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = measure(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args, "sqlite")
    if not args.no_postgres:
        found = _postgres_schema(args.postgres_url)
        if found is None:
            results["postgresql"] = {"status": "not reachable"}
        else:
            schema, url = found
            try:
                results["postgresql"] = measure(url, args, "postgresql")
            finally:
                from sqlalchemy import text

                from backend.db import make_engine

                engine = make_engine(args.postgres_url)
                with engine.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                engine.dispose()
    results["targets"] = {"ratio": ">= 0.4", "p99_ms": "<= 50"}
    return results
