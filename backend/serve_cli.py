"""``basketcheck backend``: migrate the database, add stores, serve the API."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pydantic import ValidationError

from backend.cli import CliError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from backend.settings import Settings


def load_settings() -> Settings:
    from backend.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CliError(f"bad configuration: {first['msg']}") from None


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("migrate", help="create or upgrade the database schema (DATABASE_URL)")
    p.set_defaults(handler=_migrate)
    p = sub.add_parser("serve", help="serve the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL for more than one)")
    p.set_defaults(handler=_serve)
    p = sub.add_parser("add-store", help="add (or rename) a store")
    p.add_argument("store_id")
    p.add_argument("--name", required=True)
    p.add_argument("--currency", default=None, help="ISO 4217 code (default: the backend's currency)")
    p.set_defaults(handler=_add_store)


def _engine(settings: Settings) -> Engine:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from backend.db import make_engine

    url = settings.database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return make_engine(url)


def _migrate(_args: argparse.Namespace) -> int:
    from sqlalchemy.exc import OperationalError

    from backend import migrate

    settings = load_settings()
    engine = _engine(settings)
    try:
        before = migrate.current_revision(engine)
        after = migrate.upgrade(engine)
    except OperationalError as exc:
        raise CliError(f"cannot reach the database: {exc.orig}") from None
    word = "already at" if before == after else f"migrated from {before or 'empty'} to"
    print(f"database {engine.url.render_as_string(hide_password=True)}: {word} revision {after}")
    return 0


def _add_store(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from backend.domain.money import MoneyError, currency_exponent
    from backend.models import Store

    settings = load_settings()
    currency = (args.currency or settings.currency).upper()
    try:
        currency_exponent(currency)
    except MoneyError as exc:
        raise CliError(str(exc)) from None
    engine = _engine(settings)
    _require_migrated(engine)
    with Session(engine) as session, session.begin():
        store = session.get(Store, args.store_id)
        if store is None:
            session.add(Store(id=args.store_id, name=args.name, currency=currency))
        else:
            store.name, store.currency = args.name, currency
    print(f"store {args.store_id}: {args.name} ({currency})")
    return 0


def _require_migrated(engine: Engine) -> None:
    from backend import migrate

    if not migrate.is_current(engine):
        raise CliError("the database is not migrated: run 'basketcheck backend migrate' first")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from backend.app import NotMigratedError, create_app

    settings = load_settings()
    try:
        create_app(settings)  # fail here, with one line, rather than inside a worker
    except NotMigratedError as exc:
        raise CliError(str(exc)) from None
    uvicorn.run(
        "backend.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers, log_level="info"
    )
    return 0
