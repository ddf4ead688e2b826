"""Who may call what: every operation in the OpenAPI schema, called as every kind of caller."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.backend.conftest import UnitActor, new_shopper, new_trip, staff_login

PUBLIC = {("GET", "/healthz"), ("GET", "/readyz"), ("POST", "/v1/shoppers"), ("POST", "/v1/staff/login")}
SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


def owner(method: str, path: str) -> str:
    """The one kind of caller an operation is for."""
    if (method, path) in PUBLIC or path.startswith("/v1/catalog/"):
        return "public"
    if path.startswith("/v1/trips"):
        return "shopper"
    if path.startswith("/v1/units/me/"):
        return "unit"
    if path.startswith("/v1/staff/"):
        return "staff"
    raise AssertionError(f"{method} {path} is not classified: add it to the authorization matrix")


def operations(client: TestClient) -> list[tuple[str, str]]:
    schema = client.get("/openapi.json").json()
    found = sorted(
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    )
    # Signing out ends the staff caller's session: it goes last, so every staff operation is tried signed in.
    return sorted(found, key=lambda op: op == ("POST", "/v1/staff/logout"))


def test_openapi_schema_matches_the_snapshot(client: TestClient) -> None:
    """An API change shows up in review: regenerate with UPDATE_SNAPSHOTS=1 when it is intended."""
    import os

    schema = client.get("/openapi.json").json()
    schema["info"].pop("version", None)
    text = json.dumps(schema, indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(text)
    assert text == SNAPSHOT.read_text(), "the OpenAPI schema changed: review, then run with UPDATE_SNAPSHOTS=1"


@pytest.fixture
def callers(app, client: TestClient, unit: UnitActor) -> dict[str, object]:
    shopper_headers = new_shopper(client)
    new_trip(client, shopper_headers)
    staff_client = TestClient(app)
    csrf = staff_login(staff_client, "alice")
    return {"shopper": shopper_headers, "unit": unit, "staff": (staff_client, csrf)}


def call(client: TestClient, callers: dict[str, object], who: str, method: str, path: str):  # type: ignore[no-untyped-def]
    concrete = re.sub(r"\{[a-z_]*id\}", "1", path)
    body = b"{}" if method == "POST" else b""
    if who == "unit":
        return callers["unit"].request(method, concrete, {} if method == "POST" else None)  # type: ignore[attr-defined]
    if who == "staff":
        staff_client, csrf = callers["staff"]  # type: ignore[misc]
        return staff_client.request(
            method, concrete, content=body, headers={**csrf, "Content-Type": "application/json"}
        )
    headers = {"Content-Type": "application/json"}
    if who == "shopper":
        headers.update(callers["shopper"])  # type: ignore[arg-type]
    return client.request(method, concrete, content=body, headers=headers)


def test_every_operation_refuses_the_callers_it_is_not_for(client: TestClient, callers) -> None:
    ops = operations(client)
    assert len(ops) >= 20
    for method, path in ops:
        if method == "GET" and path == "/v1/staff/events":
            continue  # a stream: its guard is the same StaffDep, checked below without reading the stream
        meant_for = owner(method, path)
        for who in ("anonymous", "shopper", "unit", "staff"):
            response = call(client, callers, who, method, path)
            assert response.status_code < 500, (method, path, who, response.text)
            if meant_for == "public" or who == meant_for:
                assert response.status_code not in (401, 403), (method, path, who, response.text)
            else:
                assert response.status_code in (401, 403, 404, 405), (method, path, who, response.status_code)


def test_the_event_stream_is_for_staff_only(client: TestClient, callers) -> None:
    assert client.get("/v1/staff/events").status_code == 401
    assert client.get("/v1/staff/events", headers=callers["shopper"]).status_code == 401  # type: ignore[arg-type]
