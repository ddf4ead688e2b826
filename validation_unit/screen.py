"""The shopper screen: a page the unit serves to the kiosk browser on its own display.

The unit's state machine publishes one :class:`ScreenState` at a time into a :class:`ScreenStateHolder`; the page
follows it over server-sent events, so it changes within a frame of the unit deciding, with no reload and no
polling. The page is a shell (``screen_web/``): its script draws the state it receives. Everything is served
from this origin under a strict Content-Security-Policy, and nothing is fetched from the network: the kiosk
works in a store with no internet.
"""

from __future__ import annotations

import dataclasses
import io
import json
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import segno
from fastapi import FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from validation_unit.screen_i18n import screen_language, tr

HERE = Path(__file__).parent / "screen_web"
templates = Jinja2Templates(directory=HERE / "templates")

PHASES = ("out_of_service", "ready", "weighing", "deciding", "verdict", "remove_basket", "age_check")
VERDICTS = ("PASS", "RECHECK", "FLAG")
KEEPALIVE_S = 15.0  # a comment line this often keeps proxies and the browser from dropping an idle stream
WAIT_SLICE_S = 5.0  # how long one worker thread blocks on the holder before the stream looks again

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Prompt:
    """One thing the shopper must do ("Scan 1× Edge5 Razor Blades 4 pack"), with a picture of the item."""

    text: str
    crop: bytes | None = None  # JPEG crop of the item, served at /crops/<index>.jpg


@dataclass(frozen=True)
class ScreenState:
    """What the screen shows now. ``version`` increases with every change (the holder sets it)."""

    phase: str
    headline: str
    detail: str = ""
    qr_text: str | None = None  # the bind QR, shown in "ready"
    verdict: str | None = None  # "PASS" | "RECHECK" | "FLAG" when phase is "verdict"
    prompts: tuple[Prompt, ...] = ()
    progress: float | None = None  # 0–1 while weighing/deciding
    notices: tuple[str, ...] = ()  # e.g. "Camera unavailable: weighing only"
    version: int = 0

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise ValueError(f"phase must be one of {', '.join(PHASES)}, got {self.phase!r}")
        if self.verdict is not None and self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)} or None, got {self.verdict!r}")
        if self.phase == "verdict" and self.verdict is None:
            raise ValueError("the verdict phase needs a verdict")
        if self.progress is not None and not 0.0 <= self.progress <= 1.0:
            raise ValueError(f"progress is a fraction in [0, 1], got {self.progress}")
        if not isinstance(self.prompts, tuple) or not isinstance(self.notices, tuple):
            raise ValueError("prompts and notices are tuples (the state is immutable)")

    def to_json(self) -> dict[str, Any]:
        """The state as the page's script reads it: crops and the QR become URLs (versioned, so the browser
        never shows a stale picture from its cache)."""
        v = self.version
        return {
            "version": v,
            "phase": self.phase,
            "headline": self.headline,
            "detail": self.detail,
            "qr": f"/qr.svg?v={v}" if self.qr_text else None,
            "verdict": self.verdict,
            "prompts": [
                {"text": p.text, "crop": f"/crops/{i}.jpg?v={v}" if p.crop else None}
                for i, p in enumerate(self.prompts)
            ],
            "progress": self.progress,
            "notices": list(self.notices),
        }


# Shown before the unit publishes its first state, in the language set when the unit started.
OUT_OF_SERVICE = ScreenState(phase="out_of_service", headline=tr("out_of_service.headline"), detail=tr("starting_up"))


class ScreenStateHolder:
    """The screen's current state, shared between the unit's thread and the web server's.

    ``set`` stamps the next version; ``wait_change`` blocks a caller until the version moves (or the timeout)."""

    def __init__(self, initial: ScreenState = OUT_OF_SERVICE) -> None:
        self._changed = threading.Condition()
        self._state = initial

    def get(self) -> ScreenState:
        with self._changed:
            return self._state

    def set(self, state: ScreenState) -> ScreenState:
        """Show ``state`` (its own version is ignored) and wake every waiting stream; returns it as stored."""
        with self._changed:
            self._state = dataclasses.replace(state, version=self._state.version + 1)
            self._changed.notify_all()
            return self._state

    def wait_change(self, version: int, timeout_s: float) -> ScreenState:
        with self._changed:
            self._changed.wait_for(lambda: self._state.version != version, timeout=max(0.0, timeout_s))
            return self._state


@lru_cache(maxsize=8)
def qr_svg(text: str) -> bytes:
    """The bind QR as SVG (scales to any size on the kiosk; error correction M survives a smudged screen)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="svg", scale=10, border=4, xmldecl=False, svgclass="qr")
    return out.getvalue()


def _event(state: ScreenState) -> str:
    return f"event: state\nid: {state.version}\ndata: {json.dumps(state.to_json())}\n\n"


def create_screen_app(
    get_state: Callable[[], ScreenState], wait_change: Callable[[int, float], ScreenState]
) -> FastAPI:
    """The screen's web app. ``wait_change(version, timeout_s)`` blocks until the state's version differs from
    ``version`` (or the timeout) and returns the current state; it runs in worker threads, never on the loop."""
    app = FastAPI(title="basketcheck unit screen", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/", response_class=HTMLResponse)
    def page(request: Request) -> Response:
        state = get_state()
        lang = screen_language()
        response = templates.TemplateResponse(
            request, "screen.html", {"state": state, "lang": lang, "t": lambda key: tr(key, lang)}
        )
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.get("/state")
    def state_json() -> Response:
        return JSONResponse(get_state().to_json(), headers={"Cache-Control": "no-store"})

    @app.get("/events")
    async def events(request: Request) -> StreamingResponse:
        """Server-sent events: the state now, then every change; a keep-alive comment when nothing happens."""

        async def stream() -> AsyncIterator[str]:
            state = get_state()
            yield "retry: 1000\n\n" + _event(state)
            idle = 0.0
            while not await request.is_disconnected():
                # A bounded wait in a worker thread: the loop stays free, and a closed page frees its thread soon.
                wait = min(WAIT_SLICE_S, KEEPALIVE_S - idle)
                current = await anyio.to_thread.run_sync(wait_change, state.version, wait, abandon_on_cancel=True)
                if current.version != state.version:
                    state, idle = current, 0.0
                    yield _event(state)
                    continue
                idle += wait
                if idle >= KEEPALIVE_S:
                    idle = 0.0
                    yield ": keep-alive\n\n"

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )

    @app.get("/qr.svg")
    def qr() -> Response:
        text = get_state().qr_text
        if not text:
            return JSONResponse({"detail": "no QR code to show now"}, status_code=404)
        return Response(qr_svg(text), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    @app.get("/crops/{index}.jpg")
    def crop(index: Annotated[int, PathParam(ge=0, le=99)]) -> Response:
        prompts = get_state().prompts
        picture = prompts[index].crop if index < len(prompts) else None
        if picture is None:
            return JSONResponse({"detail": f"no picture for prompt {index}"}, status_code=404)
        return Response(picture, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        state = get_state()
        return {"ok": True, "phase": state.phase, "version": state.version}

    return app
