"""Database engines: the embedded SQLite file by default, PostgreSQL in production (``DATABASE_URL``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

DEFAULT_DATABASE_URL = "sqlite:///var/basketcheck.sqlite3"


def make_engine(url: str = DEFAULT_DATABASE_URL, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the settings each dialect needs to keep data safe.

    SQLite gets foreign keys on, WAL (readers do not block the writer) and a busy timeout, so several
    processes of the embedded store can share one file."""
    if not url.startswith("sqlite"):
        # Room for the API's thread pool (40 threads) without making requests queue for a connection.
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 30)
        # No ping before every checkout: it is a round trip on every request (a tenth of a scan's). A connection
        # the server dropped (a restart) fails one request, and that failure makes the pool replace every
        # connection older than it; clients retry (scan events are idempotent, payments carry an
        # Idempotency-Key). Connections are renewed every half hour anyway, before idle-timeouts in between.
        kwargs.setdefault("pool_pre_ping", False)
        kwargs.setdefault("pool_recycle", 1800)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine
