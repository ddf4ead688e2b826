"""The shopper screen's web app through FastAPI's TestClient: the page, the state, the live stream, pictures."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextlib import nullcontext as does_not_raise

import pytest
from fastapi.testclient import TestClient

import validation_unit.screen as screen
from validation_unit.screen import Prompt, ScreenState, ScreenStateHolder, create_screen_app

JPEG = b"\xff\xd8\xff\xe0 a tiny stand-in for a JPEG \xff\xd9"


@pytest.fixture
def holder() -> ScreenStateHolder:
    return ScreenStateHolder()


@pytest.fixture
def client(holder: ScreenStateHolder) -> Iterator[TestClient]:
    with TestClient(create_screen_app(holder.get, holder.wait_change)) as test_client:
        yield test_client


def ready() -> ScreenState:
    return ScreenState("ready", "Scan this code with the app", qr_text="BASKETCHECK:BIND:unit-7:8f3a2c")


def recheck() -> ScreenState:
    return ScreenState(
        "verdict",
        "Please check your basket",
        detail="Two things don't match what you scanned.",
        verdict="RECHECK",
        prompts=(Prompt("Scan 1× Edge5 Razor Blades 4 pack", JPEG), Prompt("Take out the phone: it isn't ours")),
        notices=("Camera unavailable: weighing only",),
    )


def read_events(lines: Iterator[str], count: int) -> tuple[list[dict[str, object]], list[str]]:
    """The next ``count`` state events from an SSE stream, and the comment lines met on the way."""
    states: list[dict[str, object]] = []
    comments: list[str] = []
    for line in lines:
        if line.startswith(":"):
            comments.append(line)
        elif line.startswith("data: "):
            states.append(json.loads(line.removeprefix("data: ")))
            if len(states) == count:
                break
    return states, comments


@pytest.mark.parametrize(
    ("fields", "expectation"),
    [
        ({"phase": "ready", "headline": "Hi"}, does_not_raise()),
        ({"phase": "verdict", "headline": "Ok", "verdict": "PASS"}, does_not_raise()),
        ({"phase": "weighing", "headline": "…", "progress": 1.0}, does_not_raise()),
        ({"phase": "asleep", "headline": "?"}, pytest.raises(ValueError, match="phase must be one of")),
        ({"phase": "verdict", "headline": "?"}, pytest.raises(ValueError, match="needs a verdict")),
        ({"phase": "verdict", "headline": "?", "verdict": "OK"}, pytest.raises(ValueError, match="verdict must")),
        ({"phase": "weighing", "headline": "?", "progress": 1.5}, pytest.raises(ValueError, match="fraction")),
        ({"phase": "ready", "headline": "?", "notices": ["x"]}, pytest.raises(ValueError, match="tuples")),
    ],
)
def test_state_is_checked(fields: dict[str, object], expectation: AbstractContextManager[object]) -> None:
    with expectation:
        ScreenState(**fields)  # type: ignore[arg-type]


def test_holder_versions_and_waits(holder: ScreenStateHolder) -> None:
    assert holder.get().phase == "out_of_service" and holder.get().version == 0
    stored = holder.set(ready())
    assert stored.version == 1 and holder.get() == stored
    assert holder.set(dataclass_with_version(ready(), 99)).version == 2  # the holder owns the version
    started = time.monotonic()
    assert holder.wait_change(2, 0.05).version == 2  # no change: returns at the timeout
    assert time.monotonic() - started >= 0.04
    assert holder.wait_change(1, 5).version == 2  # already different: at once
    threading.Timer(0.05, holder.set, args=(recheck(),)).start()
    assert holder.wait_change(2, 5).phase == "verdict"


def dataclass_with_version(state: ScreenState, version: int) -> ScreenState:
    import dataclasses

    return dataclasses.replace(state, version=version)


def test_page_is_served_with_a_strict_policy(client: TestClient, holder: ScreenStateHolder) -> None:
    holder.set(ready())
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert 'data-phase="ready"' in response.text
    assert "Scan this code with the app" in response.text
    assert 'src="/qr.svg?v=1"' in response.text
    assert '<script src="/static/screen.js"' in response.text
    assert "http://" not in response.text and "https://" not in response.text  # nothing from outside
    for asset in ("/static/screen.js", "/static/screen.css"):
        assert client.get(asset).status_code == 200


def test_page_escapes_text_and_draws_prompts(client: TestClient, holder: ScreenStateHolder) -> None:
    holder.set(ScreenState("verdict", "<b>sneaky</b>", verdict="FLAG", prompts=(Prompt("<i>x</i>", JPEG),)))
    text = client.get("/").text
    assert "<b>sneaky</b>" not in text and "&lt;b&gt;sneaky&lt;/b&gt;" in text
    assert 'src="/crops/0.jpg?v=1"' in text
    assert "A staff member will come to help you." in text


def test_state_json(client: TestClient, holder: ScreenStateHolder) -> None:
    holder.set(ready())
    holder.set(recheck())
    body = client.get("/state").json()
    assert body == {
        "version": 2,
        "phase": "verdict",
        "headline": "Please check your basket",
        "detail": "Two things don't match what you scanned.",
        "qr": None,
        "verdict": "RECHECK",
        "prompts": [
            {"text": "Scan 1× Edge5 Razor Blades 4 pack", "crop": "/crops/0.jpg?v=2"},
            {"text": "Take out the phone: it isn't ours", "crop": None},
        ],
        "progress": None,
        "notices": ["Camera unavailable: weighing only"],
    }


def test_events_send_the_state_then_each_change(client: TestClient, holder: ScreenStateHolder) -> None:
    holder.set(ready())
    with client.stream("GET", "/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        first, _ = read_events(lines, 1)
        assert first[0]["phase"] == "ready" and first[0]["qr"] == "/qr.svg?v=1"
        threading.Timer(
            0.05, holder.set, args=(ScreenState("weighing", "Checking your basket…", progress=0.4),)
        ).start()
        threading.Timer(0.3, holder.set, args=(recheck(),)).start()
        changes, _ = read_events(lines, 2)
    assert [(s["phase"], s["version"]) for s in changes] == [("weighing", 2), ("verdict", 3)]
    assert changes[0]["progress"] == 0.4


def test_events_keep_the_connection_alive(
    client: TestClient, holder: ScreenStateHolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screen, "KEEPALIVE_S", 0.2)
    monkeypatch.setattr(screen, "WAIT_SLICE_S", 0.1)
    with client.stream("GET", "/events") as response:
        lines = response.iter_lines()
        read_events(lines, 1)
        threading.Timer(0.7, holder.set, args=(ready(),)).start()
        states, comments = read_events(lines, 1)
    assert states[0]["phase"] == "ready"
    assert ": keep-alive" in comments


def test_qr_svg(client: TestClient, holder: ScreenStateHolder) -> None:
    assert client.get("/qr.svg").status_code == 404  # out of service: no code to scan
    holder.set(ready())
    response = client.get("/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.startswith("<svg") and "<path" in response.text
    holder.set(ScreenState("weighing", "Checking your basket…"))
    assert client.get("/qr.svg").status_code == 404


def test_qr_encodes_the_bind_text() -> None:
    cv2 = pytest.importorskip("cv2")
    import io

    import numpy as np
    import segno

    # Decode what we draw: the same segno code, as a PNG, read back by OpenCV's QR detector.
    out = io.BytesIO()
    segno.make(ready().qr_text or "", error="m", micro=False).save(out, kind="png", scale=8, border=4)
    image = cv2.imdecode(np.frombuffer(out.getvalue(), dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert text == ready().qr_text
    assert screen.qr_svg(ready().qr_text or "") == screen.qr_svg(ready().qr_text or "")  # cached, stable


@pytest.mark.parametrize(
    ("path", "status"),
    [("/crops/0.jpg", 200), ("/crops/1.jpg", 404), ("/crops/2.jpg", 404), ("/crops/-1.jpg", 422)],
)
def test_crops(client: TestClient, holder: ScreenStateHolder, path: str, status: int) -> None:
    holder.set(recheck())
    response = client.get(path)
    assert response.status_code == status
    if status == 200:
        assert response.headers["content-type"] == "image/jpeg" and response.content == JPEG


def test_healthz_and_unknown_paths(client: TestClient, holder: ScreenStateHolder) -> None:
    assert client.get("/healthz").json() == {"ok": True, "phase": "out_of_service", "version": 0}
    assert client.get("/nope").status_code == 404
    assert client.get("/static/nope.js").status_code == 404
    assert client.get("/docs").status_code == 404  # no API docs on a kiosk
