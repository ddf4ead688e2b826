"""A manager refunds part of a paid basket on the dashboard, in German, in a real browser (Chromium): the
confirmation, the history row, what is left, a clear German message for a refund that is too large, and a
returned bottle given back by line (price and Pfand)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Payment, Refund
from tests.backend.conftest import COLA_CODE, GUM_CODE, UnitActor, checked_out_trip
from tests.backend.test_dashboard_browser import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser


def paid_trip(base: str, unit_credentials) -> str:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=base, timeout=30) as http:
        unit = UnitActor(http, unit_credentials)
        _headers, trip = checked_out_trip(http, unit, COLA_CODE, GUM_CODE)  # 1,99 € + 0,25 € Pfand + 1,29 €
        response = unit.send_verdict(unit.verdict_body(unit.session(), "PASS"))
        assert response.status_code == 200, response.text
        return trip


def test_a_manager_refunds_part_of_a_basket_in_german(browser, live_server, unit_credentials, migrated_engine) -> None:
    base = live_server.url
    trip = paid_trip(base, unit_credentials)

    alice = sign_in(browser, base, "alice")  # staff: may look, not refund
    alice.goto(f"{base}/staff/trips/{trip}")
    alice.get_by_text("Nur die Leitung darf Zahlungen erstatten oder stornieren.").wait_for()
    assert alice.locator("#refund-form").count() == 0

    mia = sign_in(browser, base, "mia")
    mia.get_by_role("link", name="Einkäufe & Erstattungen").click()
    mia.get_by_label("Einkaufs-ID (vom Beleg oder aus der Meldung)").fill(trip)
    mia.get_by_role("button", name="Öffnen").click()
    mia.wait_for_url(f"{base}/staff/trips/{trip}")
    mia.locator("#refundable").filter(has_text="3,53").wait_for()
    assert mia.locator("#no-refunds").is_visible()

    questions: list[str] = []

    def accept(dialog) -> None:  # type: ignore[no-untyped-def]
        questions.append(dialog.message)
        dialog.accept()

    mia.on("dialog", accept)
    mia.get_by_label("Zu erstattender Betrag (EUR)").fill("1,00")
    mia.get_by_label("Begründung (wird mit der Erstattung gespeichert)").fill("Dose eingedellt")
    mia.get_by_role("button", name="Erstatten").click()
    row = mia.locator("#refunds tbody tr").first
    row.filter(has_text="erledigt").wait_for(timeout=10_000)
    assert "Erstattung" in row.inner_text() and "1,00" in row.inner_text() and "mia" in row.inner_text()
    assert "Dose eingedellt" in row.inner_text()
    assert questions and "1,00" in questions[0] and "erstatten" in questions[0]
    mia.locator("#refundable").filter(has_text="2,53").wait_for()
    assert "teilweise erstattet" in mia.locator("#trip-status").inner_text()

    mia.get_by_label("Zu erstattender Betrag (EUR)").fill("5,00")
    mia.get_by_label("Begründung (wird mit der Erstattung gespeichert)").fill("zu viel")
    mia.get_by_role("button", name="Erstatten").click()
    error = mia.locator("#refund-error")
    error.filter(has_text="mehr, als bei dieser Zahlung noch erstattet werden kann").wait_for()

    # A returned bottle by line: its price and its Pfand come back (1,99 € + 0,25 €).
    mia.get_by_label("Zu erstattender Betrag (EUR)").fill("")
    mia.get_by_label("Stück von Cola 1.5 L zurückgeben").fill("1")
    mia.get_by_label("Begründung (wird mit der Erstattung gespeichert)").fill("Flasche zurückgebracht")
    mia.get_by_role("button", name="Erstatten").click()
    mia.locator("#refundable").filter(has_text="0,29").wait_for(timeout=10_000)
    assert "1× " in questions[-1] and "Pfand" in questions[-1]
    mia.locator("#refunds tbody tr").filter(has_text="Flasche zurückgebracht").filter(has_text="2,24").wait_for()
    mia.get_by_label("Zu erstattender Betrag (EUR)").fill("0,10")
    mia.locator("#trip-items input.give-back").first.fill("1")
    mia.get_by_role("button", name="Erstatten").click()
    error.filter(has_text="Entweder einen Betrag oder zurückgegebene Artikel").wait_for()
    mia.screenshot(path=str(SCREENSHOTS / "staff-refund.png"), full_page=True)  # for the README

    with Session(migrated_engine) as s:
        payment = s.scalar(select(Payment).where(Payment.trip_id == trip))
        refunds = s.scalars(select(Refund).where(Refund.trip_id == trip)).all()
        assert payment is not None and payment.status == "partially_refunded"
        done = sorted((r.amount_minor, r.status, r.reason) for r in refunds)
        assert done == [(100, "done", "Dose eingedellt"), (224, "done", "Flasche zurückgebracht")]
    assert live_server.app.state.payment_provider.refunded(payment.provider_ref) == 324
