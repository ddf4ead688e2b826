"""End-to-end fixtures for fault and load tests: the store backend (in this process on a real port, or as its own
process that a test can kill), a simulated station and a real validation unit against both.

Every database comes from the suite's ``db_engine`` fixture, so the same tests run on SQLite and, with
``DATABASE_URL`` set, on a fresh PostgreSQL schema (which travels in the URL to a backend subprocess).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from backend import migrate
from backend.app import create_app
from backend.catalog import import_rows
from backend.catalog_csv import parse_catalog
from backend.models import LedgerEntry, Payment, Store, Verdict
from hardware_sim.catalog import DEMO_CATALOG
from hardware_sim.station import SimStation
from tests.backend.conftest import SETTINGS, LiveServer, UnitCredentials, add_unit, free_port
from validation_unit.config import UnitConfig
from validation_unit.runner import UnitRunner

REPO = Path(__file__).parents[2]
DEMO_CATALOG_PATH = REPO / "hardware_sim" / "data" / DEMO_CATALOG
UNIT_ID, STORE_ID = "demo-unit-1", "demo"
NO_AUDITS = {"base_rate": 0.0, "min_rate": 0.0}  # random audits would FLAG an honest basket now and then
SECRET = "end-to-end-secret-0123456789"


def database_url(engine: Engine) -> str:
    """The engine's URL with its password, for another process (PostgreSQL: the test's schema is in it)."""
    return engine.url.render_as_string(hide_password=False)


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition", every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def fill_store(engine: Engine, units: int = 1) -> list[UnitCredentials]:
    """Migrate, add store 'demo' (no random audits) with the demo catalog, register ``units`` units."""
    migrate.upgrade(engine)
    with Session(engine) as session, session.begin():
        session.add(Store(id=STORE_ID, name="Demo Store", currency="EUR", audit_policy=dict(NO_AUDITS)))
        import_rows(session, parse_catalog(DEMO_CATALOG_PATH.read_text()))
    if units == 1:
        return [add_unit(engine, UNIT_ID)]
    return [add_unit(engine, f"load-unit-{i:02d}") for i in range(units)]


def write_credentials(path: Path, unit: UnitCredentials, url: str) -> Path:
    path.write_text(
        json.dumps({"unit_id": unit.unit_id, "store_id": STORE_ID, "backend_url": url, "private_key": unit.private_key})
    )
    return path


def serve_in_thread(engine: Engine) -> tuple[LiveServer, uvicorn.Server, threading.Thread]:
    app = create_app(SETTINGS, engine=engine)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="backend", daemon=True)
    thread.start()
    wait_for(lambda: server.started, 15, "the backend to start")
    return LiveServer(f"http://127.0.0.1:{port}", app), server, thread


@dataclass
class InProcessBackend:
    server: LiveServer
    credentials: Path
    engine: Engine

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def store_backend(db_engine: Engine, tmp_path: Path) -> Iterator[InProcessBackend]:
    """The backend in this process on a real port: demo catalog, store 'demo' without audits, one unit."""
    (unit,) = fill_store(db_engine)
    live, server, thread = serve_in_thread(db_engine)
    yield InProcessBackend(live, write_credentials(tmp_path / "unit.json", unit, live.url), db_engine)
    server.should_exit = True
    thread.join(10)


# -- the backend as its own process ---------------------------------------------------------------------------


class BackendProcess:
    """``basketcheck backend serve`` in a subprocess on a fixed port; :meth:`kill` is ``kill -9``."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 60.0) -> BackendProcess:
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"--- start {self.starts} ---\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "backend.cli", "backend", "serve", "--port", str(self.port)],
                env=self.env,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"the backend exited at start-up:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the backend was not ready within {timeout:.0f} s:\n{self.log.read_text()[-3000:]}"
                )
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no last commit, connections cut."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def cli(env: dict[str, str], *args: str, stdin: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", *args], env=env, cwd=REPO, input=stdin, capture_output=True, text=True
    )
    assert result.returncode == 0, f"basketcheck {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


@dataclass
class SubprocessBackend:
    process: BackendProcess
    credentials: Path
    engine: Engine

    @property
    def url(self) -> str:
        return self.process.url


@pytest.fixture
def backend_process(db_engine: Engine, tmp_path: Path) -> Iterator[SubprocessBackend]:
    """A store set up through the real commands (as ``basketcheck demo`` does) and served by its own process:
    SQLite, a file in the test's folder (the ``db_engine`` one); PostgreSQL, the test's schema."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(db_engine),
        "BASKETCHECK_ENVIRONMENT": "test",
        "BASKETCHECK_SECRET_KEY": SECRET,
    }
    env.pop("BASKETCHECK_DEBUG", None)
    port = free_port()
    credentials = tmp_path / "unit.json"
    cli(env, "backend", "migrate")
    cli(
        env,
        "backend",
        "add-store",
        STORE_ID,
        "--name",
        "Demo Store",
        "--currency",
        "EUR",
        "--audit-base-rate",
        "0",
        "--audit-min-rate",
        "0",
    )
    cli(env, "catalog", "import", str(DEMO_CATALOG_PATH))
    cli(
        env,
        "unit",
        "register",
        UNIT_ID,
        "--store",
        STORE_ID,
        "--out",
        str(credentials),
        "--backend-url",
        f"http://127.0.0.1:{port}",
    )
    process = BackendProcess(env, port, tmp_path / "backend.log").start()
    try:
        yield SubprocessBackend(process, credentials, db_engine)
    finally:
        process.stop()


# -- the station and the unit ----------------------------------------------------------------------------------


@pytest.fixture
def station() -> Iterator[SimStation]:
    with SimStation(seed=3, fps=10.0) as sim:
        yield sim


def unit_config(credentials: Path, station: SimStation, **timing: float) -> UnitConfig:
    return UnitConfig.model_validate(
        {
            "credentials": str(credentials),
            "scale": {"url": station.scale_port},
            "camera": {"url": station.camera_url},
            "screen": {"port": 0},
            "backend": {"poll_s": 0.2, "heartbeat_s": 1.0, "timeout_s": 3.0},
            "timing": timing,
        }
    )


@pytest.fixture
def start_unit(station: SimStation) -> Iterator[Callable[[Path], UnitRunner]]:
    """Starts real validation units on the station (each stopped at the end unless the test did)."""
    runners: list[UnitRunner] = []

    def start(credentials: Path, **timing: float) -> UnitRunner:
        runner = UnitRunner(unit_config(credentials, station, **timing)).start()
        runners.append(runner)
        # The scale takes the first stable load as its zero: nothing may land on the tray before that.
        wait_for(lambda: scale_zeroed(runner), 20, "the unit's scale to set its zero")
        return runner

    yield start
    for runner in runners:
        if not getattr(runner, "_stopped_by_test", False):
            runner.stop()


def scale_zeroed(runner: UnitRunner) -> bool:
    reading = runner.scale.latest()
    return reading is not None and reading.ok and reading.stable and reading.grams is not None


def stop_unit(runner: UnitRunner) -> None:
    runner.stop()
    runner._stopped_by_test = True  # type: ignore[attr-defined]


# -- what the database says ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    payment_status: str
    captured_minor: int
    capture_transactions: int
    provider_captures: int
    ledger_sum: int


def money_of(engine: Engine, trip_id: str) -> Money:
    """The trip's payment, its capture bookings in the ledger and the provider's capture operations."""
    from backend.payments.sandbox import operations

    with Session(engine) as session:
        payment = session.scalar(select(Payment).where(Payment.trip_id == trip_id))
        assert payment is not None, f"trip {trip_id} has no payment"
        transactions = session.scalar(
            select(func.count(func.distinct(LedgerEntry.transaction_id))).where(
                LedgerEntry.payment_id == payment.id, LedgerEntry.transaction_id.like("capture-%")
            )
        )
        ledger_sum = session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)))
        provider_captures = session.scalar(
            select(func.count())
            .select_from(operations)
            .where(operations.c.operation == "capture", operations.c.reference == payment.provider_ref)
        )
        return Money(
            payment.status,
            payment.captured_minor,
            int(transactions or 0),
            int(provider_captures or 0),
            int(ledger_sum or 0),
        )


def verdicts_of(engine: Engine, trip_id: str) -> list[Verdict]:
    with Session(engine) as session:
        rows = session.scalars(select(Verdict).where(Verdict.trip_id == trip_id).order_by(Verdict.received_at)).all()
        session.expunge_all()
        return list(rows)
