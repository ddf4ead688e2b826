"""Staff confirm an age check on the dashboard, in German, in a real browser (Chromium) (#19): the open check
shows first on the queue page with the beer in it; "Alter bestätigt" pays the basket and the check goes away."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import AgeCheck, Payment
from tests.backend.conftest import COLA_CODE, COLA_DEPOSIT, UnitActor, checked_out_trip
from tests.backend.test_age_checks import BEER, BEER_CODE, restricted_catalog  # noqa: F401 (the fixture)
from tests.backend.test_dashboard_browser import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser


def waiting_trip(base: str, unit_credentials) -> str:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=base, timeout=30) as http:
        unit = UnitActor(http, unit_credentials)
        _headers, trip = checked_out_trip(http, unit, COLA_CODE, BEER_CODE)  # 1,99 € + 1,09 €, and their Pfand
        response = unit.send_verdict(unit.verdict_body(unit.session(), "PASS"))
        assert response.status_code == 200, response.text
        assert response.json()["trip_status"] == "age_check"
        return trip


CHARGED = 199 + COLA_DEPOSIT + BEER  # goods and deposit
CHARGED_DE = f"{CHARGED // 100},{CHARGED % 100:02d}"


def test_staff_confirm_an_age_check_in_german(browser, live_server, unit_credentials, migrated_engine) -> None:
    base = live_server.url
    trip = waiting_trip(base, unit_credentials)

    alice = sign_in(browser, base, "alice")
    alice.goto(f"{base}/staff/queue")
    section = alice.locator("#age-checks")
    section.get_by_role("heading", name="Alterskontrolle").wait_for()
    card = section.locator("li.age-check")
    card.filter(has_text="ab 16 Jahren").wait_for()
    assert "1× Hopfen Pils 0.5 L (ab 16)" in card.inner_text()
    assert CHARGED_DE in card.inner_text()
    alice.screenshot(path=str(SCREENSHOTS / "staff-age-check.png"))  # for the README
    card.get_by_role("button", name="Alter bestätigt").click()
    alice.locator("#toast").filter(has_text=CHARGED_DE).wait_for(timeout=10_000)
    assert "Alter bestätigt" in alice.locator("#toast").inner_text()
    section.wait_for(state="hidden")

    with Session(migrated_engine) as s:
        payment = s.scalar(select(Payment).where(Payment.trip_id == trip))
        check = s.scalar(select(AgeCheck).where(AgeCheck.trip_id == trip))
        assert payment is not None and payment.status == "captured" and payment.captured_minor == CHARGED
        assert check is not None and check.status == "confirmed"
