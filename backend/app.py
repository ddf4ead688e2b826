"""The store backend's FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from backend import live, metrics, migrate, problems, unit_release
from backend.api import catalog, health, staff, trips, units
from backend.cli import version
from backend.db import make_engine
from backend.models import Trip, utcnow
from backend.payments import settlement
from backend.payments.sandbox import SandboxProvider
from backend.settings import Settings
from backend.staff_web import pages as staff_pages

log = logging.getLogger("backend")
RECONCILE_EVERY_S = 30.0


class NotMigratedError(RuntimeError):
    """The database schema is missing or older than this code."""


def reconcile(app: FastAPI) -> int:
    """Finish what a crash interrupted: half-done payments, and passed trips not yet charged; free the units
    whose bound trip timed out, and void the holds abandoned trips still have."""
    make_session = app.state.sessionmaker
    done = settlement.reconcile(make_session, app.state.payment_provider)
    timeout_s = app.state.settings.unit_bound_timeout_s
    done += len(unit_release.time_out_bound_trips(make_session, app.state.payment_provider, timeout_s))
    done += unit_release.void_abandoned_holds(make_session, app.state.payment_provider)
    with make_session() as session:
        # Only trips passed a while ago: a younger one is being settled by the request that passed it.
        stale = utcnow() - settlement.IN_FLIGHT
        passed = session.scalars(select(Trip.id).where(Trip.status == "passed", Trip.updated_at < stale)).all()
    for trip_id in passed:
        units.settle_passed_trip_app(app, trip_id)
        done += 1
    return done


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

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        listener = live.install(app.state.sessionmaker, engine, app.state.hub)
        finished = await run_in_threadpool(reconcile, app)
        if finished:
            log.info("reconciled %d interrupted payment(s) at start-up", finished)
        task = asyncio.create_task(_reconcile_forever(app))
        try:
            yield
        finally:
            task.cancel()
            if listener is not None:
                listener.stop()

    app = FastAPI(title="basketcheck store backend", version=version(), lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker(engine, expire_on_commit=False)
    app.state.payment_provider = SandboxProvider(engine)
    app.state.hub = live.Hub()
    problems.install(app)
    metrics.install(app)
    for module in (health, catalog, trips, units, staff):
        app.include_router(module.router)
    staff_pages.install(app)
    return app


async def _reconcile_forever(app: FastAPI) -> None:
    while True:
        await asyncio.sleep(RECONCILE_EVERY_S)
        try:
            await run_in_threadpool(reconcile, app)
        except Exception:  # keep reconciling; the next round retries
            log.exception("reconciliation failed")
