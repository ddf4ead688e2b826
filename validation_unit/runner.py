"""Puts a whole unit together from its config: scale, cameras, detector, backend, station and shopper screen.

Used by ``basketcheck unit run`` and by the end-to-end tests (which run it against the simulator).
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Sequence
from typing import Any

from validation_unit.config import CameraEntry, UnitConfig
from validation_unit.views import ViewGeometry

log = logging.getLogger(__name__)


def view_geometry(entries: Sequence[CameraEntry]) -> dict[str, ViewGeometry]:
    """Where each configured camera looks: its tray homography (if given) and its anchor (by default the box's
    centre for the first camera, the top view, and the bottom edge's middle for the others, oblique views)."""
    return {
        c.id: ViewGeometry(
            tuple(tuple(row) for row in c.tray_homography) if c.tray_homography is not None else None,
            c.anchor or ("centre" if i == 0 else "bottom"),
        )
        for i, c in enumerate(entries)
    }


class UnitStartError(RuntimeError):
    """Something the unit needs is missing or broken at start (the message says what)."""


class UnitRunner:
    def __init__(self, config: UnitConfig) -> None:
        from firmware_bridge.scale import ScaleError, open_scale
        from validation_unit.backend_client import BackendClient, BackendError, Credentials, VerdictSender
        from validation_unit.backend_source import BackendSource
        from validation_unit.camera import Camera, quiet_opencv
        from validation_unit.metrics import UnitMetrics
        from validation_unit.screen import ScreenStateHolder
        from validation_unit.station import Station

        self.config = config
        assert config.credentials is not None
        try:
            credentials = Credentials.load(config.credentials)
        except BackendError as exc:
            raise UnitStartError(str(exc)) from None
        self.unit_id = credentials.unit_id
        self.detector, self.model_version = self._detector()
        try:
            options: dict[str, Any] = {}
            if config.scale.kind == "firmware":
                options["zero_path"] = config.scale.zero_file or config.credentials.parent / "scale-zero.json"
                if not config.scale.dynamic_weighing:
                    options["dynamic"] = None  # the classic stability rule alone
            self.scale = open_scale(config.scale.url, config.scale.kind, config.scale.calibration, **options)
        except (ScaleError, OSError) as exc:
            raise UnitStartError(f"scale {config.scale.url}: {exc}") from None
        quiet_opencv()
        entries = config.camera_list()
        self.cameras = {c.id: Camera(c.url, name=c.id).start() for c in entries}
        self.camera = next(iter(self.cameras.values()), None)  # the primary
        geometry = view_geometry(entries)
        self.client = BackendClient(
            config.backend.url or credentials.backend_url, credentials, timeout_s=config.backend.timeout_s
        )
        self.metrics = UnitMetrics()
        self.sender = VerdictSender(self.client, on_result=self._sent).start()
        self.source = BackendSource(self.client, self.sender)
        try:
            products = self.client.products()
        except BackendError as exc:
            log.warning("no product list yet (%s): residuals are explained without catalog names", exc)
            products = {}
        self.screen = ScreenStateHolder()
        e_g = 5.0
        self.station = Station(
            scale=self.scale,
            cameras=self.cameras,
            geometry=geometry,
            associate_by_place=config.camera.association == "place",
            evidence_only=[c.id for c in entries if not c.detect],
            detector=self.detector,
            source=self.source,
            unit_id=self.unit_id,
            policy=config.to_policy(scale_e_g=e_g),
            timing=config.to_timing(),
            products=products,
            screen=self.screen,
            metrics=self.metrics,
            frozen_diff=config.camera.frozen_diff,
            frame_timeout_s=config.camera.frame_timeout_s,
            poll_s=config.backend.poll_s,
            heartbeat_s=config.backend.heartbeat_s,
            model_version=self.model_version,
        )
        self._server: Any = None
        self._server_thread: threading.Thread | None = None
        self._done = threading.Event()
        self.screen_url = ""

    def _detector(self) -> tuple[Any, str]:
        from vision.detector import Detector
        from vision.errors import ModelError

        vision = self.config.vision
        try:
            detector = Detector.from_path(vision.model, variant=vision.variant, threads=vision.threads)
        except ModelError as exc:
            raise UnitStartError(f"product detector: {exc}") from None
        digest = detector.card.sha256.get(detector.model_path.name, "")
        return detector, f"{detector.model_path.name}@{digest.removeprefix('sha256:')[:12]}"

    def _sent(self, document: dict[str, Any], answer: Any, error: str | None) -> None:
        self.metrics.sent(error is None)

    def start(self) -> UnitRunner:
        self._start_screen()
        self.station.start()
        return self

    def _start_screen(self) -> None:
        import uvicorn
        from fastapi import Response

        from validation_unit.screen import create_screen_app

        app = create_screen_app(self.screen.get, self.screen.wait_change)

        @app.get("/metrics")
        def metrics() -> Response:
            return Response(self.metrics.render(), media_type="text/plain; version=0.0.4")

        @app.get("/health")
        def health() -> dict[str, Any]:
            return self.station.health()

        host, port = self.config.screen.host, self.config.screen.port
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise UnitStartError(f"shopper screen: cannot listen on {host}:{port} ({exc})") from None
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1, lifespan="off")
        self._server = uvicorn.Server(config)
        self._server_thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="screen", daemon=True
        )
        self._server_thread.start()
        self.screen_url = f"http://{host}:{port}/"

    def wait(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: self._done.set())
        while not self._done.wait(0.5):
            pass

    def stop(self) -> None:
        self._done.set()
        self.station.stop()
        if self._server is not None:
            self._server.should_exit = True
        if self._server_thread is not None:
            self._server_thread.join(5.0)
        self.sender.stop()
        for camera in self.cameras.values():
            camera.stop()
        self.scale.close()
        self.client.close()
