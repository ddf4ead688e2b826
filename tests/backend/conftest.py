"""Backend fixtures: a migrated database with a store, a catalog, a unit and staff; the app on it; helpers
that act as the app, the unit (signed requests) and staff (cookie + CSRF)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from backend import migrate
from backend.app import create_app
from backend.catalog import import_rows
from backend.catalog_csv import parse_catalog
from backend.models import StaffUser, Store, Unit
from backend.settings import Settings
from backend.signing import canonical_json, generate_keys, request_headers, sign_document
from backend.staff_auth import hash_password

CATALOG = """gtin,name,brand,price_minor,currency,sold_by,weight_mean_g,weight_sd_g,plu,packaging,vat_rate,deposit_minor
4006381333931,Cola 1.5 L,Fizz,199,EUR,piece,1580,12,,bottle,19,25
5000112637922,Chewing gum,Minty,129,EUR,piece,28,1.5,,blister,19,0
2000123000008,Bananas,,229,EUR,weight,180,30,00123,produce,7,0
"""
STORE_ADDRESS, STORE_VAT_ID = "Hauptstraße 12\n10115 Berlin", "DE123456789"
COLA_DEPOSIT = 25  # Pfand per bottle, charged on top of the price
COLA, GUM, BANANAS = "04006381333931", "05000112637922", "02000123000008"
COLA_CODE, GUM_CODE = "4006381333931", "5000112637922"
PASSWORD = "correct horse battery"
SETTINGS = Settings(environment="test", secret_key="test-secret-0123456789")
PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once for the whole suite


@dataclass
class UnitCredentials:
    unit_id: str
    private_key: str


@pytest.fixture
def migrated_engine(db_engine: Engine) -> Engine:
    migrate.upgrade(db_engine)
    with Session(db_engine) as session, session.begin():
        session.add(Store(id="demo", name="Demo Store", currency="EUR", address=STORE_ADDRESS, vat_id=STORE_VAT_ID))
        session.add(Store(id="other", name="Other Store", currency="EUR"))
        import_rows(session, parse_catalog(CATALOG))
        for username, role, store in (
            ("alice", "staff", "demo"),
            ("bob", "staff", "demo"),
            ("mia", "manager", None),
            ("olga", "staff", "other"),
        ):
            session.add(
                StaffUser(
                    username=username,
                    display_name=username.title(),
                    role=role,
                    store_id=store,
                    password_hash=hash_password(PASSWORD),
                )
            )
    return db_engine


def add_unit(engine: Engine, unit_id: str = "demo-unit-1", store: str = "demo") -> UnitCredentials:
    keys = generate_keys()
    with Session(engine) as session, session.begin():
        session.add(Unit(id=unit_id, store_id=store, name=unit_id, public_key=keys.public_key))
    return UnitCredentials(unit_id, keys.private_key)


@pytest.fixture
def unit_credentials(migrated_engine: Engine) -> UnitCredentials:
    return add_unit(migrated_engine)


@pytest.fixture
def app(migrated_engine: Engine) -> FastAPI:
    return create_app(SETTINGS, engine=migrated_engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


# -- acting as the shopper's app -----------------------------------------------------------------------


def new_shopper(client: Any) -> dict[str, str]:
    response = client.post("/v1/shoppers")
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def new_trip(client: Any, headers: dict[str, str], store: str = "demo") -> str:
    response = client.post("/v1/trips", json={"store_id": store}, headers=headers)
    assert response.status_code == 201, response.text
    trip_id: str = response.json()["trip_id"]
    return trip_id


def scan(client: Any, headers: dict[str, str], trip: str, *codes: str) -> dict[str, Any]:
    events = [
        {
            "event_id": uuid.uuid4().hex,
            "action": "add",
            "code": code,
            "client_time": (dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC) + dt.timedelta(seconds=i)).isoformat(),
        }
        for i, code in enumerate(codes)
    ]
    response = client.post(f"/v1/trips/{trip}/events", json={"events": events}, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# -- acting as the validation unit ---------------------------------------------------------------------


class UnitActor:
    """Sends signed requests as a validation unit."""

    def __init__(self, client: Any, credentials: UnitCredentials) -> None:
        self.client = client
        self.credentials = credentials

    def request(self, method: str, path: str, body: Any = None, *, now: float | None = None) -> Any:
        content = b"" if body is None else json.dumps(body).encode()
        headers = request_headers(
            self.credentials.unit_id,
            self.credentials.private_key,
            method,
            path,
            content,
            time.time() if now is None else now,
        )
        headers["Content-Type"] = "application/json"
        return self.client.request(method, path, content=content, headers=headers)

    def bind_qr(self) -> str:
        response = self.request("POST", "/v1/units/me/bind-codes")
        assert response.status_code == 200, response.text
        qr: str = response.json()["qr"]
        return qr

    def session(self) -> dict[str, Any]:
        response = self.request("GET", "/v1/units/me/session")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def verdict_body(
        self,
        session: dict[str, Any],
        kind: str,
        *,
        verdict_id: str | None = None,
        signed_at: dt.datetime | None = None,
        attachments: dict[str, bytes] | None = None,
        measured_net_g: float | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        import base64
        import hashlib

        attachments = attachments or {}
        document = {
            "verdict_id": verdict_id or uuid.uuid4().hex,
            "unit_id": extra.pop("unit_id", self.credentials.unit_id),
            "trip_id": session["trip_id"],
            "trip_version": session["trip_version"],
            "kind": kind,
            "reasons": [{"code": "test", "message": f"{kind} by test"}],
            "score": 0.9 if kind == "FLAG" else 0.05,
            "audit": False,
            "measured_net_g": measured_net_g,
            "explanation": f"{kind} by test",
            "signed_at": (signed_at or dt.datetime.now(dt.UTC)).isoformat(),
            "evidence": {name: hashlib.sha256(data).hexdigest() for name, data in attachments.items()},
            **extra,
        }
        return {
            "document": document,
            "signature": sign_document(self.credentials.private_key, json.loads(canonical_json(document))),
            "attachments": [
                {"name": n, "content_type": "image/jpeg", "data_b64": base64.b64encode(d).decode()}
                for n, d in attachments.items()
            ],
        }

    def send_verdict(self, body: dict[str, Any]) -> Any:
        return self.request("POST", "/v1/units/me/verdicts", body)


@pytest.fixture
def unit(client: TestClient, unit_credentials: UnitCredentials) -> UnitActor:
    return UnitActor(client, unit_credentials)


def checkout(
    client: Any, headers: dict[str, str], trip: str, qr: str, card: str = "tok_visa", key: str | None = None
) -> Any:
    return client.post(
        f"/v1/trips/{trip}/checkout",
        json={"unit_qr": qr, "card_token": card},
        headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )


# -- acting as staff -----------------------------------------------------------------------------------


def staff_login(client: Any, username: str) -> dict[str, str]:
    response = client.post("/v1/staff/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


# -- a real HTTP server for concurrency tests ---------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    app: FastAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield LiveServer(f"http://127.0.0.1:{port}", app)
    server.should_exit = True
    thread.join(timeout=10)


def checked_out_trip(http: Any, unit: UnitActor, *codes: str) -> tuple[dict[str, str], str]:
    """A new shopper who scanned ``codes`` and checked out at ``unit`` (card pre-authorised)."""
    headers = new_shopper(http)
    trip = new_trip(http, headers)
    scan(http, headers, trip, *codes)
    response = checkout(http, headers, trip, unit.bind_qr())
    assert response.status_code == 200, response.text
    return headers, trip


class EventListener:
    """Reads a staff member's live event stream in a thread and keeps the first event of one type."""

    def __init__(self, http: Any, event_type: str) -> None:
        self.http = http
        self.event_type = event_type
        self.seen: list[str] = []
        self.subscribed = threading.Event()
        self.thread = threading.Thread(target=self._listen, daemon=True)

    def _listen(self) -> None:
        with self.http.stream("GET", "/v1/staff/events") as stream:
            for line in stream.iter_lines():
                self.subscribed.set()
                if line.startswith(f"event: {self.event_type}"):
                    self.seen.append(line)
                    return

    def __enter__(self) -> EventListener:
        self.thread.start()
        assert self.subscribed.wait(10), "the event stream did not open"
        return self

    def __exit__(self, *_exc: object) -> None:
        self.thread.join(timeout=15)
