"""``basketcheck unit``: register a validation unit with the backend (its credentials), or run one."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from backend.cli import CliError

if TYPE_CHECKING:
    from validation_unit.config import UnitConfig


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser(
        "register",
        help="register a unit in the backend's database and write its credentials (private key) to a file",
    )
    p.add_argument("unit_id", help="a short name unique in the chain, e.g. store1-unit2")
    p.add_argument("--store", required=True, help="the store the unit stands in")
    p.add_argument("--name", default=None, help="display name (default: the unit id)")
    p.add_argument("--out", type=Path, required=True, help="credentials file to write (kept secret on the unit)")
    p.add_argument("--backend-url", default="http://127.0.0.1:8000", help="the URL the unit reaches the backend at")
    p.add_argument("--force", action="store_true", help="replace the key of an existing unit")
    p.set_defaults(handler=_register)

    r = sub.add_parser("run", help="run the validation unit: scale, camera, detector, shopper screen, backend")
    r.add_argument("--config", type=Path, default=None, help="the unit's TOML config file (see docs/unit.example.toml)")
    r.add_argument("--credentials", type=Path, default=None, help="credentials file (overrides the config's)")
    r.add_argument("--serial", default=None, help="the scale's pyserial URL (overrides [scale] url)")
    r.add_argument("--scale-kind", choices=("firmware", "mtsics"), default=None)
    r.add_argument("--camera", default=None, help="cv2.VideoCapture source: device index or URL ('' = none)")
    r.add_argument("--backend", default=None, help="the backend's URL (default: the credentials' URL)")
    r.add_argument("--model", type=Path, default=None, help="detector model folder (default: vision/models)")
    r.add_argument("--screen-host", default=None)
    r.add_argument("--screen-port", type=int, default=None, help="shopper screen port (0: any free port)")
    r.add_argument("--check-config", action="store_true", help="only check the config file and exit")
    r.set_defaults(handler=_run)


def _register(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from backend.models import Store, Unit
    from backend.serve_cli import _engine, _require_migrated, load_settings
    from backend.signing import generate_keys

    if args.out.exists() and not args.force:
        raise CliError(f"{args.out} exists: pass --force to replace the unit's credentials")
    settings = load_settings()
    engine = _engine(settings)
    _require_migrated(engine)
    keys = generate_keys()
    with Session(engine) as session, session.begin():
        if session.get(Store, args.store) is None:
            raise CliError(f"no store {args.store!r}: add it with 'basketcheck backend add-store'")
        unit = session.get(Unit, args.unit_id)
        if unit is not None and not args.force:
            raise CliError(f"unit {args.unit_id!r} is already registered: pass --force to issue a new key")
        if unit is None:
            session.add(
                Unit(id=args.unit_id, store_id=args.store, name=args.name or args.unit_id, public_key=keys.public_key)
            )
        else:
            unit.public_key, unit.store_id, unit.active = keys.public_key, args.store, True
    credentials = {
        "unit_id": args.unit_id,
        "store_id": args.store,
        "backend_url": args.backend_url,
        "private_key": keys.private_key,
        "public_key": keys.public_key,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(credentials, fh, indent=2)
    print(f"unit {args.unit_id} registered in store {args.store}; credentials written to {args.out} (mode 600)")
    return 0


def _run(args: argparse.Namespace) -> int:
    from validation_unit.config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    updates = {
        ("scale", "url"): args.serial,
        ("scale", "kind"): args.scale_kind,
        ("camera", "url"): args.camera,
        ("backend", "url"): args.backend,
        ("vision", "model"): args.model,
        ("screen", "host"): args.screen_host,
        ("screen", "port"): args.screen_port,
    }
    for (section, key), value in updates.items():
        if value is not None:
            part = getattr(config, section).model_copy(update={key: value})
            config = config.model_copy(update={section: part})
    if args.camera is not None:
        config = config.model_copy(update={"cameras": []})  # the command line's one camera replaces the list
    if args.credentials is not None:
        config = config.model_copy(update={"credentials": args.credentials})
    if config.credentials is None:
        raise CliError("no credentials: pass --credentials FILE or set 'credentials' in the config file")
    if not config.scale.url:
        raise CliError("no scale: pass --serial URL or set [scale] url in the config file")
    if args.check_config:
        print("config OK")
        return 0
    from validation_unit.runner import UnitRunner, UnitStartError

    try:
        runner = UnitRunner(config)
        runner.start()
    except UnitStartError as exc:
        raise CliError(str(exc)) from None
    print(
        f"unit {runner.unit_id}: scale {config.scale.url} ({config.scale.kind}), "
        f"camera {_cameras_text(config)}, "
        f"model {runner.model_version or 'none'}; shopper screen at {runner.screen_url}",
        flush=True,
    )
    try:
        runner.wait()
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
    return 0


def _cameras_text(config: UnitConfig) -> str:
    """The cameras for the start line: the one camera's URL as before, or each camera's id and URL."""
    if not config.cameras:
        return str(config.camera.url or "none")
    return ", ".join(f"{c.id} {c.url}" for c in config.cameras)
