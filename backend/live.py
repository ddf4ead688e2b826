"""Live updates for the staff dashboard: publish on commit, fan out to every backend process.

On PostgreSQL an event is sent with ``pg_notify`` inside the transaction that caused it (so it is delivered
only if that transaction commits), and every backend process LISTENs on its own connection and passes what
it hears to its local subscribers. On SQLite (one machine, embedded) events go straight to the local
subscribers after the commit.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

CHANNEL = "basketcheck_live"
log = logging.getLogger(__name__)


class Hub:
    """In-process fan-out: each subscriber gets its own queue of events (dicts)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[queue.Queue[dict[str, Any]]] = set()

    def subscribe(self) -> queue.Queue[dict[str, Any]]:
        q: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=1000)
        with self._lock:
            self._subscribers.add(q)
        return q

    def unsubscribe(self, q: queue.Queue[dict[str, Any]]) -> None:
        with self._lock:
            self._subscribers.discard(q)

    def deliver(self, payload: dict[str, Any]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for q in subscribers:
            with contextlib.suppress(queue.Full):  # a stalled client must not hold up the others
                q.put_nowait(payload)


def publish(session: Session, payload: dict[str, Any]) -> None:
    """Announce ``payload`` to every dashboard once the session's transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(CHANNEL, json.dumps(payload, default=str))))
    else:
        session.info.setdefault("live_events", []).append(payload)


def install(make_session: sessionmaker[Session], engine: Engine, hub: Hub) -> PostgresListener | None:
    """Wire ``publish`` to ``hub``: after-commit delivery on SQLite, a LISTEN thread on PostgreSQL."""

    @event.listens_for(make_session, "after_commit")
    def _after_commit(session: Session) -> None:
        for payload in session.info.pop("live_events", []):
            hub.deliver(payload)

    @event.listens_for(make_session, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop("live_events", None)

    if engine.dialect.name == "postgresql":
        listener = PostgresListener(engine, hub)
        listener.start()
        return listener
    return None


class PostgresListener(threading.Thread):
    """LISTENs on its own connection and hands notifications to the local hub; reconnects when dropped."""

    def __init__(self, engine: Engine, hub: Hub) -> None:
        super().__init__(name="pg-listen", daemon=True)
        self.engine = engine
        self.hub = hub
        self._stop = threading.Event()
        self.ready = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            try:
                                self.hub.deliver(json.loads(note.payload))
                            except ValueError:
                                log.warning("ignored a malformed live event")
            except psycopg.Error as exc:
                log.warning("live updates: lost the PostgreSQL connection (%s); reconnecting", exc)
                self._stop.wait(1.0)
