"""The shopper's trip as the app runs it: scans in, events queued and synced, checkout, verdict, receipt.

No UI here: the Kivy screens call these methods and render what they return, so the whole flow is tested
against a live backend without a window. Thread use: the UI thread calls everything; network calls are short
(the client's timeout) and failures to reach the backend leave events queued rather than raising.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scanner_app import basket_view
from scanner_app.api_client import ApiClient, ApiError, Offline, is_unit_qr, store_from_qr
from scanner_app.app_i18n import money, tr
from scanner_app.barcode import QR, Result
from scanner_app.debounce import Debouncer
from scanner_app.offline_queue import OfflineQueue, new_event
from scanner_app.sync import sync_once


@dataclass
class Notice:
    """A message for the shopper (the toast), with whether it is good news (a beep) or a problem (a buzz)."""

    text: str
    ok: bool = True
    event: str = ""  # "trip" when a trip started, "checkout" when the unit accepted the basket, "ask-new-trip"


OPEN_TRIP = ("shopping", "checking_out", "recheck")  # a trip the shopper is still in


def must_ask_before_new_trip(status: str, item_count: int, pending: int) -> bool:
    """Pure rule: a store code scanned mid-trip must not silently replace a basket that holds something (on the
    store's side or still queued on the phone); an empty or finished trip may simply be replaced."""
    return status in OPEN_TRIP and (item_count > 0 or pending > 0)


@dataclass
class ShopperSession:
    """One shopper, one trip at a time."""

    client: ApiClient
    queue: OfflineQueue
    trip_id: str | None = None
    trip: dict[str, Any] | None = None
    online: bool = True
    receipt: dict[str, Any] | None = None
    debouncer: Debouncer = field(default_factory=Debouncer)
    _checkout_key: str | None = None
    asking_store: str | None = None  # the store whose code was scanned mid-trip, until the shopper answers

    # -- trip --------------------------------------------------------------------------------------

    def start_trip(self, store_id: str) -> Notice:
        """Start a trip in ``store_id`` (registering the shopper on first use)."""
        try:
            if self.client.token is None:
                self.client.register()
            self.trip = self.client.start_trip(store_id)
        except Offline:
            self.online = False
            return Notice(tr("notice.offline_store"), ok=False)
        except ApiError as exc:
            return Notice(exc.detail, ok=False)
        self.online = True
        self.trip_id = str(self.trip["trip_id"])
        self.queue.remember("token", self.client.token)
        self.queue.remember("trip_id", self.trip_id)
        self.receipt = None
        self._checkout_key = None
        self.debouncer.reset()
        return Notice(tr("notice.trip_started", store=store_id), event="trip")

    def on_store_code(self, store_id: str) -> Notice:
        """A store's QR code: start a trip, unless one with a basket is under way; then ask (keep is the default)."""
        if self.trip_id is not None:
            items = sum(int(line["quantity"]) for line in self._lines())
            if must_ask_before_new_trip(self.status, items, self.pending()):
                self.asking_store = store_id
                return Notice(
                    tr("notice.ask_new_trip", items=items + self.pending()),
                    ok=False,
                    event="ask-new-trip",
                )
            if self.status in OPEN_TRIP and self.trip is not None and self.trip.get("store_id") == store_id:
                return Notice(tr("notice.already_here"))
        return self.start_trip(store_id)

    def answer_new_trip(self, start_new: bool = False) -> Notice:
        """The shopper's answer to "keep your basket?": only an explicit yes to a new trip replaces it, and only
        once every queued scan of the old trip has reached the store (queued scans are never dropped)."""
        store_id, self.asking_store = self.asking_store, None
        if not start_new or store_id is None:
            return Notice(tr("notice.basket_kept"))
        self.sync()
        if self.pending():
            return Notice(tr("notice.pending_new_trip"), ok=False)
        return self.start_trip(store_id)

    def resume(self) -> bool:
        """Pick up the shopper and open trip of the last run (the app was closed with scans still queued)."""
        token, trip_id = self.queue.recall("token"), self.queue.recall("trip_id")
        if token is None:
            return False
        self.client.token = token
        if trip_id is None:
            return False
        self.trip_id = trip_id
        self.sync()
        if self.trip is None:
            self.refresh()
        if self.trip is not None and self.status in ("paid", "abandoned", "passed"):
            self.queue.remember("trip_id", None)  # that trip is over; the shopper starts a new one
            self.trip_id, self.trip = None, None
            return False
        return True

    @property
    def status(self) -> str:
        return str(self.trip["status"]) if self.trip else "none"

    # -- scanning ----------------------------------------------------------------------------------

    def on_codes(self, results: Iterable[Result], now: float | None = None) -> list[Notice]:
        """Codes seen in one camera frame: each new scan (debounced) is routed by what it is."""
        notices: list[Notice] = []
        for result in self.debouncer.feed(results, time.monotonic() if now is None else now):
            notices.append(self.on_scan(result))
        return notices

    def on_scan(self, result: Result) -> Notice:
        """One scan: a store QR starts a trip, a unit QR checks out, anything else is an item."""
        if result.symbology == QR:
            store = store_from_qr(result.text)
            if store is not None:
                return self.on_store_code(store)
            if is_unit_qr(result.text):
                return self.checkout(result.text)
            return Notice(tr("notice.bad_qr"), ok=False)
        if self.trip_id is None:
            return Notice(tr("notice.scan_store_first"), ok=False)
        return self.add_item(result.text, result.symbology)

    def add_item(self, code: str, symbology: str | None = None) -> Notice:
        """Queue an 'add' for a scanned or typed code and try to send it now."""
        assert self.trip_id is not None
        if self.status not in ("shopping", "recheck"):
            return Notice(tr("notice.basket_closed", status=self.status), ok=False)
        self.queue.push(self.trip_id, new_event("add", code=code, symbology=symbology))
        before = {line["line_key"]: line["quantity"] for line in self._lines()}
        self.sync()
        if not self.online:
            return Notice(tr("notice.saved_offline", code=code))
        for line in self._lines():
            if line["quantity"] != before.get(line["line_key"]):
                return Notice(
                    tr(
                        "notice.added",
                        name=line["name"],
                        total=money(line["total_minor"], self._currency()),
                    )
                )
        return Notice(tr("notice.scanned", code=code))

    def set_quantity(self, line_key: str, quantity: int) -> Notice:
        """Change a line's quantity (0 removes it)."""
        assert self.trip_id is not None
        if quantity <= 0:
            # "remove" takes units off a line; taking all of them off removes the line.
            current = next((int(line["quantity"]) for line in self._lines() if line["line_key"] == line_key), 1)
            self.queue.push(self.trip_id, new_event("remove", line_key=line_key, quantity=max(current, 1)))
        else:
            self.queue.push(self.trip_id, new_event("set_quantity", line_key=line_key, quantity=quantity))
        self.sync()
        return Notice(tr("notice.removed") if quantity <= 0 else tr("notice.quantity", quantity=quantity))

    def change_quantity(self, line_key: str, delta: int) -> Notice:
        current = next((int(line["quantity"]) for line in self._lines() if line["line_key"] == line_key), 0)
        return self.set_quantity(line_key, current + delta)

    def remove(self, line_key: str) -> Notice:
        return self.set_quantity(line_key, 0)

    def sync(self) -> None:
        """Send what is queued; remember whether the backend answered."""
        if self.trip_id is None:
            return
        try:
            result = sync_once(self.client, self.queue, self.trip_id)
        except ApiError as exc:
            # A refused batch (e.g. a code not in the catalog) must not block the queue forever.
            self._drop_refused()
            self.online = True
            self._refused = exc.detail
            return
        self.online = result.online
        if result.trip is not None:
            self.trip = result.trip
        elif result.online:
            self.refresh()

    _refused: str | None = None

    def _drop_refused(self) -> None:
        """Send queued events one by one and drop those the backend refuses (its answer is final)."""
        assert self.trip_id is not None
        for event in self.queue.pending(self.trip_id):
            try:
                answer = self.client.send_events(self.trip_id, [event.body])
                self.trip = answer["trip"]
            except ApiError:
                pass
            except Offline:
                self.online = False
                return
            self.queue.acknowledge([event.event_id])

    def take_refusal(self) -> str | None:
        """The backend's reason for the last refused scan, once."""
        refused, self._refused = self._refused, None
        return refused

    def refresh(self) -> None:
        """Re-read the trip from the backend (status after checkout, basket after staff changes)."""
        if self.trip_id is None:
            return
        try:
            self.trip = self.client.trip(self.trip_id)
            self.online = True
        except Offline:
            self.online = False

    # -- checkout ----------------------------------------------------------------------------------

    def checkout(self, unit_qr: str) -> Notice:
        """Bind the trip to the unit whose QR was scanned and authorise the card (retry-safe)."""
        if self.trip_id is None:
            return Notice(tr("notice.start_first"), ok=False)
        self.sync()
        if self.pending():
            return Notice(tr("notice.pending_checkout"), ok=False)
        self._checkout_key = self._checkout_key or uuid.uuid4().hex
        try:
            answer = self.client.checkout(self.trip_id, unit_qr, idempotency_key=self._checkout_key)
        except Offline:
            self.online = False
            return Notice(tr("notice.offline_unit"), ok=False)
        except ApiError as exc:
            self._checkout_key = None
            return Notice(exc.detail, ok=False)
        # A new key for the next checkout (after a recheck the unit shows a new code).
        self._checkout_key = None
        self.trip = answer["trip"]
        return Notice(tr("notice.checking_out"), event="checkout")

    def follow(self) -> basket_view.VerdictView:
        """Poll the trip once and say where the checkout stands; fetch and keep the receipt once paid."""
        self.refresh()
        if self.status == "paid" and self.receipt is None and self.trip_id is not None:
            try:
                self.receipt = self.client.receipt(self.trip_id)
                self.queue.save_receipt(self.trip_id, self.receipt)
            except (Offline, ApiError):
                pass
        return basket_view.verdict_view(self.status, (self.trip or {}).get("prompts"))

    # -- views -------------------------------------------------------------------------------------

    def pending(self) -> int:
        return self.queue.count(self.trip_id) if self.trip_id else 0

    def basket(self) -> basket_view.BasketView:
        return basket_view.basket_view(self.trip, self.pending())

    def _lines(self) -> list[dict[str, Any]]:
        return list(((self.trip or {}).get("basket") or {}).get("lines", []))

    def _currency(self) -> str:
        return str(((self.trip or {}).get("basket") or {}).get("currency", "EUR"))
