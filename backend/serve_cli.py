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
    p.add_argument("--address", default=None, help="address printed on receipts; lines separated by '|'")
    p.add_argument("--vat-id", default=None, help="VAT id printed on receipts (USt-IdNr., e.g. DE123456789)")
    p.add_argument("--audit-base-rate", type=float, default=None, help="chance of a random audit for a new shopper")
    p.add_argument("--audit-min-rate", type=float, default=None, help="chance of an audit for the most trusted")
    p.add_argument(
        "--audit-value-doubling", type=int, default=None, help="basket value (minor units) that doubles the chance"
    )
    p.set_defaults(handler=_add_store)
    p = sub.add_parser("add-staff", help="add a staff account (password read from standard input)")
    p.add_argument("username")
    p.add_argument("--name", required=True, help="display name")
    p.add_argument("--role", choices=("staff", "manager"), default="staff")
    p.add_argument("--store", default=None, help="limit the account to one store (default: all stores)")
    p.set_defaults(handler=_add_staff)
    p = sub.add_parser("unlock-staff", help="lift a staff account's sign-in lockout after too many wrong passwords")
    p.add_argument("username")
    p.set_defaults(handler=_unlock_staff)


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
    policy_args = {
        "base_rate": args.audit_base_rate,
        "min_rate": args.audit_min_rate,
        "value_doubling_minor": args.audit_value_doubling,
    }
    for key, value in policy_args.items():
        if value is not None and (value < 0 or (key.endswith("rate") and value > 1)):
            raise CliError(f"--audit-{key.replace('_', '-')}: out of range")
    engine = _engine(settings)
    _require_migrated(engine)
    with Session(engine) as session, session.begin():
        store = session.get(Store, args.store_id)
        if store is None:
            store = Store(id=args.store_id, name=args.name, currency=currency, audit_policy={})
            session.add(store)
        else:
            store.name, store.currency = args.name, currency
        if args.address is not None:
            store.address = "\n".join(part.strip() for part in args.address.split("|") if part.strip())
        if args.vat_id is not None:
            store.vat_id = args.vat_id.strip()
        store.audit_policy = {**(store.audit_policy or {}), **{k: v for k, v in policy_args.items() if v is not None}}
        policy = store.audit_policy
    print(f"store {args.store_id}: {args.name} ({currency}), audit policy {policy or 'default'}")
    return 0


def _require_migrated(engine: Engine) -> None:
    from backend import migrate

    if not migrate.is_current(engine):
        raise CliError("the database is not migrated: run 'basketcheck backend migrate' first")


def _serve(args: argparse.Namespace) -> int:
    from backend.app import NotMigratedError, create_app

    settings = load_settings()
    try:
        create_app(settings)  # fail here, with one line, rather than inside a worker
    except NotMigratedError as exc:
        raise CliError(str(exc)) from None
    run_server("backend.app:create_app", host=args.host, port=args.port, workers=args.workers)
    return 0


def run_server(factory: str, *, host: str, port: int, workers: int, log_level: str = "info") -> None:
    """Serve the app that ``factory`` ("module:function") creates; the backend benchmark serves the same way."""
    import uvicorn

    from backend.logging_setup import uvicorn_log_config

    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=uvicorn_log_config(log_level),
        access_log=False,  # the metrics middleware counts requests; a log line per request costs CPU
    )


def _unlock_staff(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from backend.login_throttle import unlock

    engine = _engine(load_settings())
    _require_migrated(engine)
    with Session(engine) as session, session.begin():
        cleared = unlock(session, args.username)
    print(f"{args.username}: {'sign-in unlocked' if cleared else 'was not locked'}")
    return 0


def _add_staff(args: argparse.Namespace) -> int:
    import getpass
    import sys

    from sqlalchemy.orm import Session

    from backend.models import StaffUser, Store
    from backend.staff_auth import find_user, hash_password

    settings = load_settings()
    engine = _engine(settings)
    _require_migrated(engine)
    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    with Session(engine) as session, session.begin():
        if args.store and session.get(Store, args.store) is None:
            raise CliError(f"no store {args.store!r}: add it with 'basketcheck backend add-store'")
        user = find_user(session, args.username)
        if user is None:
            session.add(
                StaffUser(
                    username=args.username,
                    display_name=args.name,
                    password_hash=password_hash,
                    role=args.role,
                    store_id=args.store,
                )
            )
        else:
            user.display_name, user.password_hash, user.role, user.store_id = (
                args.name,
                password_hash,
                args.role,
                args.store,
            )
    print(f"staff {args.username} ({args.role}{', store ' + args.store if args.store else ''})")
    return 0
