"""The overview tells which trip holds a unit, and staff free it from there (Chromium, the German page)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Payment, Trip
from tests.backend.conftest import COLA_CODE, UnitActor, checked_out_trip
from tests.backend.test_dashboard_browser import sign_in

pytestmark = pytest.mark.browser


def test_overview_shows_the_bound_trip_and_frees_the_unit(
    browser, live_server, unit_credentials, migrated_engine
) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    with httpx.Client(base_url=base, timeout=10) as http:
        unit = UnitActor(http, unit_credentials)
        _, trip = checked_out_trip(http, unit, COLA_CODE)
        unit.request("POST", "/v1/units/me/heartbeat", {"state": "idle", "faults": {}})
    page = sign_in(browser, base, "mia")
    page.goto(f"{base}/staff/overview")
    row = page.locator("#units tbody tr").first
    row.wait_for()
    assert trip[:8] in row.inner_text()  # "idle", says the unit; the database says a trip holds it
    page.on("dialog", lambda dialog: dialog.accept())
    row.locator("button.free-unit").click()
    page.wait_for_function("() => !document.querySelector('#units button.free-unit')")
    with Session(migrated_engine) as session:
        assert session.get(Trip, trip).status == "abandoned"  # type: ignore[union-attr]
        assert session.scalar(select(Payment.status).where(Payment.trip_id == trip)) == "voided"
    with httpx.Client(base_url=base, timeout=10) as http:
        assert UnitActor(http, unit_credentials).session()["trip_id"] is None
