"""The backend's fixtures (migrated database, app, live server, unit credentials) for the app's tests."""

from __future__ import annotations

from tests.backend.conftest import app, live_server, migrated_engine, unit_credentials

__all__ = ["app", "live_server", "migrated_engine", "unit_credentials"]
