"""``basketcheck catalog``: import the store's catalog CSV (all rows or none) and look codes up."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backend.cli import CliError


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("import", help="import a catalog CSV in one transaction; every bad row is reported")
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="check the file without changing the database")
    p.set_defaults(handler=_import)
    p = sub.add_parser("lookup", help="what a scanned code is (GTIN, variable-measure, GS1 element string)")
    p.add_argument("code")
    p.set_defaults(handler=_lookup)


def _import(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from backend.catalog import import_rows
    from backend.catalog_csv import CatalogError, decode_catalog, detect_dialect, parse_catalog
    from backend.serve_cli import _engine, _require_migrated, load_settings

    settings = load_settings()
    try:
        text = decode_catalog(args.file.read_bytes())
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {args.file}: {exc}") from None
    dialect = detect_dialect(text)
    print(f"{args.file}: {dialect.describe()}", file=sys.stderr)
    try:
        rows = parse_catalog(text, store_scheme=settings.store_scheme(), dialect=dialect)
    except CatalogError as exc:
        for error in exc.errors:
            print(f"{args.file}: {error}", file=sys.stderr)
        raise CliError(f"{len(exc.errors)} problem(s) in {args.file}; nothing was imported") from None
    if args.dry_run:
        print(f"{args.file}: {len(rows)} products, no problems (dry run: nothing imported)")
        return 0
    engine = _engine(settings)
    _require_migrated(engine)
    with Session(engine) as session, session.begin():
        report = import_rows(session, rows)
    print(
        f"{args.file}: {len(rows)} products: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged"
    )
    return 0


def _lookup(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from backend.catalog import resolve
    from backend.problems import Problem
    from backend.serve_cli import _engine, _require_migrated, load_settings

    settings = load_settings()
    engine = _engine(settings)
    _require_migrated(engine)
    with Session(engine) as session:
        try:
            r = resolve(session, args.code, None, settings.store_scheme(), settings.currency)
        except Problem as exc:
            raise CliError(exc.detail, 1) from None
        weight = f", {r.scanned.weight_g} g" if r.scanned.weight_g is not None else ""
        print(f"{r.product.gtin14} {r.product.name}{weight}: {r.unit_price_minor} minor units ({r.scanned.kind})")
    return 0
