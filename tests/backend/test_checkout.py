"""The shopper's checkout at a unit, the unit's signed verdicts, and the payment they settle."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import LedgerEntry, Payment, Trip
from tests.backend.conftest import (
    COLA,
    COLA_CODE,
    COLA_DEPOSIT,
    GUM,
    GUM_CODE,
    UnitActor,
    add_unit,
    checkout,
    new_shopper,
    new_trip,
    scan,
)


def shopping(client: TestClient, *codes: str) -> tuple[dict[str, str], str]:
    headers = new_shopper(client)
    trip = new_trip(client, headers)
    scan(client, headers, trip, *codes)
    return headers, trip


def ledger_total(engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))))


def test_pass_captures_once_and_gives_a_receipt(client: TestClient, unit: UnitActor, migrated_engine) -> None:
    headers, trip = shopping(client, COLA_CODE, COLA_CODE, GUM_CODE)
    assert unit.session()["trip_id"] is None
    response = checkout(client, headers, trip, unit.bind_qr())
    assert response.status_code == 200, response.text
    assert response.json()["payment_status"] == "authorized"
    assert response.json()["authorized_minor"] == 2 * (199 + COLA_DEPOSIT) + 129  # goods and the bottles' deposit

    session = unit.session()
    assert session["trip_id"] == trip and session["status"] == "checking_out"
    lines = {line["gtin14"]: line for line in session["lines"]}
    assert lines[COLA]["quantity"] == 2 and lines[COLA]["weight_mean_g"] == 1580

    body = unit.verdict_body(session, "PASS", measured_net_g=3190.0)
    first = unit.send_verdict(body)
    assert first.status_code == 200, first.text
    assert first.json()["trip_status"] == "paid" and first.json()["payment_status"] == "captured"
    again = unit.send_verdict(body)  # the unit retries after a lost answer
    assert again.json() == first.json()

    receipt = client.get(f"/v1/trips/{trip}/receipt", headers=headers).json()
    assert receipt["total_minor"] == 2 * (199 + COLA_DEPOSIT) + 129
    assert [line["kind"] for line in receipt["lines"]] == ["item", "deposit", "item"]  # the Pfand under its bottles
    provider = client.app.state.payment_provider  # type: ignore[attr-defined]
    assert provider.captures(receipt["payment_reference"]) == 1
    assert ledger_total(migrated_engine) == 0  # the ledger balances
    with Session(migrated_engine) as s:
        assert s.scalar(select(func.count(LedgerEntry.id))) == 2
    assert unit.session()["trip_id"] is None  # the unit is free again


def test_checkout_needs_an_idempotency_key_and_replays_the_answer(client: TestClient, unit: UnitActor) -> None:
    headers, trip = shopping(client, COLA_CODE)
    qr = unit.bind_qr()
    missing = client.post(f"/v1/trips/{trip}/checkout", json={"unit_qr": qr, "card_token": "tok_visa"}, headers=headers)
    assert missing.status_code == 428
    key = uuid.uuid4().hex
    first = checkout(client, headers, trip, qr, key=key)
    second = checkout(client, headers, trip, qr, key=key)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    other_body = client.post(
        f"/v1/trips/{trip}/checkout",
        json={"unit_qr": qr, "card_token": "tok_mastercard"},
        headers={**headers, "Idempotency-Key": key},
    )
    assert other_body.status_code == 422 and other_body.json()["type"].endswith("idempotency-key-reused")


@pytest.mark.parametrize(
    ("card", "reason"), [("tok_declined", "declined"), ("tok_insufficient_funds", "insufficient_funds")]
)
def test_declined_cards(client: TestClient, unit: UnitActor, card: str, reason: str) -> None:
    headers, trip = shopping(client, COLA_CODE)
    qr = unit.bind_qr()
    key = uuid.uuid4().hex
    response = checkout(client, headers, trip, qr, card=card, key=key)
    assert response.status_code == 402 and response.json()["reason"] == reason
    assert checkout(client, headers, trip, qr, card=card, key=key).json() == response.json()
    # Another card, another key: the same trip can still pay.
    assert checkout(client, headers, trip, qr, card="tok_visa").json()["payment_status"] == "authorized"


def test_provider_timeout_then_retry_with_the_same_key(client: TestClient, unit: UnitActor, migrated_engine) -> None:
    headers, trip = shopping(client, COLA_CODE)
    qr = unit.bind_qr()
    key = uuid.uuid4().hex
    first = checkout(client, headers, trip, qr, card="tok_timeout", key=key)
    assert first.status_code == 503
    retry = checkout(client, headers, trip, qr, card="tok_timeout", key=key)
    assert retry.status_code == 200 and retry.json()["payment_status"] == "authorized"
    with Session(migrated_engine) as s:
        assert s.scalar(select(func.count(Payment.id))) == 1


def test_bind_codes_are_single_use_and_store_bound(client: TestClient, unit: UnitActor, migrated_engine) -> None:
    headers, trip = shopping(client, COLA_CODE)
    qr = unit.bind_qr()
    assert checkout(client, headers, trip, qr).status_code == 200
    other_headers, other_trip = shopping(client, GUM_CODE)
    used = checkout(client, other_headers, other_trip, qr)
    assert used.status_code == 409 and used.json()["type"].endswith("unit-code-used")
    busy = checkout(client, other_headers, other_trip, unit.bind_qr())
    assert busy.status_code == 409 and busy.json()["type"].endswith("unit-busy")
    bad = checkout(client, other_headers, other_trip, "BASKETCHECK-UNIT:demo-unit-1:nope")
    assert bad.status_code == 404
    assert checkout(client, other_headers, other_trip, "hello").status_code == 422
    foreign = UnitActor(client, add_unit(migrated_engine, "other-unit", store="other"))
    wrong_store = checkout(client, other_headers, other_trip, foreign.bind_qr())
    assert wrong_store.status_code == 409 and wrong_store.json()["type"].endswith("wrong-store")


def test_recheck_then_fix_then_pass(client: TestClient, unit: UnitActor) -> None:
    headers, trip = shopping(client, COLA_CODE)
    checkout(client, headers, trip, unit.bind_qr())
    prompt = {
        "code": "unscanned_item",
        "message": "Please scan 1× Chewing gum: seen in the basket.",
        "gtin14": GUM,
        "quantity": 1,
        "key": "unscanned",
        "params": {"name": "Chewing gum", "why": "seen"},
    }
    response = unit.send_verdict(unit.verdict_body(unit.session(), "RECHECK", reasons=[prompt]))
    assert response.json()["trip_status"] == "recheck"
    # the prompt reaches the app as the unit said it: code, sentence key and its params (the app words it)
    assert client.get(f"/v1/trips/{trip}", headers=headers).json()["prompts"] == [prompt]
    scan(client, headers, trip, GUM_CODE)  # the shopper scans what they forgot
    session = unit.session()
    assert session["status"] == "recheck" and len(session["lines"]) == 2
    paid = unit.send_verdict(unit.verdict_body(session, "PASS"))
    assert paid.json()["trip_status"] == "paid"
    receipt = client.get(f"/v1/trips/{trip}/receipt", headers=headers).json()
    assert receipt["total_minor"] == 199 + COLA_DEPOSIT + 129  # more than first authorised: a new hold was taken


def test_forged_stale_replayed_and_out_of_date_verdicts_are_refused(
    client: TestClient, unit: UnitActor, migrated_engine
) -> None:
    headers, trip = shopping(client, COLA_CODE)
    checkout(client, headers, trip, unit.bind_qr())
    session = unit.session()

    forged = unit.verdict_body(session, "PASS")
    forged["document"]["kind"] = "PASS"
    forged["document"]["score"] = 0.0  # changed after signing
    assert unit.send_verdict(forged).status_code == 401

    impostor = UnitActor(client, add_unit(migrated_engine, "demo-unit-2"))
    stolen = unit.verdict_body(session, "PASS")
    assert impostor.send_verdict(stolen).status_code == 401  # signed by unit 1's key, sent by unit 2
    posing = impostor.verdict_body(session, "PASS", unit_id=unit.credentials.unit_id)
    assert impostor.send_verdict(posing).status_code == 403  # unit 2 signs a verdict in unit 1's name

    stale = unit.verdict_body(session, "PASS", signed_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
    assert unit.send_verdict(stale).json()["type"].endswith("stale-verdict")

    outdated = unit.verdict_body({**session, "trip_version": session["trip_version"] - 1}, "PASS")
    assert unit.send_verdict(outdated).json()["type"].endswith("basket-changed")

    flag = unit.verdict_body(session, "FLAG", attachments={"photo": b"\xff\xd8jpeg"})
    assert unit.send_verdict(flag).status_code == 200
    reused = unit.verdict_body(session, "PASS", verdict_id=flag["document"]["verdict_id"])
    assert unit.send_verdict(reused).json()["type"].endswith("verdict-replayed")

    old_request = unit.request("GET", "/v1/units/me/session", now=dt.datetime.now(dt.UTC).timestamp() - 600)
    assert old_request.status_code == 401
    unsigned = client.get("/v1/units/me/session")
    assert unsigned.status_code == 401
    with Session(migrated_engine) as s:
        trip_row = s.get(Trip, trip)
        assert trip_row is not None and trip_row.status == "flagged"


def test_evidence_must_match_its_signed_digest(client: TestClient, unit: UnitActor) -> None:
    headers, trip = shopping(client, COLA_CODE)
    checkout(client, headers, trip, unit.bind_qr())
    body = unit.verdict_body(unit.session(), "FLAG", attachments={"photo": b"original"})
    body["attachments"][0]["data_b64"] = "c3dhcHBlZA=="  # "swapped"
    response = unit.send_verdict(body)
    assert response.status_code == 422 and "does not match" in response.json()["detail"]


def test_abandon_voids_the_hold(client: TestClient, unit: UnitActor, migrated_engine) -> None:
    headers, trip = shopping(client, COLA_CODE)
    checkout(client, headers, trip, unit.bind_qr())
    response = client.post(f"/v1/trips/{trip}/abandon", headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 200 and response.json()["status"] == "abandoned"
    with Session(migrated_engine) as s:
        payment = s.scalar(select(Payment).where(Payment.trip_id == trip))
        assert payment is not None and payment.status == "voided"
    assert ledger_total(migrated_engine) == 0


def test_heartbeat_records_the_units_state(client: TestClient, unit: UnitActor) -> None:
    response = unit.request("POST", "/v1/units/me/heartbeat", {"state": "idle", "faults": {"camera": "down"}})
    assert response.status_code == 200
