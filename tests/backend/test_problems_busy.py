"""A busy database is a retryable 503 with Retry-After, not a 500."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from backend import problems
from tests.backend.conftest import new_shopper, new_trip


def test_a_locked_database_answers_503_retry_after() -> None:
    app = FastAPI()
    problems.install(app)

    @app.get("/busy")
    def busy() -> None:
        raise OperationalError("INSERT …", {}, Exception("database is locked"))

    @app.get("/broken")
    def broken() -> None:
        raise OperationalError("SELECT …", {}, Exception("no such table: trips"))

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/busy")
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert response.json()["type"].endswith("/database-busy")
    assert client.get("/broken").status_code == 500


def test_nul_characters_are_refused_before_the_database(client: TestClient) -> None:
    # PostgreSQL cannot store NUL in text: such input must be a 4xx on every database, never a 500.
    shopper = new_shopper(client)
    response = client.get("/v1/trips/%00", headers=shopper)
    assert response.status_code == 400 and response.json()["type"].endswith("/bad-request")
    assert client.get("/v1/catalog/lookup", params={"code": "12\x003"}, headers=shopper).status_code == 400
    trip = new_trip(client, shopper)
    response = client.post(
        f"/v1/trips/{trip}/events",
        json={
            "events": [
                {
                    "event_id": "evt-0001",
                    "action": "add",
                    "code": "4006\x00381333931",
                    "client_time": "2026-11-24T10:00:00+00:00",
                }
            ]
        },
        headers=shopper,
    )
    assert response.status_code == 422 and "NUL" in response.json()["detail"]
