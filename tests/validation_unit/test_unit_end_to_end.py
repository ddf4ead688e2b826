"""The validation unit end to end: the simulated station (scale on a pty, MJPEG camera), the real detector, a
live backend over HTTP, the shopper screen; a shopper scans, checks out at the unit's QR and places a basket."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hardware_sim.scenario import find_scenario
from hardware_sim.station import SimStation
from tests.backend.conftest import LiveServer
from tests.validation_unit.conftest import Shopper
from validation_unit.config import UnitConfig
from validation_unit.runner import UnitRunner


@pytest.fixture
def station() -> Iterator[SimStation]:
    with SimStation(seed=3, fps=10.0) as sim:
        yield sim


@pytest.fixture
def unit(demo_backend: tuple[LiveServer, Path], station: SimStation) -> Iterator[UnitRunner]:
    _server, credentials = demo_backend
    config = UnitConfig.model_validate(
        {
            "credentials": str(credentials),
            "scale": {"url": station.scale_port},
            "camera": {"url": station.camera_url},
            "screen": {"port": 0},
            "backend": {"poll_s": 0.2},
        }
    )
    runner = UnitRunner(config).start()
    yield runner
    runner.stop()


def wait_for(predicate: Any, timeout: float = 15.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def shop(server: LiveServer, unit: UnitRunner, scenario_name: str, station: SimStation) -> tuple[Shopper, Any]:
    scenario = find_scenario(scenario_name)
    shopper = Shopper(httpx.Client(base_url=server.url, timeout=10), {}).start()
    shopper.scan_scenario(scenario)
    qr = wait_for(lambda: unit.screen.get().qr_text, what="the bind QR on the unit's screen")
    shopper.checkout(qr)
    station.play(scenario)
    return shopper, scenario


def test_an_honest_basket_passes_and_is_paid(
    demo_backend: tuple[LiveServer, Path], unit: UnitRunner, station: SimStation
) -> None:
    server, _ = demo_backend
    shopper, _ = shop(server, unit, "honest-5", station)
    state = wait_for(lambda: unit.screen.get().verdict, what="a verdict on the screen")
    assert state == "PASS", unit.station.last_outcome.decision.explanation  # type: ignore[union-attr]
    station.clear()  # the shopper lifts the basket: the PASS is committed
    trip = shopper.wait_status("paid")
    assert trip["status"] == "paid"
    receipt = shopper.http.get(f"/v1/trips/{shopper.trip_id}/receipt", headers=shopper.headers).json()
    assert receipt["total_minor"] == trip["basket"]["total_minor"] > 0
    outcome = unit.station.last_outcome
    assert outcome is not None and outcome.time_to_verdict_s < 5.0


def test_an_unscanned_heavy_item_asks_for_a_recheck_then_passes_after_the_fix(
    demo_backend: tuple[LiveServer, Path], unit: UnitRunner, station: SimStation
) -> None:
    server, _ = demo_backend
    shopper, scenario = shop(server, unit, "unscanned-heavy", station)
    trip = shopper.wait_status("recheck")
    assert trip["prompts"], trip
    # The screen may still be re-weighing a late change of the tray when the backend already says recheck.
    state = wait_for(lambda: (s := unit.screen.get()).verdict == "RECHECK" and s, what="RECHECK on the screen")
    assert state.verdict == "RECHECK" and state.prompts
    # The shopper scans what was missing; the unit validates the same basket again.
    scanned = {s.gtin14 for s in scenario.scans}
    missing = [p.ref for p in scenario.placed if p.kind == "product" and p.ref not in scanned]
    shopper.scan(*(m.lstrip("0") if len(m.lstrip("0")) in (8, 12, 13) else m for m in missing))
    wait_for(lambda: unit.screen.get().verdict == "PASS", what="PASS after the fix")
    station.clear()
    assert shopper.wait_status("paid")["status"] == "paid"


def test_the_shopper_screen_and_metrics_are_served(unit: UnitRunner) -> None:
    page = httpx.get(unit.screen_url, timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    metrics = httpx.get(unit.screen_url + "metrics", timeout=5).text
    assert "basketcheck_unit_phase" in metrics
    products = unit.station.products
    assert len(products) >= 50 and any(p.lookalike_group for p in products.values())  # from the backend's catalog
    # Just started: the scale reports zero_not_set until its start-up zero, the camera until its first frame.
    health = wait_for(
        lambda: (h := httpx.get(unit.screen_url + "health", timeout=5).json())["camera"] == h["scale"] == "ok" and h,
        what="camera and scale healthy",
    )
    assert health["camera"] == "ok" and health["scale"] == "ok"
