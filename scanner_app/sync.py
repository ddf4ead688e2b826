"""Sending queued scan events to the backend: one pass, called after each scan and on a timer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner_app.api_client import ApiClient, Offline
from scanner_app.offline_queue import OfflineQueue


@dataclass
class SyncResult:
    """What one sync pass did: events confirmed, still pending, and the backend's trip if it answered."""

    sent: int
    pending: int
    trip: dict[str, Any] | None
    online: bool


def sync_once(client: ApiClient, queue: OfflineQueue, trip_id: str, batch: int = 50) -> SyncResult:
    """Send the trip's queued events oldest first until the queue is empty or the backend is unreachable."""
    sent = 0
    trip: dict[str, Any] | None = None
    while True:
        events = queue.pending(trip_id, limit=batch)
        if not events:
            break
        try:
            answer = client.send_events(trip_id, [e.body for e in events])
        except Offline:
            return SyncResult(sent, queue.count(trip_id), trip, online=False)
        # Applied and duplicate both mean the backend has it: the event ids make a resend harmless.
        queue.acknowledge([r["event_id"] for r in answer["results"]])
        sent += len(answer["results"])
        trip = answer["trip"]
    return SyncResult(sent, 0, trip, online=True)
