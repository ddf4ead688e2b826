"""The staff dashboard in a real browser (Playwright driving Debian's Chromium).

Two staff members sign in; a flag raised by a unit appears in the queue without a reload; one claims it and
the other sees the claim; it is resolved by adding the missing item, and the backend's state follows.
The pages are in German when the browser asks for German (the store's default too) and in English when it
asks for English. Screenshots of the queue, a flag and the overview go to docs/images/ (shown in the README).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Flag, Payment, Trip
from tests.backend.conftest import COLA_DEPOSIT, GUM_CODE, PASSWORD, UnitActor, checked_out_trip

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"


SIGN_IN = {"de-DE": ("Benutzername", "Passwort", "Anmelden"), "en-GB": ("User name", "Password", "Sign in")}
TABLET = {"width": 1024, "height": 1366}  # upright
DESKTOP = {"width": 1440, "height": 1000}


def sign_in(browser, base: str, username: str, locale: str = "de-DE", viewport=TABLET):  # type: ignore[no-untyped-def]
    # The browser's locale sets Accept-Language and Intl's defaults, as a staff member's tablet would.
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    page.goto(f"{base}/staff/queue")
    page.wait_for_url("**/staff/login**")
    user_label, password_label, button = SIGN_IN[locale]
    page.get_by_label(user_label).fill(username)
    page.get_by_label(password_label).fill(PASSWORD)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(f"{base}/staff/queue")  # exactly: the sign-in page's own URL ends in next=/staff/queue
    return page


def evidence_photo() -> tuple[bytes, list[dict[str, object]], dict[str, int]]:
    """A real frame from the simulated camera, with its products as detections."""
    import cv2

    from hardware_sim.catalog import load_demo_catalog
    from hardware_sim.render import render
    from hardware_sim.render_layout import random_basket

    catalog = load_demo_catalog()
    frame, truth = render(random_basket(11, catalog=catalog), 11, catalog=catalog)
    names = {p.gtin14: p.name for p in catalog}
    detections: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for t in truth:
        if t.kind != "product" or t.visible_fraction < 0.3:
            continue
        x1, y1, x2, y2 = (float(v) for v in t.visible_box)
        detections.append({"label": names[t.ref], "gtin14": t.ref, "box": [x1, y1, x2, y2], "confidence": 0.93})
        seen[t.ref] = seen.get(t.ref, 0) + 1
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return jpeg.tobytes(), detections, seen


def raise_flag(base: str, unit_credentials) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    from validation_unit.basket import WEIGHT_MISMATCH, Reason
    from validation_unit.evidence import weight_trace_png

    photo, detections, seen = evidence_photo()
    with httpx.Client(base_url=base, timeout=30) as http:
        unit = UnitActor(http, unit_credentials)
        _headers, trip = checked_out_trip(http, unit, "4006381333931")
        trace = [[i * 0.05, min(1, i / 8) * 2470 + (12 if 8 < i < 14 else 0)] for i in range(24)]
        chart = weight_trace_png([(t, g) for t, g in trace], 1580.0, 14.0, 2.0, 2470.0)  # as the unit draws it
        body = unit.verdict_body(
            unit.session(),
            "FLAG",
            attachments={"photo": photo, "weight_trace": chart},
            # as the unit's decision words it: the dashboard says it in the staff member's language
            reasons=[Reason.worded(WEIGHT_MISMATCH, "weight_more", grams=890, ask="staff").to_dict()],
            explanation="The basket weighs 890 g more than the scanned items.",
            detections=detections,
            seen=seen,
            weight={"expected_g": 1580.0, "sigma_g": 14.0, "measured_g": 2470.0, "tare_g": 0.0},
            weight_trace=trace,
        )
        response = unit.send_verdict(body)
        assert response.status_code == 200, response.text
        return trip, response.json()["flag_id"]


def test_staff_handle_a_flag_live(browser, live_server, unit_credentials, migrated_engine) -> None:
    base = live_server.url
    alice = sign_in(browser, base, "alice")
    bob = sign_in(browser, base, "bob")
    assert alice.locator("#queue-empty").is_visible()

    trip, flag_id = raise_flag(base, unit_credentials)
    row = alice.locator(f'#queue tbody tr[data-flag-id="{flag_id}"]')
    row.wait_for(timeout=10_000)  # arrived over the live stream: no reload
    assert "Der Korb wiegt 890 g mehr als die gescannten Artikel" in row.inner_text()
    assert "€" in row.inner_text() and "," in row.inner_text()  # the basket's total the German way: 1,99 €
    assert alice.locator("h1").inner_text() == "Gemeldete Körbe"
    alice.screenshot(path=str(SCREENSHOTS / "staff-queue.png"))

    bob.goto(f"{base}/staff/flags/{flag_id}")
    bob.locator("#flag-status").filter(has_text="offen").wait_for()

    alice.goto(f"{base}/staff/flags/{flag_id}")
    alice.locator("#flag-status").filter(has_text="offen").wait_for()
    alice.locator("#photo-boxes rect").first.wait_for(state="attached")
    assert (
        "890 g mehr als die gescannten Artikel: Ein Mitarbeiter prüft den Korb"
        in alice.locator("#reasons").inner_text()
    )
    alice.keyboard.press("c")  # claim
    alice.locator("#flag-status").filter(has_text="übernommen von alice").wait_for()
    bob.locator("#flag-status").filter(has_text="übernommen von alice").wait_for(timeout=10_000)  # live
    assert bob.locator("#claim").is_disabled()
    assert re.search(r"\b\d{2}:\d{2}:\d{2}\b", alice.locator("#history").inner_text())  # 24-hour clock
    assert re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", alice.locator("#shopper").inner_text())  # 03.12.2026

    alice.keyboard.press("b")  # boxes off and on again
    assert alice.locator("#toggle-boxes").get_attribute("aria-pressed") == "false"
    alice.keyboard.press("b")
    alice.keyboard.press("m")  # add missing items
    alice.get_by_label("Barcode oder GTIN des fehlenden Artikels").fill(GUM_CODE)
    alice.get_by_label("Begründung (steht im Verlauf)").fill("Kaugummi unter der Flasche, nicht gescannt")
    alice.screenshot(path=str(SCREENSHOTS / "staff-flag.png"), full_page=True)
    alice.get_by_role("button", name="Klären", exact=True).click()
    alice.locator("#flag-status").filter(has_text="erledigt").wait_for(timeout=10_000)
    assert "erledigt von alice" in alice.locator("#history").inner_text()

    # The page shows "resolved" from the live event of the resolve's first commit; the capture follows in the
    # same request, so on a loaded machine the trip may still be "passed" for a moment.
    deadline = time.monotonic() + 10
    while True:
        with Session(migrated_engine) as session:
            trip_row = session.get(Trip, trip)
            if (trip_row is not None and trip_row.status == "paid") or time.monotonic() > deadline:
                break
        time.sleep(0.1)
    with Session(migrated_engine) as session:
        flag = session.get(Flag, flag_id)
        trip_row = session.get(Trip, trip)
        payment = session.scalar(select(Payment).where(Payment.trip_id == trip))
        assert flag is not None and flag.status == "resolved" and flag.resolution == "add_items"
        assert trip_row is not None and trip_row.status == "paid"
        assert payment is not None and payment.captured_minor == 199 + COLA_DEPOSIT + 129


def test_a_stale_action_is_refused_with_a_clear_message(browser, live_server, unit_credentials) -> None:
    base = live_server.url
    _trip, flag_id = raise_flag(base, unit_credentials)
    bob = sign_in(browser, base, "bob", locale="en-GB")  # English stays available
    # Bob's page misses the live update: the stream is cut before the page opens it (cutting it afterwards
    # leaves the open stream running, and the update could disable the button before the click).
    bob.context.route("**/v1/staff/events", lambda route: route.abort())
    bob.goto(f"{base}/staff/flags/{flag_id}")
    bob.locator("#flag-status").filter(has_text="open").wait_for()
    with httpx.Client(base_url=base, timeout=10) as alice:
        csrf = alice.post("/v1/staff/login", json={"username": "alice", "password": PASSWORD}).json()["csrf_token"]
        alice.post(f"/v1/staff/flags/{flag_id}/claim", json={"version": 1}, headers={"X-CSRF-Token": csrf})
    bob.get_by_role("button", name="Claim").click()
    error = bob.locator("#action-error")
    error.wait_for()
    assert "someone acted on this flag first" in error.inner_text()
    bob.locator("#flag-status").filter(has_text="claimed by alice").wait_for()


def test_pages_need_a_session_and_evidence_needs_staff(browser, live_server, unit_credentials) -> None:
    base = live_server.url
    _trip, flag_id = raise_flag(base, unit_credentials)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/staff/flags/{flag_id}")
    assert "/staff/login" in page.url
    assert httpx.get(f"{base}/v1/staff/evidence/1").status_code == 401
    response = page.request.get(f"{base}/staff/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    context.close()


def test_overview_shows_units_and_todays_numbers(browser, live_server, unit_credentials) -> None:
    base = live_server.url
    raise_flag(base, unit_credentials)
    with httpx.Client(base_url=base, timeout=10) as http:
        UnitActor(http, unit_credentials).request("POST", "/v1/units/me/heartbeat", {"state": "idle", "faults": {}})
    page = sign_in(browser, base, "mia")
    page.get_by_role("link", name="Filialübersicht").click()
    page.locator("#units tbody tr").first.wait_for()
    assert "verbunden" in page.locator("#units").inner_text()
    page.locator("#stats dd").first.wait_for()
    assert "Gemeldet" in page.locator("#stats").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "staff-overview.png"), full_page=True)


def test_the_evidence_is_large_zoomable_and_has_the_units_chart(browser, live_server, unit_credentials) -> None:
    base = live_server.url
    _trip, flag_id = raise_flag(base, unit_credentials)
    page = sign_in(browser, base, "alice", viewport=DESKTOP)
    page.goto(f"{base}/staff/flags/{flag_id}")
    page.locator("#photo-boxes rect").first.wait_for(state="attached")
    photo = page.locator("#photo-img")
    page.wait_for_function("document.getElementById('photo-img').naturalWidth > 0")
    box = photo.bounding_box()
    assert box is not None and box["width"] >= 1000, box

    viewport = page.locator("#photo-viewport")
    assert viewport.get_attribute("data-scale") == "1.00"
    area = viewport.bounding_box()
    assert area is not None
    page.mouse.move(area["x"] + area["width"] / 2, area["y"] + area["height"] / 2)
    page.mouse.wheel(0, -400)  # wheel up: zoom in where the pointer is
    page.wait_for_function("Number(document.getElementById('photo-viewport').dataset.scale) > 1.5")
    page.keyboard.press("0")  # back to the whole photo
    assert viewport.get_attribute("data-scale") == "1.00"
    viewport.click(position={"x": 200, "y": 150})  # a click zooms in there
    assert float(viewport.get_attribute("data-scale") or 0) == pytest.approx(2.5)
    # Zoomed, the box labels grow with the photo: drawn at least as large as the 22 px they have at full size.
    label_height = page.locator("#photo-boxes text").first.bounding_box()
    assert label_height is not None and label_height["height"] > 22
    page.keyboard.press("b")
    assert page.locator("#toggle-boxes").get_attribute("aria-pressed") == "false"
    assert page.locator("#toggle-boxes").inner_text().startswith("Rahmen aus")
    page.keyboard.press("b")
    page.screenshot(path=str(SCREENSHOTS / "staff-flag-zoom.png"))
    page.keyboard.press("0")

    # The unit's own weight chart (axes, band, stable reading) is shown large; the drawn trace only without it.
    chart = page.locator("#weight-chart")
    chart.wait_for()
    page.wait_for_function("document.getElementById('weight-chart').naturalWidth > 0")
    chart_box = chart.bounding_box()
    assert chart_box is not None and chart_box["width"] >= 900, chart_box
    assert page.locator("#weight-trace").is_hidden()
    assert "Erwartet 1.580 g" in page.locator("#weight-summary").inner_text()
    page.locator("#weight-title").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "staff-flag-desktop.png"), full_page=True)


def test_the_staff_member_chooses_the_language(browser, live_server) -> None:
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/login")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("h1").inner_text() == "Anmeldung für das Personal"
    page.get_by_role("link", name="English").click()
    page.locator("h1").filter(has_text="Staff sign-in").wait_for()
    page.goto(f"{live_server.url}/staff/login")  # remembered, although the browser asks for German
    assert page.locator("h1").inner_text() == "Staff sign-in"
    context.close()
