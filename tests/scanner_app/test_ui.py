"""The Kivy app headless (SDL's offscreen video driver on Mesa EGL, no display) against a live backend.

Camera frames with generated barcode photos go in through a :class:`ManualSource`; the tests read what the
screens show and what the backend holds, and save screenshots of the main screens to ``docs/images/app-*.png``.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Kivy reads its environment once, at import: before any kivy import in this process.
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_WINDOW", "sdl2")
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

pytest.importorskip("kivy")

import httpx
import numpy as np

from scanner_app import barcode as bc
from scanner_app import synthetic
from scanner_app.api_client import ApiClient
from scanner_app.frames import ManualSource
from scanner_app.offline_queue import OfflineQueue
from scanner_app.session import ShopperSession
from tests.backend.conftest import COLA_CODE, GUM_CODE, LiveServer, UnitActor, UnitCredentials, free_port

pytestmark = pytest.mark.slow

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def photo(text: str, symbology: str, seed: int = 0) -> Any:
    rng = np.random.default_rng(seed)
    width = 0.35 if symbology == bc.QR else 0.5
    return synthetic.scene(synthetic.barcode_image(text, symbology), rng, code_width=width)


BLANK = np.full((480, 640, 3), 90, np.uint8)


@pytest.fixture(scope="module")
def window() -> Any:
    from kivy.config import Config

    Config.set("graphics", "width", "480")
    Config.set("graphics", "height", "800")
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    return EventLoop.window


class Harness:
    """The app built into the offscreen window, driven frame by frame."""

    def __init__(self, window: Any, session: ShopperSession) -> None:
        from scanner_app.ui.app import ScannerApp

        self.window = window
        self.source = ManualSource()
        self.app = ScannerApp(session, self.source, decode_in_thread=False)
        self.root = self.app.build()
        window.add_widget(self.root)
        self.clock = 0.0
        self.pump()

    def pump(self, frames: int = 3) -> None:
        from kivy.base import EventLoop

        for _ in range(frames):
            EventLoop.idle()

    def see(self, frame: Any) -> list[Any]:
        """The camera sees ``frame`` (then nothing, so the next code is a new scan)."""
        self.clock += 2.0
        self.source.show(frame)
        notices = self.app.tick(now=self.clock)
        self.pump()
        self.source.show(BLANK)
        self.app.tick(now=self.clock + 1.0)
        return notices

    def screenshot(self, name: str) -> None:
        self.pump()
        IMAGES.mkdir(parents=True, exist_ok=True)
        self.root.export_to_png(str(IMAGES / f"app-{name}.png"))

    def close(self) -> None:
        self.app.on_stop()
        self.window.remove_widget(self.root)


def texts(widget: Any) -> list[str]:
    """Every label text under ``widget``."""
    out = [widget.text] if hasattr(widget, "text") and isinstance(widget.text, str) else []
    for child in widget.children:
        out.extend(texts(child))
    return out


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url) as client:
        yield client


@pytest.fixture
def ui(window: Any, live_server: LiveServer, tmp_path: Path) -> Iterator[Harness]:
    client = ApiClient(live_server.url)
    queue = OfflineQueue(tmp_path / "data" / "queue.sqlite3")
    harness = Harness(window, ShopperSession(client, queue))
    yield harness
    harness.close()
    client.close()
    queue.close()


def backend_basket(http: httpx.Client, session: ShopperSession) -> dict[str, int]:
    trip = http.get(f"/v1/trips/{session.trip_id}", headers={"Authorization": f"Bearer {session.client.token}"})
    return {line["gtin14"]: line["quantity"] for line in trip.json()["basket"]["lines"]}


def test_shop_scan_basket_checkout_pass_receipt(
    ui: Harness, http: httpx.Client, unit_credentials: UnitCredentials
) -> None:
    app, session = ui.app, ui.app.session
    ui.source.show(BLANK)
    ui.app.tick(now=0.0)
    ui.screenshot("start")
    ui.see(photo("BASKETCHECK-STORE:demo", bc.QR))
    assert app.screens.current == "scan" and session.status == "shopping"

    notices = ui.see(photo(COLA_CODE, bc.EAN13, seed=1))
    assert [n.text for n in notices] == ["Cola 1.5 L — €1.99"]
    ui.see(photo(GUM_CODE, bc.EAN13, seed=2))
    assert "Basket: 2 · €3.53" in texts(app.scan_screen)  # cola 1.99 + 0.25 deposit, gum 1.29
    assert backend_basket(http, session) == {"04006381333931": 1, "05000112637922": 1}
    app.scan_screen.preview.show(photo(GUM_CODE, bc.EAN13, seed=2))  # for the picture only: no new scan
    ui.screenshot("scan")

    app.show_basket()
    cola = next(line.line_key for line in session.basket().lines if line.name == "Cola 1.5 L")
    app.change_quantity(cola, +1)
    shown = texts(app.basket_screen)
    assert "3 items · Total €5.77" in shown and "[b]Cola 1.5 L[/b]\n2 × €1.99" in shown
    ui.screenshot("basket")

    app.show_checkout()
    unit = UnitActor(http, unit_credentials)
    ui.see(photo(unit.bind_qr(), bc.QR, seed=3))
    assert app.following and session.status == "checking_out"
    ui.screenshot("checkout")

    assert unit.send_verdict(unit.verdict_body(unit.session(), "PASS")).status_code == 200
    app.poll()
    assert session.status == "paid" and not app.following
    assert "[b]Paid €5.77[/b]" in texts(app.checkout_screen)
    ui.screenshot("paid")

    show = next(w for w in app.checkout_screen.walk() if getattr(w, "text", "") == "Show receipt")
    show.dispatch("on_press")
    assert app.screens.current == "receipt"
    shown = texts(app.receipt_screen)
    store = ("[b]Demo Store[/b]", "Hauptstraße 12", "VAT id DE123456789")
    for expected in (*store, "Receipt no. 1", "2 × Deposit Cola 1.5 L"):
        assert expected in shown, (expected, shown)
    assert "A 19 % net €4.85" in shown and "VAT €0.92" in shown and "[b]€5.77[/b]" in shown
    ui.screenshot("receipt")

    app.show_receipts()
    assert any("€5.77" in t for t in texts(app.receipts_screen))
    ui.screenshot("receipts")


@pytest.mark.parametrize("kind", ["RECHECK", "FLAG"])
def test_verdicts_on_screen(ui: Harness, http: httpx.Client, unit_credentials: UnitCredentials, kind: str) -> None:
    app, session = ui.app, ui.app.session
    app.start_trip("demo")
    ui.see(photo(COLA_CODE, bc.EAN13, seed=4))
    unit = UnitActor(http, unit_credentials)
    ui.see(photo(unit.bind_qr(), bc.QR, seed=5))  # the unit's code, scanned from the scan screen
    assert app.screens.current == "checkout"
    reasons = [{"code": "seen_not_scanned", "message": "Scan the Chewing gum in your basket"}]
    assert unit.send_verdict(unit.verdict_body(unit.session(), kind, reasons=reasons)).status_code == 200
    app.poll()
    shown = texts(app.checkout_screen)
    if kind == "RECHECK":
        assert "Please re-check your basket" in shown and "1 × Cola 1.5 L (1 × €1.99)" in shown
        assert "• Scan the Chewing gum in your basket" in shown
        assert not app.following
        ui.screenshot("recheck")
    else:
        assert "A staff member is coming" in shown and session.status == "flagged"
        ui.screenshot("flag")


def test_manual_entry_and_offline_then_synced(ui: Harness, http: httpx.Client, live_server: LiveServer) -> None:
    app, session = ui.app, ui.app.session
    app.start_trip("demo")
    online = session.client
    session.client = ApiClient(f"http://127.0.0.1:{free_port()}", online.token, timeout=0.3)
    ui.see(photo(COLA_CODE, bc.EAN13, seed=6))
    app.scan_screen.code_input.text = GUM_CODE
    app.scan_screen._add_typed()
    app.scan_screen.code_input.text = "5000112637923"  # wrong check digit: refused before anything is queued
    app.scan_screen._add_typed()
    assert "not a valid barcode number" in app.scan_screen.toast.text
    assert session.pending() == 2
    app.show_basket()
    assert "2 scans waiting to sync: the total will update when online" in texts(app.basket_screen)
    ui.screenshot("offline")
    session.client = online  # the backend is reachable again
    app.poll()
    assert session.pending() == 0
    assert backend_basket(http, session) == {"04006381333931": 1, "05000112637922": 1}


def test_frames_decoded_on_the_worker_thread_reach_the_basket(
    window: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    from kivy.base import EventLoop

    from scanner_app.ui.app import ScannerApp

    client = ApiClient(live_server.url)
    queue = OfflineQueue(tmp_path / "queue.sqlite3")
    source = ManualSource()
    app = ScannerApp(ShopperSession(client, queue), source)  # as `basketcheck app` runs it: decode thread
    root = app.build()
    window.add_widget(root)
    try:
        app.start_trip("demo")
        source.show(photo(COLA_CODE, bc.EAN13, seed=7))
        app.tick()
        deadline = time.monotonic() + 10
        while app.session.basket().item_count == 0 and time.monotonic() < deadline:
            EventLoop.idle()  # runs the Clock callback the worker scheduled
        assert app.session.basket().item_count == 1
        assert "Cola 1.5 L — €1.99" in app.scan_screen.toast.text
    finally:
        app.on_stop()
        window.remove_widget(root)
        client.close()
        queue.close()


def test_store_code_mid_trip_asks_and_keep_is_the_default(ui: Harness, http: httpx.Client) -> None:
    store = photo("BASKETCHECK-STORE:demo", bc.QR)
    ui.see(store)
    ui.see(photo(COLA_CODE, bc.EAN13))
    trip_id = ui.app.session.trip_id
    ui.see(store)
    dialog = ui.app.keep_basket_dialog
    assert dialog is not None and any("keep your basket (1 items)" in t for t in texts(dialog.popup))
    dialog.popup.dismiss()  # tapping beside the dialog keeps the basket
    ui.pump()
    assert ui.app.session.trip_id == trip_id and backend_basket(http, ui.app.session) == {"04006381333931": 1}
    ui.see(store)
    new = ui.app.keep_basket_dialog
    assert new is not None and new is not dialog
    new.new.dispatch("on_press")  # only an explicit tap starts a new trip
    ui.pump()
    assert ui.app.session.trip_id != trip_id and backend_basket(http, ui.app.session) == {}
