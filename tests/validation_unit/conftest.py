"""A backend with the demo catalog on a real HTTP server, a simulated station and a unit running against both."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from backend import migrate
from backend.app import create_app
from backend.catalog import import_rows
from backend.catalog_csv import parse_catalog
from backend.models import Store
from hardware_sim.scenario import Scenario
from tests.backend.conftest import SETTINGS, LiveServer, add_unit, free_port


@pytest.fixture
def demo_backend(db_engine: Engine, tmp_path: Path) -> Iterator[tuple[LiveServer, Path]]:
    """The backend on a real port with the demo catalog, store 'demo' and a registered unit (credentials file)."""
    import threading

    import uvicorn

    from hardware_sim.catalog import DEMO_CATALOG

    migrate.upgrade(db_engine)
    catalog_text = (Path(__file__).parents[2] / "hardware_sim" / "data" / DEMO_CATALOG).read_text()
    with Session(db_engine) as session, session.begin():
        # No random audits: an audit turns an honest basket into a FLAG, which these tests do not exercise.
        session.add(
            Store(id="demo", name="Demo Store", currency="EUR", audit_policy={"base_rate": 0.0, "min_rate": 0.0})
        )
        import_rows(session, parse_catalog(catalog_text))
    unit = add_unit(db_engine)
    app = create_app(SETTINGS, engine=db_engine)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the backend did not start"
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    credentials = tmp_path / "unit.json"
    credentials.write_text(
        json.dumps({"unit_id": unit.unit_id, "store_id": "demo", "backend_url": url, "private_key": unit.private_key})
    )
    yield LiveServer(url, app), credentials
    server.should_exit = True
    thread.join(10)


@dataclass
class Shopper:
    """Acts as the shopper's app against the backend."""

    http: httpx.Client
    headers: dict[str, str]
    trip_id: str = ""

    def start(self) -> Shopper:
        from tests.backend.conftest import new_shopper, new_trip

        self.headers = new_shopper(self.http)
        self.trip_id = new_trip(self.http, self.headers)
        return self

    def scan_scenario(self, scenario: Scenario) -> None:
        from tests.backend.conftest import scan

        codes = []
        for s in scenario.scans:
            codes += [s.barcode or s.gtin14] * (1 if s.barcode else s.qty)
        if codes:
            scan(self.http, self.headers, self.trip_id, *codes)

    def scan(self, *codes: str) -> None:
        from tests.backend.conftest import scan

        scan(self.http, self.headers, self.trip_id, *codes)

    def checkout(self, qr: str) -> dict[str, Any]:
        from tests.backend.conftest import checkout

        response = checkout(self.http, self.headers, self.trip_id, qr)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def trip(self) -> dict[str, Any]:
        response = self.http.get(f"/v1/trips/{self.trip_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def wait_status(self, *statuses: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            trip = self.trip()
            if trip["status"] in statuses:
                return trip
            assert time.monotonic() < deadline, f"trip stayed {trip['status']!r}, wanted {statuses}"
            time.sleep(0.1)
