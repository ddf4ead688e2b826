"""The shopper flow against a live backend, without a window: scans, basket, offline queue, checkout, verdicts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scanner_app import barcode as bc
from scanner_app.api_client import ApiClient, is_unit_qr, store_from_qr
from scanner_app.offline_queue import OfflineQueue, new_event
from scanner_app.session import ShopperSession, must_ask_before_new_trip
from tests.backend.conftest import COLA_CODE, COLA_DEPOSIT, GUM_CODE, LiveServer, UnitActor, UnitCredentials, free_port

STORE_QR = bc.Result("BASKETCHECK-STORE:demo", bc.QR)
COLA = bc.Result(COLA_CODE, bc.EAN13)
GUM = bc.Result(GUM_CODE, bc.EAN13)


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url) as client:
        yield client


@pytest.fixture
def shopper(live_server: LiveServer, tmp_path: Path) -> Iterator[ShopperSession]:
    client = ApiClient(live_server.url)
    queue = OfflineQueue(tmp_path / "app" / "queue.sqlite3")
    yield ShopperSession(client, queue)
    client.close()
    queue.close()


def backend_basket(http: httpx.Client, session: ShopperSession) -> dict[str, int]:
    trip = http.get(f"/v1/trips/{session.trip_id}", headers={"Authorization": f"Bearer {session.client.token}"})
    assert trip.status_code == 200, trip.text
    return {line["gtin14"]: line["quantity"] for line in trip.json()["basket"]["lines"]}


def test_qr_texts() -> None:
    assert store_from_qr("BASKETCHECK-STORE:demo") == "demo"
    assert store_from_qr("BASKETCHECK-UNIT:u:n") is None
    assert is_unit_qr("BASKETCHECK-UNIT:demo-unit-1:abc")
    assert not is_unit_qr("BASKETCHECK-UNIT:demo-unit-1")


def test_scan_flow_debounced_with_quantity_and_remove(shopper: ShopperSession, http: httpx.Client) -> None:
    assert shopper.on_codes([STORE_QR], now=0.0)[0].ok
    assert shopper.status == "shopping"
    # Cola held in view for ten frames: one scan.
    notices = [n for t in range(10) for n in shopper.on_codes([COLA], now=1.0 + t / 30)]
    assert [n.text for n in notices] == ["Cola 1.5 L — €1.99"]
    shopper.on_codes([GUM], now=3.0)
    assert backend_basket(http, shopper) == {"04006381333931": 1, "05000112637922": 1}
    cola_key = next(line.line_key for line in shopper.basket().lines if line.name == "Cola 1.5 L")
    shopper.change_quantity(cola_key, +1)
    view = shopper.basket()
    assert view.item_count == 3 and view.total == "€5.77" and view.pending == 0  # 2 × (1.99 + 0.25 Pfand) + 1.29
    shopper.remove(cola_key)
    assert backend_basket(http, shopper) == {"05000112637922": 1}


def test_unknown_code_is_refused_and_does_not_block_the_queue(shopper: ShopperSession) -> None:
    shopper.start_trip("demo")
    shopper.add_item("96385074", bc.EAN8)  # valid EAN-8, not in the catalog
    assert shopper.take_refusal()
    assert shopper.pending() == 0
    shopper.add_item(COLA_CODE, bc.EAN13)
    assert shopper.basket().item_count == 1


def test_offline_scans_are_queued_then_synced_once(live_server: LiveServer, http: httpx.Client, tmp_path: Path) -> None:
    queue = OfflineQueue(tmp_path / "queue.sqlite3")
    online = ApiClient(live_server.url)
    session = ShopperSession(online, queue)
    session.start_trip("demo")
    # The backend goes away: a client to a port nobody listens on, with the shopper's token.
    session.client = ApiClient(f"http://127.0.0.1:{free_port()}", online.token, timeout=0.5)
    notice = session.add_item(COLA_CODE, bc.EAN13)
    session.add_item(GUM_CODE, bc.EAN13)
    assert not session.online and "will sync" in notice.text
    assert session.basket().pending == 2 and "2 scans waiting" in session.basket().pending_note
    # A lost reply: the backend got the first event but the phone never heard back, so it is still queued.
    first = queue.pending(session.trip_id or "")[0]
    online.send_events(session.trip_id or "", [first.body])
    # The backend is back.
    session.client = online
    session.sync()
    assert session.online and session.pending() == 0
    assert backend_basket(http, session) == {"04006381333931": 1, "05000112637922": 1}
    online.close()
    queue.close()


def test_queue_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "queue.sqlite3"
    queue = OfflineQueue(path)
    body = new_event("add", code=COLA_CODE)
    queue.push("trip-1", body)
    queue.push("trip-1", body)  # the same event id twice is one event
    queue.close()
    again = OfflineQueue(path)
    assert [e.event_id for e in again.pending("trip-1")] == [body["event_id"]]
    again.close()


def _checkout(shopper: ShopperSession, http: httpx.Client, unit_credentials: UnitCredentials) -> UnitActor:
    unit = UnitActor(http, unit_credentials)
    shopper.start_trip("demo")
    shopper.add_item(COLA_CODE, bc.EAN13)
    notice = shopper.on_scan(bc.Result(unit.bind_qr(), bc.QR))
    assert notice.ok, notice.text
    assert shopper.follow().stage == "waiting"
    return unit


@pytest.mark.parametrize(("kind", "stage"), [("PASS", "pass"), ("RECHECK", "recheck"), ("FLAG", "flag")])
def test_checkout_and_verdict(
    shopper: ShopperSession, http: httpx.Client, unit_credentials: UnitCredentials, kind: str, stage: str
) -> None:
    unit = _checkout(shopper, http, unit_credentials)
    reasons = [{"code": "seen_not_scanned", "message": "Scan the Chewing gum in your basket"}]
    response = unit.send_verdict(unit.verdict_body(unit.session(), kind, reasons=reasons))
    assert response.status_code == 200, response.text
    view = shopper.follow()
    assert view.stage == stage
    assert view.prompts == (("Scan the Chewing gum in your basket",) if kind == "RECHECK" else ())
    if kind == "PASS":
        assert shopper.status == "paid"
        assert shopper.receipt is not None and shopper.receipt["total_minor"] == 199 + COLA_DEPOSIT
        assert shopper.queue.receipts()[0]["trip_id"] == shopper.trip_id
    if kind == "RECHECK":
        shopper.add_item(GUM_CODE, bc.EAN13)  # the shopper may fix the basket and scan again
        assert shopper.basket().item_count == 2


def test_a_restarted_app_resumes_the_trip_and_syncs_what_was_queued(
    live_server: LiveServer, http: httpx.Client, tmp_path: Path
) -> None:
    path = tmp_path / "queue.sqlite3"
    first = ShopperSession(ApiClient(live_server.url), OfflineQueue(path))
    first.start_trip("demo")
    first.add_item(COLA_CODE, bc.EAN13)
    first.client = ApiClient(f"http://127.0.0.1:{free_port()}", first.client.token, timeout=0.3)
    first.add_item(GUM_CODE, bc.EAN13)  # queued offline, then the app is closed
    assert first.pending() == 1
    first.queue.close()

    again = ShopperSession(ApiClient(live_server.url), OfflineQueue(path))
    assert again.resume()
    assert again.trip_id == first.trip_id and again.pending() == 0
    assert backend_basket(http, again) == {"04006381333931": 1, "05000112637922": 1}
    again.queue.close()


def test_nothing_to_resume_on_first_start(shopper: ShopperSession) -> None:
    assert not shopper.resume()


def test_rule_ask_before_replacing_a_basket() -> None:
    assert must_ask_before_new_trip("shopping", 2, 0)
    assert must_ask_before_new_trip("recheck", 0, 1)  # only queued scans: still a basket
    assert not must_ask_before_new_trip("shopping", 0, 0)
    assert not must_ask_before_new_trip("paid", 3, 0)


def test_store_code_mid_trip_asks_and_keeps_the_basket_by_default(shopper: ShopperSession, http: httpx.Client) -> None:
    shopper.on_scan(STORE_QR)
    shopper.on_scan(COLA)
    trip_id = shopper.trip_id
    notice = shopper.on_scan(STORE_QR)
    assert notice.event == "ask-new-trip" and "keep your basket (1 items)" in notice.text
    assert shopper.trip_id == trip_id and shopper.asking_store == "demo"
    assert "kept" in shopper.answer_new_trip().text  # the default answer keeps it
    assert shopper.trip_id == trip_id and shopper.asking_store is None
    assert backend_basket(http, shopper) == {"04006381333931": 1}


def test_explicit_yes_starts_a_new_empty_trip(shopper: ShopperSession) -> None:
    shopper.on_scan(STORE_QR)
    shopper.on_scan(COLA)
    old = shopper.trip_id
    assert shopper.on_scan(STORE_QR).event == "ask-new-trip"
    assert shopper.answer_new_trip(start_new=True).event == "trip"
    assert shopper.trip_id != old and shopper.basket().item_count == 0


def test_empty_trip_in_the_same_store_is_kept_without_asking(shopper: ShopperSession) -> None:
    shopper.on_scan(STORE_QR)
    trip_id = shopper.trip_id
    notice = shopper.on_scan(STORE_QR)
    assert notice.event == "" and shopper.trip_id == trip_id


def test_new_trip_waits_for_queued_offline_scans(live_server: LiveServer, tmp_path: Path) -> None:
    queue = OfflineQueue(tmp_path / "queue.sqlite3")
    online = ApiClient(live_server.url)
    session = ShopperSession(online, queue)
    session.start_trip("demo")
    old = session.trip_id
    session.client = ApiClient(f"http://127.0.0.1:{free_port()}", online.token, timeout=0.5)
    session.add_item(COLA_CODE, bc.EAN13)
    assert session.on_scan(STORE_QR).event == "ask-new-trip"  # nothing on the store's side, one scan queued
    refused = session.answer_new_trip(start_new=True)
    assert not refused.ok and session.trip_id == old and session.pending() == 1
    session.client = online
    assert session.on_scan(STORE_QR).event == "ask-new-trip"
    assert session.answer_new_trip(start_new=True).event == "trip"
    assert session.trip_id != old and queue.count(old or "") == 0  # the old scan reached the store first
    online.close()
    queue.close()
