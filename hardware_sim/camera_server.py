"""A simulated station camera as an IP camera: MJPEG over HTTP of the live scene, plus a snapshot URL.

``cv2.VideoCapture("http://127.0.0.1:PORT/stream.mjpg")`` opens it like a real network camera, so the
validation unit runs the same capture code on the simulator and on hardware.

Routes (all ``GET``):

* ``/stream.mjpg`` — ``multipart/x-mixed-replace; boundary=frame``, one JPEG part per frame at ``fps``;
* ``/snapshot.jpg`` — the current frame;
* ``/truth.json`` — the camera's id, the scene version and the ground truth of the current frame (tests,
  dataset tools): ``{"camera": "top", "version": 3, "items": [...]}``;
* ``/`` — a page that shows the stream, for a tester's browser.

Each server is one camera of :data:`hardware_sim.views.VIEWS` (``view="top"`` by default: the overhead camera,
:func:`hardware_sim.render.render`; ``"left"``/``"right"``: :func:`hardware_sim.render_views.render_view`). The
picture is that view of the scene's current snapshot with the station's seed, so a test can render the same
snapshot itself and compare. It is re-rendered only when the scene changes.

Faults: :meth:`CameraServer.set_fault` ``"off"`` (the camera is down: streams are cut, requests get
``503``) and ``"frozen"`` (the stream goes on, but shows the last picture whatever happens on the tray).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from hardware_sim.catalog import Catalog
from hardware_sim.scene import Scene

BOUNDARY = "frame"
FAULTS = ("off", "frozen")

_INDEX = b"""<!doctype html><title>basketcheck simulated camera</title>
<body style="margin:0;background:#222"><img src="/stream.mjpg" style="width:100%" alt="camera stream"></body>
"""


def camera_options() -> Any:
    """What the station's camera simulates: lighting and sensor noise; the stream's own JPEG does the rest."""
    from hardware_sim.render import RenderOptions

    return RenderOptions(lighting=True, shadows=True, blur=False, noise=True, glare=False, jpeg=False)


class CameraServer:
    """Serves a :class:`~hardware_sim.scene.Scene` as an MJPEG IP camera on ``host:port`` (port 0: any free one)."""

    def __init__(
        self,
        scene: Scene,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fps: float = 10.0,
        seed: int = 0,
        jpeg_quality: int = 85,
        catalog: Catalog | None = None,
        view: str = "top",
    ) -> None:
        from hardware_sim.render_views import ViewRenderer

        self.view = view
        self._renderer = ViewRenderer(view, catalog)  # KeyError naming the known cameras for an unknown view
        self.scene = scene
        self.fps = fps
        self.seed = seed
        self.jpeg_quality = jpeg_quality
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._fault: str | None = None
        self._jpeg: bytes = b""
        self._truth: list[dict[str, Any]] = []
        self._version = -1
        self._frames_rendered = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> str:
        """Listen and serve in a background thread; returns the stream URL."""
        if self._server is not None:
            return self.stream_url
        handler = _handler_for(self)
        self._stopping.clear()
        self._server = ThreadingHTTPServer((self._host, self._port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"sim-camera-{self.view}", daemon=True)
        self._thread.start()
        return self.stream_url

    def stop(self) -> None:
        """Stop serving and close every open stream."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> CameraServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        """``http://host:port`` of the running server (the bound port when started with port 0)."""
        if self._server is None:
            raise RuntimeError("the camera server is not running: call start() first")
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    @property
    def stream_url(self) -> str:
        return f"{self.url}/stream.mjpg"

    @property
    def snapshot_url(self) -> str:
        return f"{self.url}/snapshot.jpg"

    # -- faults --------------------------------------------------------------------------------

    @property
    def fault(self) -> str | None:
        return self._fault

    def set_fault(self, fault: str | None) -> None:
        """``"off"``, ``"frozen"`` or ``None`` (working). Freezing keeps the picture of this moment."""
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown camera fault {fault!r}: known are {', '.join(FAULTS)}")
        if fault == "frozen":
            self.current_jpeg()  # freeze what the camera shows now, not a stale frame
        with self._lock:
            self._fault = fault

    # -- frames --------------------------------------------------------------------------------

    @property
    def frames_rendered(self) -> int:
        return self._frames_rendered

    def current_frame(self) -> tuple[bytes, list[dict[str, Any]], int]:
        """(JPEG, ground truth, scene version) of what the camera shows now."""
        with self._lock:
            snap = self.scene.snapshot()
            if self._fault != "frozen" and snap.version != self._version:
                import cv2

                frame, truth = self._renderer.render(snap, self.seed, camera_options())
                ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
                if not ok:  # pragma: no cover - a uint8 BGR image always encodes
                    raise RuntimeError("JPEG encoding failed")
                self._jpeg = data.tobytes()
                self._truth = [asdict(t) for t in truth]
                self._version = snap.version
                self._frames_rendered += 1
            return self._jpeg, self._truth, self._version

    def current_jpeg(self) -> bytes:
        return self.current_frame()[0]

    def _serving(self) -> bool:
        return not self._stopping.is_set() and self._fault != "off"


def _handler_for(camera: CameraServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "basketcheck-simcam/1"
        protocol_version = "HTTP/1.0"  # the stream ends when the connection closes, like most IP cameras

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests and the station print what matters

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/":
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", _INDEX)
                return
            if path not in ("/stream.mjpg", "/snapshot.jpg", "/truth.json"):
                self._send(HTTPStatus.NOT_FOUND, "text/plain", b"not found: try /stream.mjpg or /snapshot.jpg\n")
                return
            if not camera._serving():
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain", b"camera is off\n")
                return
            if path == "/snapshot.jpg":
                self._send(HTTPStatus.OK, "image/jpeg", camera.current_jpeg())
            elif path == "/truth.json":
                _, truth, version = camera.current_frame()
                body = json.dumps({"camera": camera.view, "version": version, "items": truth}).encode()
                self._send(HTTPStatus.OK, "application/json", body)
            else:
                self._stream()

        def _send(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _stream(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            period = 1.0 / max(camera.fps, 0.1)
            next_at = time.monotonic()
            try:
                while camera._serving():
                    jpeg = camera.current_jpeg()
                    self.wfile.write(
                        f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
                    )
                    self.wfile.write(jpeg)
                    self.wfile.write(b"\r\n")
                    self.wfile.flush()
                    next_at += period
                    delay = next_at - time.monotonic()
                    if delay > 0:
                        camera._stopping.wait(delay)
                    else:
                        next_at = time.monotonic()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the viewer went away

    return Handler
