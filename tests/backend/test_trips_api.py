from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend import migrate
from backend.app import NotMigratedError, create_app
from backend.domain.gs1 import DEFAULT_STORE_SCHEME
from backend.settings import Settings
from tests.backend.conftest import BANANAS, COLA, COLA_DEPOSIT, new_shopper, new_trip

T0 = "2026-11-24T10:00:00+00:00"


def event(event_id: str, action: str = "add", **fields) -> dict:
    return {"event_id": event_id, "action": action, "client_time": fields.pop("client_time", T0), **fields}


def test_refuses_to_start_on_an_unmigrated_database(db_engine) -> None:
    with pytest.raises(NotMigratedError, match="basketcheck backend migrate"):
        create_app(Settings(environment="test", secret_key="test-secret-0123456789"), engine=db_engine)


def test_health_and_readiness(client: TestClient, migrated_engine) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    assert migrate.is_current(migrated_engine)


def test_lookup_plain_and_variable_measure(client: TestClient) -> None:
    cola = client.get("/v1/catalog/lookup", params={"code": "4006381333931"}).json()
    assert cola["product"]["name"] == "Cola 1.5 L" and cola["unit_price_minor"] == 199
    code = DEFAULT_STORE_SCHEME.schemes[0].encode("00123", 1250)
    bananas = client.get("/v1/catalog/lookup", params={"code": code}).json()
    assert bananas["product"]["gtin14"] == BANANAS
    assert (bananas["weight_g"], bananas["unit_price_minor"]) == (1250, 286)


@pytest.mark.parametrize(
    ("code", "status", "type_"),
    [
        ("4006381333932", 422, "invalid-barcode"),
        ("4006381333948", 404, "unknown-product"),
        ("2000123000008", 422, "measure-missing"),
        ("2900123012509", 422, "invalid-barcode"),
    ],
)
def test_lookup_errors_are_problem_documents(client: TestClient, code: str, status: int, type_: str) -> None:
    response = client.get("/v1/catalog/lookup", params={"code": code})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith(type_) and body["status"] == status and body["detail"]


def test_scan_events_are_idempotent_and_build_the_basket(client: TestClient) -> None:
    headers = new_shopper(client)
    trip = new_trip(client, headers)
    banana_code = DEFAULT_STORE_SCHEME.schemes[0].encode("00123", 1250)
    batch = {
        "events": [
            event("ev-000001", code="4006381333931"),
            event("ev-000002", code="4006381333931", client_time="2026-11-24T10:00:01+00:00"),
            event("ev-000003", code=banana_code, client_time="2026-11-24T10:00:02+00:00"),
        ]
    }
    first = client.post(f"/v1/trips/{trip}/events", json=batch, headers=headers)
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()["results"]] == ["applied"] * 3
    again = client.post(f"/v1/trips/{trip}/events", json=batch, headers=headers)
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 3
    basket = again.json()["trip"]["basket"]
    assert basket["item_count"] == 3
    assert basket["total_minor"] == 199 * 2 + 286 + 2 * COLA_DEPOSIT
    assert basket["deposit_total_minor"] == 2 * COLA_DEPOSIT
    lines = {line["gtin14"]: line for line in basket["lines"]}
    assert lines[COLA]["quantity"] == 2 and lines[BANANAS]["weight_g"] == 1250
    assert lines[COLA]["deposit_minor"] == COLA_DEPOSIT and lines[COLA]["total_minor"] == 2 * 199  # goods only

    # The app removes a line by its key; an event sent earlier but arriving late still lands in order.
    late = {
        "events": [
            event("ev-000005", "remove", line_key=COLA, client_time="2026-11-24T10:00:05+00:00"),
            event("ev-000004", "set_quantity", line_key=COLA, quantity=4, client_time="2026-11-24T10:00:04+00:00"),
        ]
    }
    body = client.post(f"/v1/trips/{trip}/events", json=late, headers=headers).json()
    lines = {line["gtin14"]: line for line in body["trip"]["basket"]["lines"]}
    assert lines[COLA]["quantity"] == 3


def test_reused_event_id_with_other_content_is_a_conflict(client: TestClient) -> None:
    headers = new_shopper(client)
    trip = new_trip(client, headers)
    client.post(
        f"/v1/trips/{trip}/events", json={"events": [event("ev-000001", code="4006381333931")]}, headers=headers
    )
    response = client.post(
        f"/v1/trips/{trip}/events", json={"events": [event("ev-000001", code="5000112637922")]}, headers=headers
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("event-id-reused")


def test_shoppers_only_see_their_own_trips(client: TestClient) -> None:
    alice, bob = new_shopper(client), new_shopper(client)
    trip = new_trip(client, alice)
    assert client.get(f"/v1/trips/{trip}", headers=alice).status_code == 200
    assert client.get(f"/v1/trips/{trip}", headers=bob).status_code == 404
    stolen = client.post(
        f"/v1/trips/{trip}/events", json={"events": [event("ev-000009", code="4006381333931")]}, headers=bob
    )
    assert stolen.status_code == 404
    assert client.get(f"/v1/trips/{trip}").status_code == 401
    assert client.get(f"/v1/trips/{trip}", headers={"Authorization": "Bearer nope"}).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"events": []}',
        b'{"events": [{"event_id": "x", "action": "add", "client_time": "2026-11-24T10:00:00Z"}]}',
        b'{"events": [{"event_id": "ev-000001", "action": "add", "code": "4006381333931",'
        b' "client_time": "yesterday"}]}',
        b'{"events": [{"event_id": "ev-000001", "action": "add", "code": "4006381333931",'
        b' "client_time": "2026-11-24T10:00:00"}]}',
        b'{"events": [{"event_id": "ev-000001", "action": "remove", "client_time": "2026-11-24T10:00:00Z"}]}',
        b'{"events": [{"event_id": "ev-000001", "action": "steal", "client_time": "2026-11-24T10:00:00Z"}]}',
    ],
)
def test_malformed_requests_are_422_problems(client: TestClient, body: bytes) -> None:
    headers = new_shopper(client)
    trip = new_trip(client, headers)
    response = client.post(
        f"/v1/trips/{trip}/events", content=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_store(client: TestClient) -> None:
    headers = new_shopper(client)
    assert client.post("/v1/trips", json={"store_id": "nowhere"}, headers=headers).status_code == 404


def test_times_are_utc(client: TestClient, migrated_engine) -> None:
    from backend.models import Trip

    headers = new_shopper(client)
    trip_id = new_trip(client, headers)
    with Session(migrated_engine) as session:
        trip = session.get(Trip, trip_id)
        assert trip is not None and trip.created_at.tzinfo == dt.UTC


def test_metrics_are_exported(client: TestClient) -> None:
    client.get("/healthz")
    headers = new_shopper(client)
    client.get("/v1/trips/no-such-trip", headers=headers)
    client.get("/nowhere")
    text = client.get("/metrics").text
    assert 'basketcheck_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'basketcheck_http_requests_total{method="GET",route="/v1/trips/{trip_id}",status="404"}' in text
    assert 'basketcheck_http_requests_total{method="GET",route="unmatched",status="404"}' in text
    assert 'basketcheck_http_request_seconds_count{route="/v1/trips/{trip_id}"} 1.0' in text
    assert "basketcheck_open_flags 0.0" in text
