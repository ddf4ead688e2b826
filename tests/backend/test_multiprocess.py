"""Two backend processes on one PostgreSQL: live updates cross processes (LISTEN/NOTIFY), money stays exact."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import LedgerEntry, Payment
from tests.backend.conftest import COLA_CODE, EventListener, UnitActor, checked_out_trip, free_port, staff_login

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="needs PostgreSQL in DATABASE_URL"
    ),
]


def start_backend(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BASKETCHECK_ENVIRONMENT": "test",
        "BASKETCHECK_SECRET_KEY": "test-secret-0123456789",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "backend.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError("the backend process exited")
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the backend process did not become ready")


@pytest.fixture
def two_backends(migrated_engine) -> Iterator[tuple[str, str]]:
    url = migrated_engine.url.render_as_string(hide_password=False)
    started = [start_backend(url), start_backend(url)]
    try:
        yield started[0][1], started[1][1]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=10)


def test_a_flag_raised_through_one_process_reaches_a_dashboard_on_the_other(two_backends, unit_credentials) -> None:
    a, b = two_backends
    with httpx.Client(base_url=a, timeout=20) as staff:
        staff_login(staff, "alice")
        with EventListener(staff, "flag") as listener, httpx.Client(base_url=b, timeout=20) as http:
            unit = UnitActor(http, unit_credentials)
            checked_out_trip(http, unit, COLA_CODE)
            assert unit.send_verdict(unit.verdict_body(unit.session(), "FLAG")).status_code == 200
    assert listener.seen == ["event: flag"]


def test_duplicate_verdicts_across_processes_capture_once(two_backends, unit_credentials, migrated_engine) -> None:
    a, b = two_backends
    with httpx.Client(base_url=a, timeout=20) as http:
        unit = UnitActor(http, unit_credentials)
        _headers, trip = checked_out_trip(http, unit, COLA_CODE)
        body = unit.verdict_body(unit.session(), "PASS")

    def send(i: int) -> int:
        with httpx.Client(base_url=(a, b)[i % 2], timeout=60) as c:
            return UnitActor(c, unit_credentials).send_verdict(body).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        assert set(pool.map(send, range(40))) == {200}
    with Session(migrated_engine) as s:
        payment = s.scalar(select(Payment).where(Payment.trip_id == trip))
        assert payment is not None and payment.status == "captured"
        assert s.scalar(select(func.count(LedgerEntry.id))) == 2
