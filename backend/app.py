"""The store backend's FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from backend import migrate, problems
from backend.api import catalog, health, trips
from backend.cli import version
from backend.db import make_engine
from backend.settings import Settings


class NotMigratedError(RuntimeError):
    """The database schema is missing or older than this code."""


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The backend for ``settings`` (read from the environment when not given).

    Refuses to start on a database that is not migrated to the current schema."""
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url)
    current = migrate.current_revision(engine)
    if current != migrate.head_revision():
        raise NotMigratedError(
            f"the database is at schema revision {current or 'none'}, this backend needs "
            f"{migrate.head_revision()}: run 'basketcheck backend migrate'"
        )
    app = FastAPI(title="basketcheck store backend", version=version())
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker(engine, expire_on_commit=False)
    problems.install(app)
    for module in (health, catalog, trips):
        app.include_router(module.router)
    return app
