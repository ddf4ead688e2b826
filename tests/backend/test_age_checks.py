"""The staff age check against the real app and database (#19): a passing basket with beer waits for staff
instead of being captured; confirm captures once, refuse captures the rest (or voids), a stale click is
refused, the unit learns it, and freeing the unit or the time-out cancels the check."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from backend import unit_release
from backend.catalog import import_rows
from backend.catalog_csv import parse_catalog
from backend.models import AgeCheck, LedgerEntry, Payment, Trip, utcnow
from backend.payments import settlement
from backend.problems import Problem
from tests.backend.conftest import (
    COLA_CODE,
    COLA_DEPOSIT,
    UnitActor,
    checked_out_trip,
    checkout,
    new_shopper,
    new_trip,
    scan,
    staff_login,
)

BEER_CATALOG = """gtin,name,brand,price_minor,currency,sold_by,weight_mean_g,weight_sd_g,plu,age_min,deposit_minor
4009991000132,Hopfen Pils 0.5 L,Hopfen,109,EUR,piece,790,12,,16,8
5012345000169,Highland Single Malt 0.7 L,Highland,3499,EUR,piece,1290,15,,18,
"""
BEER_CODE, MALT_CODE = "4009991000132", "5012345000169"
# What each is charged: price plus deposit (a refused beer's Pfand is not charged either).
COLA, BEER, MALT = 199 + COLA_DEPOSIT, 109 + 8, 3499


@pytest.fixture(autouse=True)
def restricted_catalog(migrated_engine: Engine) -> None:
    with Session(migrated_engine) as session, session.begin():
        import_rows(session, parse_catalog(BEER_CATALOG))


def passed(client: TestClient, unit: UnitActor, *codes: str) -> tuple[str, dict[str, Any]]:
    _headers, trip = checked_out_trip(client, unit, *codes)
    response = unit.send_verdict(unit.verdict_body(unit.session(), "PASS"))
    assert response.status_code == 200, response.text
    return trip, response.json()


def state(engine: Engine, trip: str) -> tuple[str, str, str | None]:
    with Session(engine) as s:
        t = s.get(Trip, trip)
        payment = s.scalar(select(Payment).where(Payment.trip_id == trip))
        check = s.scalar(select(AgeCheck).where(AgeCheck.trip_id == trip))
        assert t is not None and payment is not None
        return t.status, payment.status, check.status if check else None


def captures(app: FastAPI, engine: Engine, trip: str) -> tuple[int, int, int]:
    """(provider captures, captured amount, ledger capture entries) of the trip's payment."""
    with Session(engine) as s:
        payment = s.scalar(select(Payment).where(Payment.trip_id == trip))
        assert payment is not None and payment.provider_ref
        booked = s.scalars(select(LedgerEntry).where(LedgerEntry.transaction_id == f"capture-{payment.id}")).all()
        amount = payment.captured_minor if payment.status == "captured" else 0
        return (
            app.state.payment_provider.captures(payment.provider_ref),
            amount,
            len({e.transaction_id for e in booked}),
        )


def staff(client: TestClient, username: str = "alice") -> dict[str, str]:
    return staff_login(client, username)


def decide(client: TestClient, csrf: dict[str, str], check: dict[str, Any], action: str, **body: Any) -> Any:
    payload = {"version": check["version"], **body}
    return client.post(f"/v1/staff/age-checks/{check['age_check_id']}/{action}", json=payload, headers=csrf)


def open_check(client: TestClient, csrf: dict[str, str]) -> dict[str, Any]:
    response = client.get("/v1/staff/age-checks")
    assert response.status_code == 200, response.text
    (check,) = response.json()
    return dict(check)


def test_a_basket_without_restricted_items_is_captured_as_before(app, client, unit, migrated_engine) -> None:
    trip, answer = passed(client, unit, COLA_CODE)
    assert answer["trip_status"] == "paid" and answer["age_check"] is None
    assert state(migrated_engine, trip) == ("paid", "captured", None)


def test_beer_waits_for_staff_then_confirm_captures_once(app, client, unit, migrated_engine) -> None:
    trip, answer = passed(client, unit, COLA_CODE, BEER_CODE, MALT_CODE)
    assert answer["trip_status"] == "age_check" and answer["payment_status"] == "authorized"
    assert answer["age_check"]["status"] == "open" and answer["age_check"]["required_age"] == 18
    assert state(migrated_engine, trip) == ("age_check", "authorized", "open")
    assert captures(app, migrated_engine, trip) == (0, 0, 0)
    # The unit's poll says so (no trip to validate: the shopper waits), and a second shopper cannot bind.
    session = unit.session()
    assert session["trip_id"] is None and session["age_check"]["status"] == "open"
    other = new_shopper(client)
    second = new_trip(client, other)
    scan(client, other, second, COLA_CODE)
    busy = checkout(client, other, second, unit.bind_qr())
    assert busy.status_code == 409 and busy.json()["type"].endswith("/unit-busy")
    # The reconciler's round re-settles passed trips: an open check is never captured meanwhile.
    settlement.reconcile(app.state.sessionmaker, app.state.payment_provider)
    assert state(migrated_engine, trip)[1] == "authorized"

    csrf = staff(client)
    check = open_check(client, csrf)
    assert check["trip_id"] == trip and check["unit_id"] == unit.credentials.unit_id and check["version"] == 1
    assert {line["name"] for line in check["lines"]} == {"Hopfen Pils 0.5 L", "Highland Single Malt 0.7 L"}
    assert check["total_minor"] == COLA + BEER + MALT
    done = decide(client, csrf, check, "confirm")
    assert done.status_code == 200, done.text
    out = done.json()
    assert out["age_check"]["status"] == "confirmed" and out["age_check"]["staff"] == "alice"
    assert out["trip_status"] == "paid" and out["payment_status"] == "captured"
    assert out["charged_minor"] == COLA + BEER + MALT
    assert state(migrated_engine, trip) == ("paid", "captured", "confirmed")
    # The same click again (same version) is stale; a second decision is refused; nothing is captured twice.
    again = decide(client, csrf, check, "confirm")
    assert again.status_code == 409 and again.json()["type"].endswith("/age-check-stale")
    closed = decide(client, csrf, {**check, "version": 2}, "refuse")
    assert closed.status_code == 409 and closed.json()["type"].endswith("/age-check-closed")
    assert captures(app, migrated_engine, trip) == (1, COLA + BEER + MALT, 1)
    assert client.get("/v1/staff/age-checks").json() == []
    assert unit.session()["age_check"]["status"] == "confirmed"  # the unit shows the outcome a moment


def test_refusal_captures_the_rest_without_the_beer(app, client, unit, migrated_engine) -> None:
    trip, _ = passed(client, unit, COLA_CODE, BEER_CODE, BEER_CODE)
    csrf = staff(client)
    check = open_check(client, csrf)
    assert check["required_age"] == 16 and check["lines"][0]["quantity"] == 2
    done = decide(client, csrf, check, "refuse", reason="no ID")
    assert done.status_code == 200, done.text
    out = done.json()
    assert out["age_check"]["status"] == "refused" and out["age_check"]["reason"] == "no ID"
    assert out["payment_status"] == "captured" and out["charged_minor"] == COLA
    assert captures(app, migrated_engine, trip) == (1, COLA, 1)
    assert state(migrated_engine, trip) == ("paid", "captured", "refused")
    # The basket itself no longer holds the beer (staff remove events), so the receipt matches the charge.
    with Session(migrated_engine) as s:
        from backend.trips import basket_lines

        t = s.get(Trip, trip)
        assert t is not None
        assert {line.name: line.quantity for line in basket_lines(s, t) if line.quantity} == {"Cola 1.5 L": 1}
    assert unit.session()["age_check"]["status"] == "refused"


def test_refusal_of_a_basket_of_only_beer_voids_the_hold(app, client, unit, migrated_engine) -> None:
    trip, _ = passed(client, unit, BEER_CODE)
    csrf = staff(client)
    done = decide(client, csrf, open_check(client, csrf), "refuse")
    assert done.status_code == 200, done.text
    assert done.json()["payment_status"] == "voided" and done.json()["charged_minor"] == 0
    assert state(migrated_engine, trip) == ("paid", "voided", "refused")
    assert captures(app, migrated_engine, trip) == (0, 0, 0)


def test_stale_version_unknown_check_other_store_and_no_sign_in_are_refused(app, client, unit, migrated_engine) -> None:
    trip, _ = passed(client, unit, BEER_CODE)
    anonymous = TestClient(app)
    assert anonymous.get("/v1/staff/age-checks").status_code == 401
    assert anonymous.post("/v1/staff/age-checks/1/confirm", json={"version": 1}).status_code == 401
    csrf = staff(client)
    check = open_check(client, csrf)
    stale = decide(client, csrf, {**check, "version": 7}, "confirm")
    assert stale.status_code == 409 and stale.json()["type"].endswith("/age-check-stale")
    assert stale.json()["version"] == 1
    unknown = decide(client, csrf, {**check, "age_check_id": 999}, "confirm")
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("/unknown-age-check")
    other = TestClient(app)
    other_csrf = staff(other, "olga")  # staff of another store
    assert other.get("/v1/staff/age-checks").json() == []
    assert decide(other, other_csrf, check, "confirm").status_code == 404
    assert state(migrated_engine, trip) == ("age_check", "authorized", "open")


def test_freeing_the_unit_cancels_the_check_and_voids_the_hold(app, client, unit, migrated_engine) -> None:
    trip, _ = passed(client, unit, COLA_CODE, BEER_CODE)
    csrf = staff(client)
    check = open_check(client, csrf)
    (status,) = client.get("/v1/staff/units").json()
    assert status["trip_id"] == trip and status["trip_status"] == "age_check"
    path = f"/v1/staff/units/{unit.credentials.unit_id}/free"
    freed = client.post(path, json={"trip_id": trip, "trip_version": status["trip_version"]}, headers=csrf)
    assert freed.status_code == 200, freed.text
    assert state(migrated_engine, trip) == ("abandoned", "voided", "cancelled")
    late = decide(client, csrf, check, "confirm")
    assert late.status_code == 409 and late.json()["type"].endswith("/age-check-stale")
    assert captures(app, migrated_engine, trip) == (0, 0, 0)
    assert unit.session()["age_check"]["status"] == "cancelled"


def test_the_bound_trip_time_out_cancels_an_open_check(app, client, unit, migrated_engine) -> None:
    trip, _ = passed(client, unit, BEER_CODE)
    later = utcnow() + dt.timedelta(seconds=app.state.settings.unit_bound_timeout_s + 1)
    freed = unit_release.time_out_bound_trips(
        app.state.sessionmaker, app.state.payment_provider, app.state.settings.unit_bound_timeout_s, now=later
    )
    assert freed == [trip]
    assert state(migrated_engine, trip) == ("abandoned", "voided", "cancelled")


def test_capture_refuses_while_a_check_is_open_or_cancelled(app, client, unit, migrated_engine) -> None:
    trip, _ = passed(client, unit, COLA_CODE, BEER_CODE)
    with pytest.raises(Problem) as open_:
        settlement.capture(app.state.sessionmaker, app.state.payment_provider, trip_id=trip, total_minor=COLA)
    assert open_.value.status == 409 and open_.value.type == "age-check-open"
    with Session(migrated_engine) as s:
        row = s.scalar(select(AgeCheck).where(AgeCheck.trip_id == trip))
        assert row is not None
        row.status = "cancelled"
        s.commit()
    with pytest.raises(Problem) as cancelled:
        settlement.capture(app.state.sessionmaker, app.state.payment_provider, trip_id=trip, total_minor=COLA)
    assert cancelled.value.type == "age-check-cancelled"
    assert state(migrated_engine, trip)[1] == "authorized"
    assert captures(app, migrated_engine, trip) == (0, 0, 0)


def test_the_units_backend_client_learns_the_check_and_its_decision(app, client, unit, migrated_engine) -> None:
    from validation_unit.backend_client import BackendClient, Credentials

    creds = Credentials(unit.credentials.unit_id, "demo", "http://testserver", unit.credentials.private_key)
    backend = BackendClient("http://testserver", creds)
    backend.http = client  # the real app, in process
    passed(client, unit, COLA_CODE, BEER_CODE)
    assert backend.session() is None and backend.age_check == "open"  # nothing to validate: the shopper waits
    csrf = staff(client)
    assert decide(client, csrf, open_check(client, csrf), "confirm").status_code == 200
    assert backend.session() is None and backend.age_check == "confirmed"
    with Session(migrated_engine) as s:  # a while later the screen is back to normal
        row = s.scalar(select(AgeCheck))
        assert row is not None and row.decided_at is not None
        row.decided_at -= dt.timedelta(minutes=5)
        s.commit()
    assert backend.session() is None and backend.age_check is None


def test_a_flag_resolved_by_adding_beer_waits_for_the_age_check_too(app, client, unit, migrated_engine) -> None:
    import uuid

    _headers, trip = checked_out_trip(client, unit, COLA_CODE)
    flagged = unit.send_verdict(unit.verdict_body(unit.session(), "FLAG"))
    assert flagged.status_code == 200, flagged.text
    flag_id = flagged.json()["flag_id"]
    csrf = staff(client)
    assert client.post(f"/v1/staff/flags/{flag_id}/claim", json={"version": 1}, headers=csrf).status_code == 200
    body = {"version": 2, "resolution": "add_items", "reason": "beer not scanned", "add": [{"code": BEER_CODE}]}
    resolved = client.post(
        f"/v1/staff/flags/{flag_id}/resolve", json=body, headers={**csrf, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["trip_status"] == "age_check" and resolved.json()["payment_status"] == "authorized"
    done = decide(client, csrf, open_check(client, csrf), "confirm")
    assert done.status_code == 200 and done.json()["charged_minor"] == COLA + BEER
    assert state(migrated_engine, trip) == ("paid", "captured", "confirmed")


def test_a_hold_voided_by_a_manager_meanwhile_ends_the_check(app, client, unit, migrated_engine) -> None:
    import uuid

    trip, _ = passed(client, unit, COLA_CODE, BEER_CODE)
    csrf = staff(client)
    check = open_check(client, csrf)
    with TestClient(app) as mia:
        mia_csrf = staff(mia, "mia")
        voided = mia.post(
            f"/v1/staff/trips/{trip}/refund",
            json={"reason": "shopper left"},
            headers={**mia_csrf, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert voided.status_code == 200, voided.text
    # The void itself ends the trip (its unit is free) and the check; a late decision is refused.
    assert state(migrated_engine, trip) == ("abandoned", "voided", "cancelled")
    late = decide(client, csrf, check, "confirm")  # with the version staff saw before the void
    assert late.status_code == 409 and late.json()["type"].rsplit("/", 1)[1] in ("age-check-stale", "age-check-closed")
    assert state(migrated_engine, trip) == ("abandoned", "voided", "cancelled")
    assert client.get("/v1/staff/age-checks").json() == []


def test_the_shopper_giving_up_cancels_the_check(app, client, unit, migrated_engine) -> None:
    import uuid

    headers, trip = checked_out_trip(client, unit, BEER_CODE)
    assert unit.send_verdict(unit.verdict_body(unit.session(), "PASS")).status_code == 200
    gave_up = client.post(f"/v1/trips/{trip}/abandon", headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    assert gave_up.status_code == 200, gave_up.text
    assert state(migrated_engine, trip) == ("abandoned", "voided", "cancelled")


def test_two_staff_deciding_at_once_capture_exactly_once(app, client, unit, migrated_engine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    trip, _ = passed(client, unit, COLA_CODE, BEER_CODE)
    check = open_check(client, staff(client))
    with TestClient(app) as alice, TestClient(app) as bob:
        people = [(alice, staff(alice, "alice"), "confirm"), (bob, staff(bob, "bob"), "refuse")]
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda p: decide(p[0], p[1], check, p[2]), people))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409], [a.text for a in answers]
    winner = next(a.json() for a in answers if a.status_code == 200)
    assert captures(app, migrated_engine, trip) == (1, winner["charged_minor"], 1)
    assert winner["charged_minor"] in (COLA, COLA + BEER)
