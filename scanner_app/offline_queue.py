"""Scan events kept on the phone until the backend has them: SQLite in the app's data folder.

Each event gets its client event id when it is queued, so sending it twice (a lost reply, a crash between
send and delete) is harmless: the backend answers "duplicate" and applies it once. Pure storage, no network.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    trip_id TEXT NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS app_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS receipt (
    trip_id TEXT PRIMARY KEY,
    saved_at TEXT NOT NULL,
    body TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class PendingEvent:
    """A queued scan event, in the shape ``POST /v1/trips/{id}/events`` takes."""

    trip_id: str
    event_id: str
    body: dict[str, Any]


def new_event(
    action: str,
    *,
    code: str | None = None,
    symbology: str | None = None,
    line_key: str | None = None,
    quantity: int = 1,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """An event body with a fresh client event id and the phone's (timezone-aware) clock."""
    body: dict[str, Any] = {
        "event_id": uuid.uuid4().hex,
        "action": action,
        "quantity": quantity,
        "client_time": (now or dt.datetime.now(dt.UTC)).isoformat(),
    }
    if code is not None:
        body["code"] = code
    if symbology is not None:
        body["symbology"] = symbology
    if line_key is not None:
        body["line_key"] = line_key
    return body


class OfflineQueue:
    """FIFO of scan events per trip, the receipts history and the open trip, in one SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The camera thread queues while the sync thread sends: one connection, one lock.
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def push(self, trip_id: str, body: dict[str, Any]) -> PendingEvent:
        """Queue one event (its ``event_id`` must be set) for ``trip_id``."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO pending_event (trip_id, event_id, body) VALUES (?, ?, ?)",
                (trip_id, body["event_id"], json.dumps(body)),
            )
        return PendingEvent(trip_id, body["event_id"], body)

    def pending(self, trip_id: str, limit: int = 100) -> list[PendingEvent]:
        """The oldest queued events of a trip, in the order they were scanned."""
        with self._lock:
            rows = self._db.execute(
                "SELECT trip_id, event_id, body FROM pending_event WHERE trip_id = ? ORDER BY seq LIMIT ?",
                (trip_id, limit),
            ).fetchall()
        return [PendingEvent(t, e, json.loads(b)) for t, e, b in rows]

    def count(self, trip_id: str) -> int:
        with self._lock:
            (n,) = self._db.execute("SELECT count(*) FROM pending_event WHERE trip_id = ?", (trip_id,)).fetchone()
        return int(n)

    def acknowledge(self, event_ids: list[str]) -> None:
        """Drop events the backend has confirmed (applied or duplicate)."""
        with self._lock:
            self._db.executemany("DELETE FROM pending_event WHERE event_id = ?", [(e,) for e in event_ids])

    def remember(self, key: str, value: str | None) -> None:
        """Keep a small piece of app state (the shopper's token, the open trip) across restarts."""
        with self._lock:
            if value is None:
                self._db.execute("DELETE FROM app_state WHERE key = ?", (key,))
            else:
                self._db.execute("INSERT OR REPLACE INTO app_state (key, value) VALUES (?, ?)", (key, value))

    def recall(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM app_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def save_receipt(self, trip_id: str, receipt: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO receipt (trip_id, saved_at, body) VALUES (?, ?, ?)",
                (trip_id, dt.datetime.now(dt.UTC).isoformat(), json.dumps(receipt)),
            )

    def receipts(self) -> list[dict[str, Any]]:
        """Saved receipts, newest first."""
        with self._lock:
            rows = self._db.execute("SELECT body FROM receipt ORDER BY saved_at DESC").fetchall()
        return [json.loads(body) for (body,) in rows]
