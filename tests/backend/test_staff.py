"""Staff: sign-in, the flag queue with claim/release/resolve, stale actions, evidence, units, numbers."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import FlagEvent, LedgerEntry
from tests.backend.conftest import (
    COLA,
    COLA_CODE,
    COLA_DEPOSIT,
    GUM_CODE,
    EventListener,
    UnitActor,
    checked_out_trip,
    staff_login,
)


def flagged_trip(client: TestClient, unit: UnitActor) -> tuple[dict[str, str], str, int]:
    headers, trip = checked_out_trip(client, unit, COLA_CODE)
    body = unit.verdict_body(unit.session(), "FLAG", attachments={"photo": b"\xff\xd8\xff\xe0fake-jpeg"})
    response = unit.send_verdict(body)
    assert response.status_code == 200, response.text
    return headers, trip, response.json()["flag_id"]


def test_login_sets_an_httponly_samesite_cookie(client: TestClient) -> None:
    bad = client.post("/v1/staff/login", json={"username": "alice", "password": "wrong password"})
    assert bad.status_code == 401
    unknown = client.post("/v1/staff/login", json={"username": "nobody", "password": "wrong password"})
    assert unknown.status_code == 401 and unknown.json()["detail"] == bad.json()["detail"]
    response = client.post("/v1/staff/login", json={"username": "alice", "password": "correct horse battery"})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/v1/staff/me").json()["role"] == "staff"


def test_claim_resolve_with_stale_actions_refused(app, client: TestClient, unit: UnitActor, migrated_engine) -> None:
    headers, trip, flag_id = flagged_trip(client, unit)
    alice = client
    alice_csrf = staff_login(alice, "alice")
    with TestClient(app) as bob:
        bob_csrf = staff_login(bob, "bob")
        queue = alice.get("/v1/staff/flags").json()
        assert [f["flag_id"] for f in queue] == [flag_id] and queue[0]["status"] == "open"

        claimed = alice.post(f"/v1/staff/flags/{flag_id}/claim", json={"version": 1}, headers=alice_csrf)
        assert claimed.status_code == 200 and claimed.json()["owner"] == "alice"
        late = bob.post(f"/v1/staff/flags/{flag_id}/claim", json={"version": 1}, headers=bob_csrf)
        assert late.status_code == 409 and "someone acted on this flag first" in late.json()["detail"]
        assert bob.get(f"/v1/staff/flags/{flag_id}").json()["owner"] == "alice"  # the second browser sees it
        not_owner = bob.post(
            f"/v1/staff/flags/{flag_id}/resolve",
            json={"version": 2, "resolution": "approve", "reason": "looks fine"},
            headers={**bob_csrf, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert not_owner.status_code == 403

    detail = alice.get(f"/v1/staff/flags/{flag_id}").json()
    assert detail["basket"]["lines"][0]["gtin14"] == COLA and detail["shopper"]["trust_score"] == 0.5
    photo = alice.get(detail["evidence"][0]["url"])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.content.startswith(b"\xff\xd8")

    key = uuid.uuid4().hex
    body = {
        "version": 2,
        "resolution": "add_items",
        "reason": "gum in the basket, not scanned",
        "add": [{"code": GUM_CODE, "quantity": 1}],
    }
    resolved = alice.post(
        f"/v1/staff/flags/{flag_id}/resolve", json=body, headers={**alice_csrf, "Idempotency-Key": key}
    )
    assert resolved.status_code == 200, resolved.text
    out = resolved.json()
    assert out["trip_status"] == "paid" and out["charged_minor"] == 199 + COLA_DEPOSIT + 129
    assert out["flag"]["status"] == "resolved"
    again = alice.post(f"/v1/staff/flags/{flag_id}/resolve", json=body, headers={**alice_csrf, "Idempotency-Key": key})
    assert again.json() == out  # a double click changes nothing
    assert client.get(f"/v1/trips/{trip}/receipt", headers=headers).json()["total_minor"] == 328 + COLA_DEPOSIT

    history = alice.get(f"/v1/staff/flags/{flag_id}").json()["history"]
    assert [h["action"] for h in history] == ["opened", "claim", "resolve"]
    assert history[-1]["staff"] == "alice" and history[-1]["details"]["resolution"] == "add_items"
    with Session(migrated_engine) as s:
        assert s.scalar(select(func.count(FlagEvent.id))) == 3
        assert s.scalar(select(func.sum(LedgerEntry.amount_minor))) == 0
    assert alice.get("/v1/staff/flags").json() == []
    assert alice.get("/v1/staff/flags", params={"status": "resolved"}).json()[0]["flag_id"] == flag_id


def test_send_to_cashier_voids_and_release_returns_to_queue(client: TestClient, unit: UnitActor) -> None:
    _headers, _trip, flag_id = flagged_trip(client, unit)
    csrf = staff_login(client, "alice")
    client.post(f"/v1/staff/flags/{flag_id}/claim", json={"version": 1}, headers=csrf)
    released = client.post(f"/v1/staff/flags/{flag_id}/release", json={"version": 2}, headers=csrf)
    assert released.json()["status"] == "open" and released.json()["owner"] is None
    client.post(f"/v1/staff/flags/{flag_id}/claim", json={"version": 3}, headers=csrf)
    out = client.post(
        f"/v1/staff/flags/{flag_id}/resolve",
        json={"version": 4, "resolution": "send_to_cashier", "reason": "shopper wants to pay at the till"},
        headers={**csrf, "Idempotency-Key": uuid.uuid4().hex},
    ).json()
    assert out["trip_status"] == "sent_to_cashier" and out["payment_status"] == "voided" and out["charged_minor"] == 0


def test_csrf_is_required_for_changes(client: TestClient, unit: UnitActor) -> None:
    _h, _t, flag_id = flagged_trip(client, unit)
    staff_login(client, "alice")
    response = client.post(f"/v1/staff/flags/{flag_id}/claim", json={"version": 1})
    assert response.status_code == 403 and response.json()["type"].endswith("csrf")
    wrong = client.post(f"/v1/staff/flags/{flag_id}/claim", json={"version": 1}, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403


def test_staff_of_another_store_cannot_see_the_flag(app, client: TestClient, unit: UnitActor) -> None:
    _h, _t, flag_id = flagged_trip(client, unit)
    with TestClient(app) as olga:
        staff_login(olga, "olga")
        assert olga.get("/v1/staff/flags").json() == []
        assert olga.get(f"/v1/staff/flags/{flag_id}").status_code == 404
    with TestClient(app) as mia:  # a manager without a store sees every store
        staff_login(mia, "mia")
        assert [f["flag_id"] for f in mia.get("/v1/staff/flags").json()] == [flag_id]


def test_units_and_todays_numbers(client: TestClient, unit: UnitActor) -> None:
    unit.request("POST", "/v1/units/me/heartbeat", {"state": "idle", "faults": {}})
    flagged_trip(client, unit)
    staff_login(client, "alice")
    units = client.get("/v1/staff/units").json()
    assert units[0]["unit_id"] == "demo-unit-1" and units[0]["online"] is True
    stats = client.get("/v1/staff/stats").json()
    assert (stats["baskets"], stats["flagged"], stats["open_flags"]) == (1, 1, 1)


def test_live_events_reach_a_subscriber(app, live_server, unit_credentials) -> None:
    import httpx

    with httpx.Client(base_url=live_server.url, timeout=10) as staff:
        staff_login(staff, "alice")
        with EventListener(staff, "flag") as listener, httpx.Client(base_url=live_server.url, timeout=10) as http:
            flagged_trip(http, UnitActor(http, unit_credentials))  # type: ignore[arg-type]
    assert listener.seen == ["event: flag"]


def test_reasons_are_worded_in_the_staff_members_language(client: TestClient, unit: UnitActor) -> None:
    checked_out_trip(client, unit, COLA_CODE)
    said = {
        "code": "weight_mismatch",
        "message": "The basket weighs 890 g more than the scanned items: a staff member will check.",
        "key": "weight_more",
        "params": {"grams": 890, "ask": "staff"},
    }
    body = unit.verdict_body(unit.session(), "FLAG", reasons=[said, {"code": "test", "message": "old words"}])
    flag_id = unit.send_verdict(body).json()["flag_id"]
    staff_login(client, "alice")
    german = "Der Korb wiegt 890 g mehr als die gescannten Artikel: Ein Mitarbeiter prüft den Korb."
    detail = client.get(f"/v1/staff/flags/{flag_id}", headers={"Accept-Language": "de-DE,de;q=0.9"}).json()
    assert [r["text"] for r in detail["reasons"]] == [german, "old words"]
    assert detail["reasons"][0]["message"] == said["message"]  # the unit's signed words are kept as they were
    queue = client.get("/v1/staff/flags", headers={"Accept-Language": "de"}).json()
    assert queue[0]["headline"] == f"{german} old words"
    english = client.get(f"/v1/staff/flags/{flag_id}?lang=en").json()
    assert english["reasons"][0]["text"] == said["message"]
