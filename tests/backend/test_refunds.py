"""Staff refunds and voids against the real app and database (SQLite; PostgreSQL with DATABASE_URL): the
endpoint, the service, the ledger, the audit record, idempotency, concurrency and a crash between steps."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import ledger, migrate
from backend.app import create_app
from backend.models import Base, LedgerEntry, Payment, Refund, StaffUser, Trip
from backend.payments import refunding, settlement
from tests.backend.conftest import COLA_CODE, COLA_DEPOSIT, GUM_CODE, SETTINGS, UnitActor, checked_out_trip, staff_login

COLA_PRICE = 199
COLA, GUM = COLA_PRICE + COLA_DEPOSIT, 129  # what one bottle costs the shopper: price and deposit


def test_the_migrations_make_exactly_the_models_tables(db_engine) -> None:
    migrate.upgrade(db_engine)
    with db_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def paid_trip(client: TestClient, unit: UnitActor, *codes: str) -> str:
    _headers, trip = checked_out_trip(client, unit, *codes)
    response = unit.send_verdict(unit.verdict_body(unit.session(), "PASS"))
    assert response.status_code == 200, response.text
    return trip


def manager(app: FastAPI, username: str = "mia") -> tuple[TestClient, dict[str, str]]:
    staff_client = TestClient(app)
    return staff_client, staff_login(staff_client, username)


def refund(staff: tuple[TestClient, dict[str, str]], trip: str, body: dict[str, Any], key: str | None = "") -> Any:
    client, csrf = staff
    headers = dict(csrf)
    if key is not None:
        headers["Idempotency-Key"] = key or uuid.uuid4().hex
    return client.post(f"/v1/staff/trips/{trip}/refund", json=body, headers=headers)


def payment_of(engine, trip: str) -> Payment:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        payment = s.scalar(select(Payment).where(Payment.trip_id == trip))
        assert payment is not None
        s.expunge(payment)
        return payment


def balances(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return {account: total for (account, _currency), total in ledger.balances(s).items()}


def test_a_full_refund_gives_everything_back_books_it_and_records_who_and_why(
    app, client, unit, migrated_engine
) -> None:
    trip = paid_trip(client, unit, COLA_CODE, GUM_CODE)
    response = refund(manager(app), trip, {"reason": "shopper changed their mind"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refund"]["kind"] == "refund" and body["refund"]["status"] == "done"
    assert body["refund"]["amount_minor"] == COLA + GUM and body["refund"]["staff"] == "mia"
    assert body["payment"]["payment_status"] == "refunded"
    assert body["payment"]["refunded_minor"] == COLA + GUM and body["payment"]["refundable_minor"] == 0
    payment = payment_of(migrated_engine, trip)
    assert payment.status == "refunded"
    assert app.state.payment_provider.refunded(payment.provider_ref) == COLA + GUM
    assert balances(migrated_engine) == {
        ledger.RECEIVABLE: 0,
        ledger.SALES: -(COLA + GUM),
        ledger.REFUNDS: COLA + GUM,
    }
    with Session(migrated_engine) as s:
        row = s.scalar(select(Refund).where(Refund.trip_id == trip))
        mia = s.scalar(select(StaffUser).where(StaffUser.username == "mia"))
        assert row is not None and mia is not None
        assert row.staff_id == mia.id and row.reason == "shopper changed their mind"
        assert row.created_at.tzinfo is dt.UTC


def test_partial_refunds_by_amount_and_by_line_never_exceed_the_capture(app, client, unit, migrated_engine) -> None:
    trip = paid_trip(client, unit, COLA_CODE, COLA_CODE, GUM_CODE)  # 2 × (cola + deposit) + gum = 577
    mia = manager(app)
    first = refund(mia, trip, {"amount_minor": 100, "reason": "dented can"})
    assert first.status_code == 200, first.text
    assert first.json()["payment"]["payment_status"] == "partially_refunded"
    assert first.json()["payment"]["refundable_minor"] == 2 * COLA + GUM - 100
    cola_line = next(line for line in first.json()["payment"]["lines"] if line["name"].startswith("Cola"))
    by_line = refund(mia, trip, {"lines": [{"line_key": cola_line["line_key"], "quantity": 2}], "reason": "expired"})
    assert by_line.status_code == 200, by_line.text
    assert by_line.json()["refund"]["amount_minor"] == 2 * COLA  # the bottles given back: price and deposit
    assert by_line.json()["refund"]["lines"] == {cola_line["line_key"]: 2}
    again = refund(mia, trip, {"lines": [{"line_key": cola_line["line_key"], "quantity": 1}], "reason": "twice"})
    assert again.status_code == 422 and again.json()["type"].endswith("/refund-invalid-quantity")
    unknown = refund(mia, trip, {"lines": [{"line_key": "nope", "quantity": 1}], "reason": "x"})
    assert unknown.status_code == 422 and unknown.json()["type"].endswith("/refund-unknown-line")
    over = refund(mia, trip, {"amount_minor": GUM, "reason": "too much"})
    assert over.status_code == 409 and over.json()["type"].endswith("/refund-exceeds-capture")
    rest = refund(mia, trip, {"reason": "the rest"})
    assert rest.status_code == 200 and rest.json()["refund"]["amount_minor"] == GUM - 100
    assert rest.json()["payment"]["payment_status"] == "refunded"
    nothing = refund(mia, trip, {"reason": "again"})
    assert nothing.status_code == 409 and nothing.json()["type"].endswith("/payment-not-refundable")
    payment = payment_of(migrated_engine, trip)
    assert app.state.payment_provider.refunded(payment.provider_ref) == 2 * COLA + GUM
    assert balances(migrated_engine)[ledger.RECEIVABLE] == 0
    view = mia[0].get(f"/v1/staff/trips/{trip}/payment").json()
    assert [r["amount_minor"] for r in view["refunds"]] == [100, 2 * COLA, GUM - 100]
    assert view["captured_minor"] == 2 * COLA + GUM and view["refunded_minor"] == 2 * COLA + GUM


def test_an_uncaptured_hold_is_voided_whole(app, client, unit, migrated_engine) -> None:
    _headers, trip = checked_out_trip(client, unit, COLA_CODE)
    mia = manager(app)
    part = refund(mia, trip, {"amount_minor": 50, "reason": "part"})
    assert part.status_code == 409 and part.json()["type"].endswith("/void-is-whole")
    response = refund(mia, trip, {"reason": "shopper left the store"})
    assert response.status_code == 200, response.text
    assert response.json()["refund"]["kind"] == "void" and response.json()["refund"]["amount_minor"] == 0
    assert response.json()["payment"]["payment_status"] == "voided"
    assert response.json()["payment"]["trip_status"] == "abandoned"  # the unit is free again
    assert balances(migrated_engine) == {}  # nothing was ever charged: nothing to book
    with Session(migrated_engine) as s:
        assert s.get(Trip, trip).status == "abandoned"  # type: ignore[union-attr]


def test_a_retry_with_the_same_key_gets_the_same_answer_and_refunds_once(app, client, unit, migrated_engine) -> None:
    trip = paid_trip(client, unit, COLA_CODE)
    mia = manager(app)
    key = uuid.uuid4().hex
    first = refund(mia, trip, {"amount_minor": 50, "reason": "retry me"}, key)
    second = refund(mia, trip, {"amount_minor": 50, "reason": "retry me"}, key)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    other = refund(mia, trip, {"amount_minor": 60, "reason": "retry me"}, key)
    assert other.status_code == 422 and other.json()["type"].endswith("/idempotency-key-reused")
    payment = payment_of(migrated_engine, trip)
    assert app.state.payment_provider.refunded(payment.provider_ref) == 50
    with Session(migrated_engine) as s:
        assert s.scalar(select(func.count(Refund.id))) == 1


def test_who_may_refund(app, client, unit) -> None:
    trip = paid_trip(client, unit, COLA_CODE)
    assert refund(manager(app), trip, {"reason": "no key"}, key=None).status_code == 428
    anonymous = TestClient(app).post(
        f"/v1/staff/trips/{trip}/refund", json={"reason": "x"}, headers={"Idempotency-Key": uuid.uuid4().hex}
    )
    assert anonymous.status_code == 401
    alice = manager(app, "alice")  # staff, not a manager
    forbidden = refund(alice, trip, {"reason": "x"})
    assert forbidden.status_code == 403 and forbidden.json()["type"].endswith("/forbidden")
    assert alice[0].get(f"/v1/staff/trips/{trip}/payment").status_code == 200  # staff may look
    olga = manager(app, "olga")  # another store's staff: the trip does not exist for her
    assert olga[0].get(f"/v1/staff/trips/{trip}/payment").status_code == 404
    both = refund(manager(app), trip, {"amount_minor": 1, "lines": [{"line_key": "a"}], "reason": "x"})
    assert both.status_code == 422


def test_concurrent_refunds_never_exceed_the_capture(app, client, unit, migrated_engine) -> None:
    trip = paid_trip(client, unit, COLA_CODE)  # 199

    def take(_: int) -> str | None:
        try:
            refunding.start(
                app.state.sessionmaker, trip_id=trip, staff_id=1, key=uuid.uuid4().hex, reason="race", amount_minor=60
            )
            return "ok"
        except Exception as exc:  # a refusal (Problem) or a busy database
            return type(exc).__name__

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(take, range(12)))
    with Session(migrated_engine) as s:
        taken = s.scalar(select(func.sum(Refund.amount_minor)).where(Refund.trip_id == trip)) or 0
        ids = s.scalars(select(Refund.id).where(Refund.trip_id == trip)).all()
    assert 1 <= outcomes.count("ok") == len(ids) <= 3 and taken <= 199, outcomes
    for refund_id in ids:
        refunding.finish(app.state.sessionmaker, app.state.payment_provider, refund_id)
    payment = payment_of(migrated_engine, trip)
    assert app.state.payment_provider.refunded(payment.provider_ref) == taken
    assert balances(migrated_engine)[ledger.REFUNDS] == taken


def test_a_crash_after_the_provider_refunded_is_finished_by_the_reconciler_once(
    app, unit_credentials, migrated_engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    unit = UnitActor(client, unit_credentials)
    trip = paid_trip(client, unit, COLA_CODE, GUM_CODE)

    def die(*_args, **_kwargs):
        raise RuntimeError("the process is killed here")

    monkeypatch.setattr(ledger, "record", die)  # the provider has refunded; our commit never happens
    staff_client = TestClient(app, raise_server_exceptions=False)
    csrf = staff_login(staff_client, "mia")
    response = staff_client.post(
        f"/v1/staff/trips/{trip}/refund",
        json={"amount_minor": 100, "reason": "crash"},
        headers={**csrf, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 500
    monkeypatch.undo()
    reference = payment_of(migrated_engine, trip).provider_ref
    assert app.state.payment_provider.refunded(reference) == 100  # the card got its money back …
    with Session(migrated_engine) as s:
        row = s.scalar(select(Refund).where(Refund.trip_id == trip))
        assert row is not None and row.status == "requested"  # … but we never recorded it
        assert settlement.reconcile(app.state.sessionmaker, app.state.payment_provider) == 0  # too young: live
        row.updated_at = row.updated_at - dt.timedelta(minutes=1)  # the restart comes later
        s.commit()

    restarted = create_app(SETTINGS, engine=migrated_engine)
    with TestClient(restarted):  # start-up reconciles
        pass
    with Session(migrated_engine) as s:
        row = s.scalar(select(Refund).where(Refund.trip_id == trip))
        assert row is not None and row.status == "done"
        payment = s.scalar(select(Payment).where(Payment.trip_id == trip))
        assert payment is not None and payment.status == "partially_refunded"
        assert s.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.transaction_id.like("refund-%"))) == 2
    assert restarted.state.payment_provider.refunded(reference) == 100  # exactly once
    assert balances(migrated_engine)[ledger.REFUNDS] == 100
    assert settlement.reconcile(restarted.state.sessionmaker, restarted.state.payment_provider) == 0


def test_a_provider_outage_is_retried_with_the_same_key_and_a_refusal_is_final(
    app, client, unit, migrated_engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend.payments.provider import PaymentError, ProviderUnavailable

    trip = paid_trip(client, unit, COLA_CODE)
    provider = app.state.payment_provider
    real_refund = provider.refund
    mia = manager(app)
    key = uuid.uuid4().hex

    def away(**_kwargs):
        raise ProviderUnavailable("timeout")

    monkeypatch.setattr(provider, "refund", away)
    down = refund(mia, trip, {"amount_minor": 80, "reason": "outage"}, key)
    assert down.status_code == 503 and down.json()["type"].endswith("/payment-provider-unavailable")
    with Session(migrated_engine) as s:
        assert s.scalar(select(Refund.status).where(Refund.trip_id == trip)) == "requested"
    over = refund(mia, trip, {"amount_minor": COLA - 80 + 1, "reason": "while one is pending"})
    assert over.status_code == 409 and over.json()["type"].endswith("/refund-exceeds-capture")  # 80 is reserved
    monkeypatch.setattr(provider, "refund", real_refund)
    back = refund(mia, trip, {"amount_minor": 80, "reason": "outage"}, key)  # the app retries with its key
    assert back.status_code == 200 and back.json()["refund"]["status"] == "done"
    reference = payment_of(migrated_engine, trip).provider_ref
    assert provider.refunded(reference) == 80

    def no(**_kwargs):
        raise PaymentError("card closed")

    monkeypatch.setattr(provider, "refund", no)
    key2 = uuid.uuid4().hex
    refused = refund(mia, trip, {"amount_minor": 50, "reason": "refused"}, key2)
    assert refused.status_code == 502 and refused.json()["type"].endswith("/refund-failed")
    monkeypatch.setattr(provider, "refund", real_refund)
    again = refund(mia, trip, {"amount_minor": 50, "reason": "refused"}, key2)
    assert again.status_code == 502  # the same attempt stays refused; a new one needs a new key
    view = mia[0].get(f"/v1/staff/trips/{trip}/payment").json()
    assert [r["status"] for r in view["refunds"]] == ["done", "failed"]
    assert view["refundable_minor"] == COLA - 80 and provider.refunded(reference) == 80


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="needs PostgreSQL in DATABASE_URL"
)
def test_concurrent_refund_requests_over_http_take_exactly_what_fits(live_server, unit_credentials, migrated_engine):  # type: ignore[no-untyped-def]
    """On PostgreSQL the payment's row lock serialises refunds: of many racing requests exactly the ones that fit
    the capture succeed (3 × 60 of 199), the rest are refused cleanly, and the card is refunded exactly that."""
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        unit = UnitActor(http, unit_credentials)
        trip = paid_trip(http, unit, COLA_CODE)  # type: ignore[arg-type]
        csrf = staff_login(http, "mia")
        cookies = dict(http.cookies)

    def send(_: int) -> int:
        with httpx.Client(base_url=live_server.url, timeout=60, cookies=cookies) as c:
            return c.post(
                f"/v1/staff/trips/{trip}/refund",
                json={"amount_minor": 60, "reason": "race"},
                headers={**csrf, "Idempotency-Key": uuid.uuid4().hex},
            ).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(send, range(16)))
    assert statuses.count(200) == 3 and set(statuses) <= {200, 409}, statuses
    reference = payment_of(migrated_engine, trip).provider_ref
    assert live_server.app.state.payment_provider.refunded(reference) == 180
    assert balances(migrated_engine)[ledger.REFUNDS] == 180


def test_a_crash_after_the_provider_voided_is_finished_by_the_reconciler(
    app, unit_credentials, migrated_engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend.payments.sandbox import holds

    client = TestClient(app, raise_server_exceptions=False)
    _headers, trip = checked_out_trip(client, UnitActor(client, unit_credentials), COLA_CODE)

    def die(*_args, **_kwargs):
        raise RuntimeError("the process is killed here")

    monkeypatch.setattr(refunding, "_record_done", die)  # the provider has voided; our commit never happens
    staff_client = TestClient(app, raise_server_exceptions=False)
    csrf = staff_login(staff_client, "mia")
    response = staff_client.post(
        f"/v1/staff/trips/{trip}/refund",
        json={"reason": "shopper left"},
        headers={**csrf, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 500
    monkeypatch.undo()
    payment = payment_of(migrated_engine, trip)
    assert payment.status == "voiding"  # the intent: no capture can start now
    with migrated_engine.connect() as conn:
        assert (
            conn.execute(select(holds.c.status).where(holds.c.reference == payment.provider_ref)).scalar() == "voided"
        )
    with Session(migrated_engine) as s:
        row = s.scalar(select(Refund).where(Refund.trip_id == trip))
        assert row is not None and row.status == "requested" and row.kind == "void"
        row.updated_at = row.updated_at - dt.timedelta(minutes=1)
        s.commit()
    assert settlement.reconcile(app.state.sessionmaker, app.state.payment_provider) >= 1
    with Session(migrated_engine) as s:
        row = s.scalar(select(Refund).where(Refund.trip_id == trip))
        assert row is not None and row.status == "done"
        assert s.scalar(select(Payment.status).where(Payment.trip_id == trip)) == "voided"
        assert s.scalar(select(Trip.status).where(Trip.id == trip)) == "abandoned"
