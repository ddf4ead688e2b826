"""Money is never lost and never charged twice: concurrent duplicates, and a crash mid-payment."""

from __future__ import annotations

import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import ledger
from backend.app import create_app
from backend.models import LedgerEntry, Payment, Trip
from tests.backend.conftest import (
    COLA_CODE,
    COLA_DEPOSIT,
    GUM_CODE,
    SETTINGS,
    UnitActor,
    checked_out_trip,
    checkout,
    new_shopper,
    new_trip,
    scan,
)

CONCURRENT = 50


def test_exactly_one_capture_under_concurrent_duplicate_verdicts(
    live_server, unit_credentials, migrated_engine
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        unit = UnitActor(http, unit_credentials)
        _headers, trip = checked_out_trip(http, unit, COLA_CODE, GUM_CODE)
        body = unit.verdict_body(unit.session(), "PASS")

    def send(_: int) -> int:
        with httpx.Client(base_url=live_server.url, timeout=60) as c:
            return UnitActor(c, unit_credentials).send_verdict(body).status_code

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        statuses = list(pool.map(send, range(CONCURRENT)))
    assert statuses.count(200) == CONCURRENT, statuses
    with Session(migrated_engine) as s:
        payment = s.scalar(select(Payment).where(Payment.trip_id == trip))
        assert payment is not None and payment.status == "captured" and payment.captured_minor == 328 + COLA_DEPOSIT
        assert s.scalar(select(func.count(LedgerEntry.id))) == 2
    assert live_server.app.state.payment_provider.captures(payment.provider_ref) == 1


def test_concurrent_checkouts_with_one_key_hold_once(live_server, unit_credentials, migrated_engine) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        unit = UnitActor(http, unit_credentials)
        headers = new_shopper(http)
        trip = new_trip(http, headers)
        scan(http, headers, trip, COLA_CODE)
        qr = unit.bind_qr()
    key = uuid.uuid4().hex

    def send(_: int) -> int:
        with httpx.Client(base_url=live_server.url, timeout=60) as c:
            return checkout(c, headers, trip, qr, key=key).status_code

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        statuses = list(pool.map(send, range(CONCURRENT)))
    # The one that ran answers 200, so do replays after it; the ones that came while it ran are told to retry.
    assert set(statuses) <= {200, 409} and 200 in statuses, statuses
    with Session(migrated_engine) as s:
        assert s.scalar(select(func.count(Payment.id))) == 1


def test_a_crash_between_capture_and_commit_is_finished_on_restart(
    app, unit_credentials, migrated_engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    unit = UnitActor(client, unit_credentials)
    _headers, trip = checked_out_trip(client, unit, COLA_CODE)
    body = unit.verdict_body(unit.session(), "PASS")

    def die(*_args, **_kwargs):
        raise RuntimeError("the process is killed here")

    monkeypatch.setattr(ledger, "record", die)  # the provider has captured; our commit never happens
    assert unit.send_verdict(body).status_code == 500
    monkeypatch.undo()
    with Session(migrated_engine) as s:
        payment = s.scalar(select(Payment).where(Payment.trip_id == trip))
        assert payment is not None and payment.status == "capturing"
        reference = payment.provider_ref
        # The restart comes later than a live request would still be running (settlement.IN_FLIGHT).
        payment.updated_at = payment.updated_at - dt.timedelta(minutes=1)
        trip_row = s.get(Trip, trip)
        assert trip_row is not None
        trip_row.updated_at = trip_row.updated_at - dt.timedelta(minutes=1)
        s.commit()

    restarted = create_app(SETTINGS, engine=migrated_engine)
    with TestClient(restarted):  # start-up reconciles
        pass
    with Session(migrated_engine) as s:
        payment = s.scalar(select(Payment).where(Payment.trip_id == trip))
        trip_row = s.get(Trip, trip)
        assert payment is not None and payment.status == "captured"
        assert trip_row is not None and trip_row.status == "paid"
        assert s.scalar(select(func.sum(LedgerEntry.amount_minor))) == 0
        assert s.scalar(select(func.count(LedgerEntry.id))) == 2
    assert restarted.state.payment_provider.captures(reference) == 1


def test_the_reconciler_leaves_a_just_passed_trip_to_the_request_settling_it(app, migrated_engine) -> None:
    """A trip passed a moment ago is being captured by the live verdict request; the periodic reconciler must
    not race it (it only finishes trips older than settlement.IN_FLIGHT)."""
    from backend.app import reconcile
    from tests.backend.conftest import new_shopper, new_trip

    with TestClient(app) as client:
        trip_id = new_trip(client, new_shopper(client))
        with Session(migrated_engine) as s, s.begin():
            row = s.get(Trip, trip_id)
            assert row is not None
            row.status = "passed"
        assert reconcile(app) == 0
        with Session(migrated_engine) as s:
            row = s.get(Trip, trip_id)
            assert row is not None and row.status == "passed"  # untouched: a live request owns it
