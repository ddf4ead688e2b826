"""Schemathesis against the OpenAPI schema: generated requests, as the right caller, never get a 5xx."""

from __future__ import annotations

import collections
import json

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from backend.signing import request_headers
from tests.backend.conftest import new_shopper, new_trip, staff_login
from tests.backend.test_authorization import owner


@pytest.fixture
def identities(app, client: TestClient, unit_credentials):  # type: ignore[no-untyped-def]
    shopper = new_shopper(client)
    new_trip(client, shopper)
    staff_client = TestClient(app)
    csrf = staff_login(staff_client, "alice")
    return {
        "client": client,
        "shopper": shopper,
        "staff": (staff_client, csrf),
        "unit": unit_credentials,
        "statuses": collections.Counter(),
    }


@pytest.mark.slow
def test_no_request_makes_the_server_fail(app, identities) -> None:  # type: ignore[no-untyped-def]
    # schemathesis' own pytest plugin does not run under pytest 9 yet: drive its strategies with hypothesis.
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    checked = 0
    for result in api.get_all_operations():
        operation = result.ok()
        if operation.path in ("/v1/staff/events", "/v1/staff/logout"):
            continue  # an endless stream; signing out would end the fuzzing staff session

        @given(case=operation.as_strategy())
        @settings(max_examples=15, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case) -> None:  # type: ignore[no-untyped-def]
            send(case, identities)

        check()
        checked += 1
    assert checked >= 20
    statuses = identities["statuses"]
    assert sum(statuses.values()) >= 100 and any(200 <= code < 300 for code in statuses), statuses


def send(case, identities) -> None:  # type: ignore[no-untyped-def]
    kwargs = case.as_transport_kwargs()
    method, url = kwargs.pop("method"), kwargs.pop("url")
    path = url.split("://", 1)[-1].split("/", 1)[-1]
    path = "/" + path
    headers = dict(kwargs.pop("headers", None) or {})
    content: bytes = b""
    if "json" in kwargs:
        content = json.dumps(kwargs.pop("json")).encode()
        headers["Content-Type"] = "application/json"
    elif "data" in kwargs:
        data = kwargs.pop("data")
        content = data if isinstance(data, bytes) else str(data).encode()
    params = kwargs.pop("params", None)
    # Drop generated credentials: each operation is called as the caller it is for.
    headers = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")}
    who = owner(method.upper(), case.path)
    client: TestClient = identities["client"]
    if who == "shopper":
        headers.update(identities["shopper"])
    elif who == "staff":
        client, csrf = identities["staff"]
        headers.update(csrf)
    elif who == "unit":
        creds = identities["unit"]
        import time
        from urllib.parse import urlencode

        signed_path = path + (f"?{urlencode(params, doseq=True)}" if params else "")
        headers.update(request_headers(creds.unit_id, creds.private_key, method, signed_path, content, time.time()))
    headers.setdefault("Idempotency-Key", "fuzz-key-0001")
    response = client.request(method, path, params=params, content=content, headers=headers)
    identities["statuses"][response.status_code] += 1
    assert response.status_code < 500, (method, path, response.text)
