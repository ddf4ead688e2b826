"""A busy database is a retryable 503 with Retry-After, not a 500."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from backend import problems


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
