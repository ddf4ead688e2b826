"""The Kivy app: screens, the camera tick (frame → preview → decode → session) and verdict polling."""

from __future__ import annotations

import time
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.uix.screenmanager import NoTransition, ScreenManager

from scanner_app.app_i18n import tr
from scanner_app.barcode import EAN8, EAN13, UPCA, Result, decode
from scanner_app.decode_worker import DecodeWorker
from scanner_app.frames import FrameSource
from scanner_app.session import Notice, ShopperSession
from scanner_app.ui.feedback import feedback
from scanner_app.ui.screens import (
    BasketScreen,
    CheckoutScreen,
    KeepBasketDialog,
    ReceiptScreen,
    ReceiptsScreen,
    ScanScreen,
    StartScreen,
)

CAMERA_SCREENS = ("start", "scan", "checkout")


class ScannerApp(App):
    """Scan-and-go for one shopper on one phone (or desktop with a webcam)."""

    title = "basketcheck"

    def __init__(
        self,
        session: ShopperSession,
        source: FrameSource,
        *,
        fps: float = 15.0,
        decode_in_thread: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.source = source
        self.fps = fps
        # Tests decode on the calling thread, so a frame's effect is visible when tick() returns.
        self.worker: DecodeWorker | None = DecodeWorker(decode, self._decoded) if decode_in_thread else None
        self._last_frame = 0
        self._events: list[Any] = []
        self.following = False  # polling the trip for the unit's verdict
        self.keep_basket_dialog: KeepBasketDialog | None = None  # open while asking "keep your basket?"

    # -- Kivy lifecycle ----------------------------------------------------------------------------

    def build(self) -> ScreenManager:
        self.screens = ScreenManager(transition=NoTransition())
        self.start_screen = StartScreen(self)
        self.scan_screen = ScanScreen(self)
        self.basket_screen = BasketScreen(self)
        self.checkout_screen = CheckoutScreen(self)
        self.receipts_screen = ReceiptsScreen(self)
        self.receipt_screen = ReceiptScreen(self)
        for screen in (
            self.start_screen,
            self.scan_screen,
            self.basket_screen,
            self.checkout_screen,
            self.receipts_screen,
            self.receipt_screen,
        ):
            self.screens.add_widget(screen)
        self.source.start()
        if self.worker is not None:
            self.worker.start()
        if self.session.trip_id is None and self.session.resume():
            Clock.schedule_once(lambda _dt: self._resumed(), 0)
        self._events = [
            Clock.schedule_interval(lambda _dt: self.tick(), 1.0 / self.fps),
            Clock.schedule_interval(lambda _dt: self.poll(), 1.0),
        ]
        return self.screens

    def on_stop(self) -> None:
        for event in self._events:
            event.cancel()
        if self.worker is not None:
            self.worker.stop()
        self.source.stop()

    # -- the camera --------------------------------------------------------------------------------

    def tick(self, now: float | None = None) -> list[Notice]:
        """Show the newest frame and act on the codes in it (decoded by the worker, or here without one)."""
        number, frame = self.source.latest()
        if frame is None or number == self._last_frame:
            return []
        self._last_frame = number
        current = self.screens.current
        if current not in CAMERA_SCREENS or (current == "checkout" and self.following):
            return []
        self.screens.current_screen.preview.show(frame)
        seen_at = time.monotonic() if now is None else now
        if self.worker is not None:
            self.worker.submit(frame, seen_at)
            return []
        return self.on_codes(decode(frame), seen_at)

    def on_codes(self, results: list[Result], seen_at: float) -> list[Notice]:
        """Codes read from a frame: new scans go to the session and their outcome to the screen."""
        notices = self.session.on_codes(results, seen_at)
        for notice in notices:
            self._notify(notice)
        return notices

    def _decoded(self, results: list[Result], seen_at: float) -> None:
        # Called on the decode thread: the session and the widgets belong to the UI thread.
        if results:
            Clock.schedule_once(lambda _dt: self.on_codes(results, seen_at), 0)

    # -- actions from the screens ------------------------------------------------------------------

    def start_trip(self, store_id: str) -> None:
        if not store_id:
            self.start_screen.toast.say(tr("ui.type_or_scan_store"), ok=False)
            return
        self._notify(self.session.start_trip(store_id))

    def add_typed(self, code: str) -> None:
        from scanner_app.barcode import validate

        symbology = {8: EAN8, 12: UPCA, 13: EAN13}.get(len(code), EAN13)
        result = validate(code.zfill(13) if len(code) == 12 else code, symbology)
        if result is None:
            self._notify(Notice(f"{code} is not a valid barcode number: check the digits", ok=False))
            return
        self._notify(self.session.on_scan(result))

    def change_quantity(self, line_key: str, delta: int) -> None:
        self._notify(self.session.change_quantity(line_key, delta))

    def remove(self, line_key: str) -> None:
        self._notify(self.session.remove(line_key))

    # -- navigation --------------------------------------------------------------------------------

    def show_start(self) -> None:
        self.following = False
        self.screens.current = "start"

    def show_scan(self) -> None:
        self.scan_screen.update(self.session.basket())
        self.screens.current = "scan"

    def show_basket(self) -> None:
        self.session.sync()
        self.basket_screen.update(self.session.basket())
        self.screens.current = "basket"

    def show_checkout(self) -> None:
        if self.session.status == "recheck":
            self.following = False  # a new unit code is needed after fixing the basket
        self.checkout_screen.heading.text = tr("ui.unit_title")
        self.checkout_screen.message.text = ""
        self.checkout_screen.details.clear_widgets()
        self.checkout_screen.show_camera(True)
        self.checkout_screen.toast.say(tr("ui.unit_hint"))
        self.screens.current = "checkout"

    def show_receipts(self) -> None:
        self.receipts_screen.update(self.session.queue.receipts())
        self.screens.current = "receipts"

    def show_receipt(self, receipt: dict[str, Any]) -> None:
        self.receipt_screen.update(receipt)
        self.screens.current = "receipt"

    def _resumed(self) -> None:
        pending = self.session.pending()
        note = tr("ui.still_to_sync", count=pending) if pending else ""
        self.show_scan()
        self.scan_screen.toast.say(tr("ui.welcome_back", note=note))
        if self.session.status in ("checking_out", "flagged"):
            self.show_checkout()
            self.following = True
            self._show_verdict()

    # -- following the session ---------------------------------------------------------------------

    def poll(self) -> None:
        """Once a second: send queued scans, and while checking out, follow the verdict."""
        if self.session.pending():
            self.session.sync()
            self._refresh_views()
        if self.following:
            self._show_verdict()

    def _show_verdict(self) -> None:
        view = self.session.follow()
        self.checkout_screen.show_verdict(view, self.session.receipt, self.session.basket())
        if view.stage in ("pass", "closed") and (self.session.receipt is not None or view.stage == "closed"):
            self.following = False
        if view.stage == "recheck":
            self.following = False

    def _notify(self, notice: Notice) -> None:
        refused = self.session.take_refusal()
        if refused:
            notice = Notice(refused, ok=False)
        screen = self.screens.current_screen
        if hasattr(screen, "toast"):
            screen.toast.say(notice.text, notice.ok)
        if hasattr(screen, "preview"):
            screen.preview.flash(notice.ok)
        feedback(notice.ok)
        if notice.event == "trip":
            self.show_scan()
            self.scan_screen.toast.say(notice.text, notice.ok)
        elif notice.event == "ask-new-trip":
            self.keep_basket_dialog = KeepBasketDialog(
                notice.text, lambda start_new: self._notify(self.session.answer_new_trip(start_new))
            ).open()
        elif notice.event == "checkout":
            if self.screens.current != "checkout":
                self.show_checkout()
            self.following = True
            self._show_verdict()
        self._refresh_views()

    def _refresh_views(self) -> None:
        view = self.session.basket()
        self.scan_screen.update(view)
        if self.screens.current == "basket":
            self.basket_screen.update(view)
