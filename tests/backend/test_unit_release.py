"""Units that never get stuck: a bound trip times out (hold voided once, unit free), staff free a unit, the
overview tells the truth. Times are injected or written into the rows: no test waits for a time-out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from backend import unit_release
from backend.app import reconcile
from backend.models import Payment, Trip, UnitEvent, utcnow
from backend.payments.provider import ProviderUnavailable
from backend.payments.sandbox import operations
from tests.backend.conftest import (
    COLA_CODE,
    UnitActor,
    checked_out_trip,
    checkout,
    new_shopper,
    new_trip,
    scan,
    staff_login,
)

TIMEOUT_S = 300


def voids(engine: Engine, trip_id: str) -> int:
    """How many voids the provider made for the trip's hold."""
    with Session(engine) as session:
        reference = session.scalar(select(Payment.provider_ref).where(Payment.trip_id == trip_id))
        return int(
            session.scalar(
                select(func.count())
                .select_from(operations)
                .where(operations.c.reference == reference, operations.c.operation == "void")
            )
            or 0
        )


def row(engine: Engine, trip_id: str) -> tuple[str, str]:
    with Session(engine) as session:
        trip = session.get(Trip, trip_id)
        payment = session.scalar(select(Payment).where(Payment.trip_id == trip_id))
        assert trip is not None and payment is not None
        return trip.status, payment.status


def age(engine: Engine, trip_id: str, seconds: float) -> None:
    """Make the trip's last change ``seconds`` old (as if nobody had touched it since)."""
    with Session(engine) as session:
        session.execute(
            update(Trip).where(Trip.id == trip_id).values(updated_at=utcnow() - dt.timedelta(seconds=seconds))
        )
        session.commit()


def release(app: FastAPI, now: dt.datetime, unit_id: str | None = None) -> list[str]:
    return unit_release.time_out_bound_trips(
        app.state.sessionmaker, app.state.payment_provider, TIMEOUT_S, unit_id=unit_id, now=now
    )


def test_rule_only_bound_trips_left_alone_time_out() -> None:
    t0 = dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC)
    assert not unit_release.timed_out("recheck", t0, t0 + dt.timedelta(seconds=299), 300)
    assert unit_release.timed_out("recheck", t0, t0 + dt.timedelta(seconds=300), 300)
    assert unit_release.timed_out("checking_out", t0, t0 + dt.timedelta(hours=1), 300)
    for status in ("shopping", "passed", "paid", "flagged", "abandoned"):
        assert not unit_release.timed_out(status, t0, t0 + dt.timedelta(hours=1), 300)


def test_bound_trip_times_out_hold_voided_once_unit_free(
    app: FastAPI, client: TestClient, unit: UnitActor, migrated_engine: Engine
) -> None:
    headers, trip = checked_out_trip(client, unit, COLA_CODE)
    assert unit.session()["trip_id"] == trip
    now = utcnow()
    assert release(app, now + dt.timedelta(seconds=TIMEOUT_S - 5)) == []  # not yet
    assert release(app, now + dt.timedelta(seconds=TIMEOUT_S + 1)) == [trip]
    assert row(migrated_engine, trip) == ("abandoned", "voided")
    assert release(app, now + dt.timedelta(hours=2)) == []  # another process, a later round: nothing twice
    assert unit_release.void_abandoned_holds(app.state.sessionmaker, app.state.payment_provider) == 0
    assert voids(migrated_engine, trip) == 1
    assert unit.session()["trip_id"] is None  # the unit goes back to its start screen
    with Session(migrated_engine) as session:
        event = session.scalars(select(UnitEvent)).one()
        assert (event.action, event.trip_id, event.trip_status, event.staff_id) == (
            "timed_out",
            trip,
            "checking_out",
            None,
        )
    # The shopper's app sees the trip ended; the unit takes the next shopper.
    assert client.get(f"/v1/trips/{trip}", headers=headers).json()["status"] == "abandoned"
    _, second = checked_out_trip(client, unit, COLA_CODE)
    assert unit.session()["trip_id"] == second


def test_recheck_left_alone_times_out_at_the_units_poll_and_a_late_verdict_is_refused(
    client: TestClient, unit: UnitActor, migrated_engine: Engine
) -> None:
    _, trip = checked_out_trip(client, unit, COLA_CODE)
    session = unit.session()
    assert unit.send_verdict(unit.verdict_body(session, "RECHECK")).json()["trip_status"] == "recheck"
    recheck = unit.session()
    age(migrated_engine, trip, TIMEOUT_S - 10)
    assert unit.session()["trip_id"] == trip  # touched 290 s ago: still bound
    age(migrated_engine, trip, TIMEOUT_S + 10)
    assert unit.session()["trip_id"] is None  # the poll itself timed it out: no periodic task needed
    assert row(migrated_engine, trip) == ("abandoned", "voided")
    late = unit.send_verdict(unit.verdict_body(recheck, "PASS"))
    assert late.status_code == 409 and late.json()["type"].endswith("trip-not-checking-out")
    assert row(migrated_engine, trip) == ("abandoned", "voided")  # never captured


def test_periodic_task_frees_units_and_voids_what_the_provider_missed(
    app: FastAPI, client: TestClient, unit: UnitActor, migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, trip = checked_out_trip(client, unit, COLA_CODE)
    age(migrated_engine, trip, TIMEOUT_S + 1)
    provider = app.state.payment_provider

    def down(**_: Any) -> None:
        raise ProviderUnavailable("sandbox down")

    monkeypatch.setattr(provider, "void", down)
    reconcile(app)
    assert row(migrated_engine, trip) == ("abandoned", "authorized")  # the unit is free, the hold not yet void
    assert unit.session()["trip_id"] is None
    monkeypatch.undo()
    reconcile(app)
    assert row(migrated_engine, trip) == ("abandoned", "voided")
    reconcile(app)
    assert voids(migrated_engine, trip) == 1


def test_a_passed_trip_is_never_timed_out(
    app: FastAPI, client: TestClient, unit: UnitActor, migrated_engine: Engine
) -> None:
    _, trip = checked_out_trip(client, unit, COLA_CODE)
    assert unit.send_verdict(unit.verdict_body(unit.session(), "PASS")).json()["trip_status"] == "paid"
    assert release(app, utcnow() + dt.timedelta(hours=1)) == []
    assert row(migrated_engine, trip) == ("paid", "captured")


def test_overview_tells_the_truth_and_staff_free_a_unit(
    client: TestClient, unit: UnitActor, migrated_engine: Engine
) -> None:
    _, trip = checked_out_trip(client, unit, COLA_CODE)
    unit.request("POST", "/v1/units/me/heartbeat", {"state": "idle", "faults": {}})  # what the unit says
    csrf = staff_login(client, "alice")
    (status,) = client.get("/v1/staff/units").json()
    assert status["state"] == "idle" and status["trip_id"] == trip and status["trip_status"] == "checking_out"
    assert status["bound_since"] and 0 <= status["heartbeat_age_s"] < 30 and status["active"]
    version = status["trip_version"]
    path = f"/v1/staff/units/{unit.credentials.unit_id}/free"

    assert client.post(path, json={"trip_id": trip, "trip_version": version}).status_code == 403  # no CSRF token
    stale = client.post(path, json={"trip_id": trip, "trip_version": version - 1}, headers=csrf)
    assert stale.status_code == 409 and stale.json()["type"].endswith("stale-version")
    freed = client.post(path, json={"trip_id": trip, "trip_version": version, "reason": "shopper left"}, headers=csrf)
    assert freed.status_code == 200, freed.text
    out = freed.json()
    assert out["trip_id"] is None and out["last_release"].startswith("freed ") and trip in out["last_release"]
    assert row(migrated_engine, trip) == ("abandoned", "voided")
    again = client.post(path, json={"trip_id": trip, "trip_version": version + 1}, headers=csrf)
    assert again.status_code == 409 and again.json()["type"].endswith("unit-not-bound")
    assert voids(migrated_engine, trip) == 1
    unknown = client.post("/v1/staff/units/no-such-unit/free", json={"trip_id": trip, "trip_version": 1}, headers=csrf)
    assert unknown.status_code == 404
    with Session(migrated_engine) as session:
        event = session.scalars(select(UnitEvent)).one()
        assert (event.action, event.reason, event.staff_id is not None) == ("freed", "shopper left", True)
    assert unit.session()["trip_id"] is None


def test_a_freed_unit_binds_the_same_shopper_again(client: TestClient, unit: UnitActor) -> None:
    headers, trip = checked_out_trip(client, unit, COLA_CODE)
    csrf = staff_login(client, "alice")
    version = client.get("/v1/staff/units").json()[0]["trip_version"]
    path = f"/v1/staff/units/{unit.credentials.unit_id}/free"
    assert client.post(path, json={"trip_id": trip, "trip_version": version}, headers=csrf).status_code == 200
    again = checkout(client, headers, trip, unit.bind_qr())
    assert again.status_code == 409  # an abandoned trip stays closed: the shopper starts a new one


def test_checkout_frees_a_unit_whose_trip_timed_out(
    client: TestClient, unit: UnitActor, migrated_engine: Engine
) -> None:
    _, first = checked_out_trip(client, unit, COLA_CODE)
    age(migrated_engine, first, TIMEOUT_S - 10)
    headers = new_shopper(client)
    trip = new_trip(client, headers)
    scan(client, headers, trip, COLA_CODE)
    busy = checkout(client, headers, trip, unit.bind_qr())
    assert busy.status_code == 409 and busy.json()["type"].endswith("unit-busy")  # 290 s: still the first's
    age(migrated_engine, first, TIMEOUT_S + 10)
    # Nobody polled and no periodic round ran: the next checkout itself finds the stale trip and frees the unit.
    again = checkout(client, headers, trip, unit.bind_qr())
    assert again.status_code == 200, again.text
    assert row(migrated_engine, first) == ("abandoned", "voided")
    assert unit.session()["trip_id"] == trip
