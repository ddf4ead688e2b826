"""``basketcheck app``: the shopper app on a desktop, with a webcam or a folder of images as the camera."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from backend.cli import CliError


def default_data_dir() -> Path:
    """Where the app keeps its offline queue and receipts: ``$XDG_DATA_HOME/basketcheck-app``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "basketcheck-app"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default="http://127.0.0.1:8000", help="backend URL (default %(default)s)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--frames", type=Path, metavar="DIR", help="use the images in DIR as the camera")
    source.add_argument("--camera", type=int, default=0, metavar="INDEX", help="OpenCV camera index (default 0)")
    parser.add_argument("--data-dir", type=Path, default=None, help="offline queue and receipts (default: XDG data)")
    parser.add_argument("--store", default=None, help="start a trip in this store right away")
    parser.add_argument("--seconds-per-frame", type=float, default=1.5, help="with --frames: how long each shows")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # Kivy must not read basketcheck's own arguments
    from scanner_app.api_client import ApiClient
    from scanner_app.frames import CaptureSource, FolderSource, FrameSource
    from scanner_app.offline_queue import OfflineQueue
    from scanner_app.session import ShopperSession

    source: FrameSource
    if args.frames is not None:
        if not args.frames.is_dir():
            raise CliError(f"--frames {args.frames}: not a folder")
        try:
            source = FolderSource(args.frames, seconds=args.seconds_per_frame)
        except FileNotFoundError as exc:
            raise CliError(str(exc)) from None
    else:
        source = CaptureSource(args.camera)
    data_dir = args.data_dir or default_data_dir()
    queue = OfflineQueue(data_dir / "queue.sqlite3")
    client = ApiClient(args.backend)
    session = ShopperSession(client, queue)
    try:
        from scanner_app.ui.app import ScannerApp
    except ImportError as exc:
        raise CliError(f"the app needs Kivy: pip install 'basketcheck[app]' ({exc})") from None
    app = ScannerApp(session, source)
    if args.store:
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: app.start_trip(args.store), 0)
    try:
        app.run()
    except OSError as exc:
        raise CliError(f"camera: {exc}") from None
    finally:
        client.close()
        queue.close()
    return 0
