"""The store backend as the station's :class:`~validation_unit.station.BasketSource`."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from validation_unit.backend_client import BackendClient, VerdictSender
from validation_unit.basket import ExpectedBasket

log = logging.getLogger(__name__)


class BackendSource:
    """Polls the bound trip, keeps a fresh bind code, posts verdicts (in the background, with retries)."""

    def __init__(self, client: BackendClient, sender: VerdictSender) -> None:
        self.client, self.sender = client, sender
        self._qr: str | None = None
        self._qr_valid_until = 0.0
        self._lock = threading.Lock()

    def current(self) -> ExpectedBasket | None:
        return self.client.session()

    def age_check(self) -> str | None:
        """This unit's staff age check as the last poll said (#19): open, a decision of a moment ago, or None."""
        return self.client.age_check

    def bind_qr(self) -> str | None:
        with self._lock:
            if self._qr is None or time.monotonic() > self._qr_valid_until:
                qr, ttl_s = self.client.bind_code()
                self._qr, self._qr_valid_until = qr, time.monotonic() + max(0.0, ttl_s - 15.0)
            return self._qr

    def submit(self, document: dict[str, Any], attachments: dict[str, tuple[str, bytes]]) -> None:
        with self._lock:
            self._qr = None  # the code was used: show a fresh one for the next shopper
        self.sender.send(document, attachments)

    def heartbeat(self, state: str, health: dict[str, Any]) -> None:
        health = {**health, "verdicts_pending": self.sender.pending(), "verdicts_refused": self.sender.failed}
        self.client.heartbeat(state, health)
