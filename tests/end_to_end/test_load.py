"""Load: 20 validation units and 200 shoppers at once against one backend on a real HTTP server.

The backend runs as its own process (``basketcheck backend serve``: uvicorn, one worker), so the clients'
threads do not share its interpreter, on the suite's database: SQLite by default, PostgreSQL with
``DATABASE_URL``. The 20 units are **signed API clients** (like ``UnitActor``: Ed25519-signed requests and
verdicts), not full stations with a scale and a camera: the load is on the backend, and 20 detectors would only
measure the test machine's CPU. Each unit serves one shopper at a time (a lock per unit), as a real unit does:
show a bind code, read the bound basket, post a signed PASS. 200 shoppers run in 40 threads (20 on SQLite, see
``SQLITE_THREADS``); each starts a trip, scans 3 to 8 demo-catalog products, checks out at a unit, and the trip
must end paid. The latency percentiles per endpoint are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import os
import random
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from backend import ledger
from backend.models import LedgerEntry, Payment, Product, Trip
from backend.payments.sandbox import operations
from tests.backend.conftest import UnitActor, UnitCredentials, free_port
from tests.end_to_end.conftest import SECRET, BackendProcess, database_url, fill_store

pytestmark = pytest.mark.slow

UNITS, SHOPPERS = 20, 200
THREADS = 40  # shoppers at once
# SQLite has one writer at a time and a 5 s busy timeout (backend.db); with 40 clients on a loaded 2-core machine
# a write now and then waited longer and the backend answered 500 'database is locked' (2 runs in 9). Until the
# backend answers that with a retryable 503 (or waits longer), the embedded SQLite store gets 20 at once.
SQLITE_THREADS = 20
SEED = 20261124


@dataclass
class LoadStore:
    url: str
    engine: Engine
    units: list[UnitCredentials]
    codes: list[str]  # demo-catalog products sold by the piece (GTIN-14, as the app may send them)


@pytest.fixture
def load_store(db_engine: Engine, tmp_path: Path) -> Iterator[LoadStore]:
    units = fill_store(db_engine, units=UNITS)
    with Session(db_engine) as session:
        # Not age-restricted ones: their PASS waits for a staff age check (#19), which no one gives here.
        codes = sorted(
            session.scalars(select(Product.gtin14).where(Product.sold_by == "piece", Product.age_min.is_(None)))
        )
    env = {
        **os.environ,
        "DATABASE_URL": database_url(db_engine),
        "BASKETCHECK_ENVIRONMENT": "test",
        "BASKETCHECK_SECRET_KEY": SECRET,
    }
    backend = BackendProcess(env, free_port(), tmp_path / "backend.log").start()
    try:
        yield LoadStore(backend.url, db_engine, units, codes)
    finally:
        backend.stop()


@dataclass
class Recorder:
    """Latency per endpoint and every unexpected answer, from many threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, label: str, send: Callable[[], httpx.Response], expect: int = 200) -> Any:
        began = time.perf_counter()
        try:
            response = send()
        except httpx.HTTPError as exc:
            with self.lock:
                self.errors.append(f"{label}: {type(exc).__name__}: {exc}")
            raise
        elapsed = time.perf_counter() - began
        with self.lock:
            self.latencies[label].append(elapsed)
            if response.status_code != expect:
                self.errors.append(f"{label}: {response.status_code} {response.text[:300]}")
        if response.status_code != expect:
            raise AssertionError(f"{label}: {response.status_code}")
        return response.json()

    def report(self, wall_s: float) -> str:
        lines = [f"{'endpoint':<34}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"]
        total = 0
        for label, values in sorted(self.latencies.items()):
            ordered = sorted(values)
            total += len(ordered)

            def pct(q: float, ordered: list[float] = ordered) -> float:
                return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

            lines.append(
                f"{label:<34}{len(ordered):>6}{1000 * statistics.median(ordered):>9.1f}{pct(0.95):>9.1f}"
                f"{pct(0.99):>9.1f}{1000 * ordered[-1]:>9.1f}"
            )
        lines.append(f"{total} requests in {wall_s:.1f} s ({total / wall_s:.0f} requests/s)")
        return "\n".join(lines)


def test_20_units_and_200_shoppers_at_once_all_pay_exactly_once(load_store: LoadStore) -> None:
    rec = Recorder()
    dialect = load_store.engine.dialect.name
    threads = SQLITE_THREADS if dialect == "sqlite" else THREADS
    # Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them under us.
    limits = httpx.Limits(
        max_connections=threads + UNITS, max_keepalive_connections=threads + UNITS, keepalive_expiry=2.0
    )
    http = httpx.Client(base_url=load_store.url, timeout=60, limits=limits)
    units = [UnitActor(http, credentials) for credentials in load_store.units]
    unit_locks = [threading.Lock() for _ in units]
    expected_totals: dict[str, int] = {}
    totals_lock = threading.Lock()
    raced: list[str] = []  # verdicts answered before the capture was done (see below)

    def shopper(n: int) -> None:
        rng = random.Random(SEED + n)
        token = rec.call("POST /v1/shoppers", lambda: http.post("/v1/shoppers"), 201)["token"]
        auth = {"Authorization": f"Bearer {token}"}
        trip_id = rec.call(
            "POST /v1/trips", lambda: http.post("/v1/trips", json={"store_id": "demo"}, headers=auth), 201
        )["trip_id"]
        codes = rng.choices(load_store.codes, k=rng.randint(3, 8))
        events = [
            {
                "event_id": f"load-{n:03d}-{i:02d}",
                "action": "add",
                "code": code,
                "client_time": f"2026-11-24T10:{i // 60:02d}:{i % 60:02d}+00:00",
            }
            for i, code in enumerate(codes)
        ]
        # The app syncs its queue in one or two batches.
        cut = rng.randint(1, len(events))
        for batch in (events[:cut], events[cut:]):
            if batch:
                send = partial(http.post, f"/v1/trips/{trip_id}/events", json={"events": batch}, headers=auth)
                rec.call("POST /v1/trips/{id}/events", send)
        k = n % UNITS
        unit = units[k]
        with unit_locks[k]:  # a unit checks one basket at a time
            qr = rec.call("POST /v1/units/me/bind-codes", lambda: unit.request("POST", "/v1/units/me/bind-codes"))["qr"]
            checkout = rec.call(
                "POST /v1/trips/{id}/checkout",
                lambda: http.post(
                    f"/v1/trips/{trip_id}/checkout",
                    json={"unit_qr": qr, "card_token": "tok_visa"},
                    headers={**auth, "Idempotency-Key": f"checkout-{n}"},
                ),
            )
            total = checkout["trip"]["basket"]["total_minor"]
            assert checkout["payment_status"] == "authorized" and checkout["authorized_minor"] == total
            session = rec.call("GET /v1/units/me/session", lambda: unit.request("GET", "/v1/units/me/session"))
            assert session["trip_id"] == trip_id and session["total_minor"] == total
            assert sum(line["quantity"] for line in session["lines"]) == len(codes)
            body = unit.verdict_body(session, "PASS", measured_net_g=None)
            answer = rec.call("POST /v1/units/me/verdicts", lambda: unit.send_verdict(body))
            if (answer["trip_status"], answer["payment_status"]) != ("paid", "captured"):
                # The backend's periodic reconciler settles every 'passed' trip, however young, so it can race
                # this request; whichever claims the capture first finishes it and the other answers
                # 'passed'/'capturing'. Counted and reported; the trip must still end paid, once.
                assert (answer["trip_status"], answer["payment_status"]) == ("passed", "capturing"), answer
                with rec.lock:
                    raced.append(trip_id)
        deadline = time.monotonic() + 45
        while True:
            trip = rec.call("GET /v1/trips/{id}", lambda: http.get(f"/v1/trips/{trip_id}", headers=auth))
            if trip["status"] == "paid" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert trip["status"] == "paid", trip["status"]
        receipt = rec.call("GET /v1/trips/{id}/receipt", lambda: http.get(f"/v1/trips/{trip_id}/receipt", headers=auth))
        assert receipt["total_minor"] == total
        with totals_lock:
            expected_totals[trip_id] = total

    began = time.perf_counter()
    failures: list[str] = []
    with ThreadPoolExecutor(threads, thread_name_prefix="shopper") as pool:
        futures = [pool.submit(shopper, n) for n in range(SHOPPERS)]
        for n, future in enumerate(futures):
            try:
                future.result(timeout=300)
            except Exception as exc:
                failures.append(f"shopper {n}: {type(exc).__name__}: {exc}")
    wall_s = time.perf_counter() - began
    http.close()
    print(f"\nload on {dialect}: {UNITS} units, {SHOPPERS} shoppers, {threads} threads\n{rec.report(wall_s)}")
    print(f"verdicts answered 'passed'/'capturing' (the reconciler was settling the trip): {len(raced)}")

    assert rec.errors == [], rec.errors[:10]
    assert failures == [], failures[:10]
    assert len(expected_totals) == SHOPPERS

    # Every trip paid exactly once; the ledger balances and agrees with the provider.
    grand_total = sum(expected_totals.values())
    with Session(load_store.engine) as session:
        statuses = dict(session.execute(select(Trip.id, Trip.status)).all())
        assert statuses == dict.fromkeys(expected_totals, "paid")
        payments = session.scalars(select(Payment)).all()
        assert len(payments) == SHOPPERS
        assert {p.trip_id: p.captured_minor for p in payments if p.status == "captured"} == expected_totals
        per_transaction = session.execute(
            select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount_minor), func.count()).group_by(
                LedgerEntry.transaction_id
            )
        ).all()
        assert len(per_transaction) == SHOPPERS  # one capture booking per payment, nothing else moved
        assert all(total == 0 and count == 2 for _tid, total, count in per_transaction)
        assert {tid for tid, _total, _count in per_transaction} == {f"capture-{p.id}" for p in payments}
        balances = ledger.balances(session)
        assert balances == {(ledger.RECEIVABLE, "EUR"): grand_total, (ledger.SALES, "EUR"): -grand_total}
        provider_captures = session.scalar(
            select(func.count()).select_from(operations).where(operations.c.operation == "capture")
        )
        assert provider_captures == SHOPPERS
    assert wall_s < 120, f"the load took {wall_s:.0f} s"
