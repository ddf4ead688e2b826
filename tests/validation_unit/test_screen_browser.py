"""The shopper screen in a real browser (Playwright driving Debian's Chromium), at the unit's 1024×600.

The page shows the bind QR, then follows the unit live (no reload): weighing, a RECHECK with two prompts and
their pictures, a PASS. Screenshots go to docs/images/ (unit-ready.png, unit-recheck.png, unit-pass.png).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.backend.conftest import free_port
from validation_unit.evidence import crop_jpeg
from validation_unit.screen import Prompt, ScreenState, ScreenStateHolder, create_screen_app
from validation_unit.screen_i18n import LANG_ENV, tr

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"
VIEWPORT = {"width": 1024, "height": 600}  # the unit's display


@pytest.fixture
def holder() -> ScreenStateHolder:
    return ScreenStateHolder()


class ScreenServer:
    """The screen app served by uvicorn in a thread, as on the unit; it can stop and start again on its port."""

    def __init__(self, holder: ScreenStateHolder) -> None:
        self.app = create_screen_app(holder.get, holder.wait_change)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the screen server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)
            self.server = self.thread = None


@pytest.fixture
def screen_server(holder: ScreenStateHolder) -> Iterator[ScreenServer]:
    server = ScreenServer(holder)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def screen_url(screen_server: ScreenServer) -> str:
    return screen_server.url


@pytest.fixture
def page(browser, screen_server: ScreenServer) -> Iterator[object]:
    """A page at the unit's display size; closed before the server stops (else its open stream holds it up)."""
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


def prompts_from_a_basket() -> tuple[Prompt, Prompt]:
    """Two prompts with crops of real products from the simulated camera."""
    from hardware_sim.catalog import load_demo_catalog
    from hardware_sim.render import render
    from hardware_sim.render_layout import random_basket

    catalog = load_demo_catalog()
    frame, truth = render(random_basket(11, catalog=catalog), 11, catalog=catalog)
    names = {p.gtin14: p.name for p in catalog}
    products = [t for t in truth if t.kind == "product" and t.visible_fraction >= 0.5]
    first, second = products[0], products[1]
    return (
        Prompt(tr("prompt.unscanned", "de", qty=1, name=names[first.ref]), crop_jpeg(frame, first.visible_box)),
        Prompt(tr("prompt.quantity", "de", qty=1, name=names[second.ref]), crop_jpeg(frame, second.visible_box)),
    )


def test_the_screen_follows_the_unit_live(page, screen_url: str, holder: ScreenStateHolder, monkeypatch) -> None:
    monkeypatch.setenv(LANG_ENV, "de")  # the unit's language, as `basketcheck demo` sets it: the page shell follows

    def de(key: str, **params: object) -> str:
        return tr(key, "de", **params)

    holder.set(ScreenState("ready", de("ready.scan"), de("ready.then_basket"), "BC:u7:8f3a"))
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(screen_url)
    qr = page.locator("#qr-img")
    qr.wait_for()
    assert page.evaluate("() => document.getElementById('qr-img').naturalWidth") > 0
    assert qr.bounding_box()["width"] >= 300
    page.locator("body[data-version='1']").wait_for()  # the stream is connected and has drawn the state
    page.screenshot(path=str(SCREENSHOTS / "unit-ready.png"))
    page.evaluate("() => { window.notReloaded = true; }")  # gone if the page reloads

    holder.set(ScreenState("weighing", de("checking"), de("checking.still"), progress=0.35))
    page.locator("body[data-phase='weighing']").wait_for(timeout=5_000)
    assert page.locator("#qr").is_hidden()
    assert page.locator("#progress").is_visible()
    assert page.evaluate("() => document.getElementById('progress').value") == pytest.approx(0.35)

    prompts = prompts_from_a_basket()
    holder.set(
        ScreenState(
            "verdict",
            de("headline.RECHECK"),
            de("detail.RECHECK"),
            verdict="RECHECK",
            prompts=prompts,
            notices=(de("notice.camera"),),
        )
    )
    page.locator("body[data-verdict='RECHECK']").wait_for(timeout=5_000)
    items = page.locator("#prompts li")
    assert items.count() == 2
    assert items.nth(0).inner_text() == prompts[0].text
    page.wait_for_function(
        "() => [...document.querySelectorAll('#prompts img.crop')].every((i) => i.complete && i.naturalWidth > 0)"
    )
    assert page.locator("#prompts img.crop").count() == 2
    assert page.locator("#notices").is_visible()
    assert page.locator("#staff-help").is_hidden()
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(242, 176, 30)"  # amber
    page.screenshot(path=str(SCREENSHOTS / "unit-recheck.png"))

    holder.set(ScreenState("verdict", de("headline.PASS"), de("detail.PASS"), verdict="PASS"))
    page.locator("body[data-verdict='PASS']").wait_for(timeout=5_000)
    assert page.locator("#prompts").is_hidden() and page.locator("#notices").is_hidden()
    assert page.locator("#headline").inner_text() == "Alles in Ordnung – vielen Dank!"
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(29, 107, 47)"
    page.screenshot(path=str(SCREENSHOTS / "unit-pass.png"))

    holder.set(ScreenState("verdict", de("headline.FLAG"), de("detail.FLAG"), verdict="FLAG"))
    page.locator("body[data-verdict='FLAG']").wait_for(timeout=5_000)
    assert page.locator("#staff-help").inner_text() == "Gleich kommt jemand vom Personal und hilft Ihnen."
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.evaluate("() => window.notReloaded") is True
    assert errors == []


def test_the_screen_reconnects_when_the_unit_restarts(
    page, screen_server: ScreenServer, holder: ScreenStateHolder
) -> None:
    holder.set(ScreenState("ready", "Scan this code with the app", qr_text="BC:u7:1"))
    page.goto(screen_server.url)
    page.locator("body[data-version='1']").wait_for()
    page.evaluate("() => { window.notReloaded = true; }")
    screen_server.stop()  # the unit's software restarts: the stream drops
    page.locator("#connection").wait_for(timeout=10_000)
    holder.set(ScreenState("out_of_service", "Out of service", "Back in a moment"))
    screen_server.start()
    page.locator("body[data-phase='out_of_service']").wait_for(timeout=10_000)
    page.locator("#connection").wait_for(state="hidden", timeout=5_000)
    assert page.evaluate("() => window.notReloaded") is True
