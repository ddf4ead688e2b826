"""Faults end to end: a real validation unit (``UnitRunner``: scale on the simulator's pty, camera on its MJPEG
stream, the shipped detector) against a live backend, while something breaks: the backend is killed and
restarted, the scale is unplugged, the camera stream goes down, the unit itself is restarted mid-basket.

Each test plays an honest shopper (the app's API calls, the unit's QR code, the basket on the tray) and checks
that the trip still ends paid exactly once, with what the unit and the backend say along the way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hardware_sim.scenario import Scenario, find_scenario
from hardware_sim.station import SimStation
from tests.end_to_end.conftest import (
    InProcessBackend,
    SubprocessBackend,
    money_of,
    stop_unit,
    verdicts_of,
    wait_for,
)
from tests.validation_unit.conftest import Shopper
from validation_unit.runner import UnitRunner

pytestmark = pytest.mark.slow

SCENARIO = "honest-5"


def check_out(url: str, runner: UnitRunner, scenario: Scenario) -> Shopper:
    """A shopper scans the scenario's basket in the app and scans the QR code on the unit's screen."""
    shopper = Shopper(httpx.Client(base_url=url, timeout=10), {}).start()
    shopper.scan_scenario(scenario)
    qr = wait_for(lambda: runner.screen.get().qr_text, 30, "the bind QR on the unit's screen")
    shopper.checkout(qr)
    return shopper


def screen_verdict(runner: UnitRunner) -> str | None:
    return runner.screen.get().verdict


def explain(runner: UnitRunner) -> str:
    """Why the unit decided what it did (for a failing assertion)."""
    outcome = runner.station.last_outcome
    if outcome is None:
        return "no decision"
    d, m, sender = outcome.decision, runner.station.machine, runner.sender
    return (
        f"{d.kind}: {d.explanation}; reasons {[(r.code, r.message) for r in d.reasons]}; weight {outcome.weight}; "
        f"outcome attempt {outcome.attempt} committed {outcome.committed}; machine {m.phase} attempt {m.attempt} "
        f"committed {m.committed_attempt} trace tail {m.trace[-5:]}; sender sent {sender.sent} "
        f"retries {sender.retries} failed {sender.failed} pending {sender.pending()}"
    )


def assert_paid_once(shopper: Shopper, engine: Any, basket_total: int, timeout: float = 30.0) -> dict[str, Any]:
    """The trip is paid; the receipt, the payment, the ledger and the provider agree on one capture."""
    trip = shopper.wait_status("paid", timeout=timeout)
    assert trip["basket"]["total_minor"] == basket_total > 0
    receipt = shopper.http.get(f"/v1/trips/{shopper.trip_id}/receipt", headers=shopper.headers)
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["total_minor"] == basket_total
    money = money_of(engine, shopper.trip_id)
    assert money.payment_status == "captured"
    assert money.captured_minor == basket_total
    assert money.capture_transactions == 1, money
    assert money.provider_captures == 1, money
    assert money.ledger_sum == 0, money
    kinds = [v.kind for v in verdicts_of(engine, shopper.trip_id)]
    assert kinds == ["PASS"], kinds
    return trip


# -- the backend killed and restarted ---------------------------------------------------------------------------


@pytest.mark.parametrize("kill_when", ["basket_placed", "verdict_shown"])
def test_the_backend_killed_during_checkout_and_restarted_still_charges_once(
    kill_when: str,
    backend_process: SubprocessBackend,
    station: SimStation,
    start_unit: Callable[..., UnitRunner],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``kill -9`` of the backend process while the basket is on the tray, before the verdict is committed:

    * ``basket_placed``: at once, so the unit cannot even fetch the basket to check; it waits for the backend,
      decides once it is back, and the PASS is committed when the shopper lifts the basket;
    * ``verdict_shown``: once the PASS is on the screen (it is committed only when the basket leaves); the
      shopper lifts the basket while the backend is down, so the unit's VerdictSender has to retry.

    The backend comes back on the same port; the trip ends paid, captured exactly once."""
    caplog.set_level(logging.WARNING, logger="validation_unit")
    backend = backend_process.process
    runner = start_unit(backend_process.credentials, pass_hold_s=60.0)  # commit only when the basket leaves
    scenario = find_scenario(SCENARIO)
    shopper = check_out(backend.url, runner, scenario)
    before = shopper.trip()
    total = before["basket"]["total_minor"]
    station.place_scenario(scenario)
    if kill_when == "verdict_shown":
        assert wait_for(lambda: screen_verdict(runner), 30, "a verdict on the screen") == "PASS", explain(runner)
    backend.kill()
    if kill_when == "verdict_shown":
        station.clear()  # the shopper lifts the basket: the unit commits the PASS, to a dead backend
        try:
            wait_for(lambda: runner.sender.retries > 0, 20, "the VerdictSender to retry")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; {explain(runner)}") from None
        assert any("retrying" in r.getMessage() for r in caplog.records)  # and the unit's log says so
    else:
        wait_for(lambda: runner.station.health()["backend"] != "ok", 20, "the unit to notice the backend is gone")
        time.sleep(1.0)
        assert screen_verdict(runner) is None  # nothing can be decided without the basket
    backend.start()
    if kill_when == "basket_placed":
        assert wait_for(lambda: screen_verdict(runner), 40, "a verdict after the restart") == "PASS", explain(runner)
        station.clear()
    trip = assert_paid_once(shopper, backend_process.engine, total, timeout=60)
    assert trip["basket"]["lines"] == before["basket"]["lines"]  # no basket lost
    assert runner.sender.failed == 0
    wait_for(lambda: runner.station.health()["backend"] == "ok", 20, "the unit to see the backend again")


# -- the scale unplugged ---------------------------------------------------------------------------------------


def test_a_short_scale_unplug_while_validating_is_waited_out(
    store_backend: InProcessBackend, station: SimStation, start_unit: Callable[..., UnitRunner]
) -> None:
    """The scale's USB cable is pulled right after the basket lands and plugged back 1.5 s later (less than
    ``outage_s``, 3 s): the unit waits, then weighs and passes the honest basket."""
    runner = start_unit(store_backend.credentials)
    scenario = find_scenario(SCENARIO)
    shopper = check_out(store_backend.url, runner, scenario)
    total = shopper.trip()["basket"]["total_minor"]
    phases: list[str] = []
    scale_states: set[str] = set()
    station.place_scenario(scenario)
    station.inject("scale_unplugged")
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        phases.append(runner.screen.get().phase)
        scale_states.add(runner.station.health()["scale"])
        time.sleep(0.05)
    assert screen_verdict(runner) is None  # nothing was decided while the scale was away
    assert scale_states - {"ok"}, scale_states  # the unit did see the scale go
    replugged_at = time.monotonic()
    station.clear_fault("scale_unplugged")

    def decided() -> str | None:
        phases.append(runner.screen.get().phase)
        return screen_verdict(runner)

    verdict = wait_for(decided, 30, "a verdict")
    assert "out_of_service" not in phases, phases
    outcome = runner.station.last_outcome
    assert outcome is not None
    assert verdict == "PASS", explain(runner)
    assert outcome.weight.scale_ok
    assert outcome.shown_at > replugged_at  # it waited for the scale and then decided
    station.clear()
    assert_paid_once(shopper, store_backend.engine, total)


def test_a_long_scale_unplug_puts_the_unit_out_of_service_until_it_is_plugged_back(
    store_backend: InProcessBackend, station: SimStation, start_unit: Callable[..., UnitRunner]
) -> None:
    """Unplugged for longer than ``outage_s`` (3 s): the screen says out of service (and /health); plugged back,
    the unit is ready again and serves the next shopper."""
    runner = start_unit(store_backend.credentials)
    wait_for(lambda: runner.screen.get().phase == "ready" and runner.screen.get().qr_text, 30, "a ready unit")
    station.inject("scale_unplugged")
    wait_for(lambda: runner.screen.get().phase == "out_of_service", 15, "the out-of-service screen")
    health = httpx.get(runner.screen_url + "health", timeout=5).json()
    assert health["out_of_service"] is True and health["phase"] == "out_of_service", health
    time.sleep(1.0)
    assert runner.screen.get().phase == "out_of_service"
    station.clear_fault("scale_unplugged")
    wait_for(lambda: runner.screen.get().phase == "ready", 20, "the unit to be ready after the replug")
    assert httpx.get(runner.screen_url + "health", timeout=5).json()["out_of_service"] is False
    # And it works: the next shopper's honest basket passes and is paid.
    scenario = find_scenario(SCENARIO)
    shopper = check_out(store_backend.url, runner, scenario)
    total = shopper.trip()["basket"]["total_minor"]
    station.place_scenario(scenario)
    outcome_verdict = wait_for(lambda: screen_verdict(runner), 30, "a verdict after the replug")
    assert outcome_verdict == "PASS", explain(runner)
    station.clear()
    assert_paid_once(shopper, store_backend.engine, total)


# -- the camera stream down ------------------------------------------------------------------------------------


def test_with_the_camera_stream_down_an_honest_basket_passes_on_weight_alone(
    store_backend: InProcessBackend, station: SimStation, start_unit: Callable[..., UnitRunner]
) -> None:
    """The camera answers 503 and cuts its stream: the unit decides by weight only (the stricter band), says so
    in the verdict (``camera_unavailable``) and on /health, and the honest basket still passes."""
    runner = start_unit(store_backend.credentials)
    wait_for(lambda: runner.screen.get().qr_text, 30, "a ready unit")
    station.inject("camera_off")
    health = wait_for(
        lambda: (h := httpx.get(runner.screen_url + "health", timeout=5).json())["camera"] != "ok" and h,
        20,
        "/health to report the camera down",
    )
    assert health["camera"] not in ("ok", "none"), health
    scenario = find_scenario(SCENARIO)
    shopper = check_out(store_backend.url, runner, scenario)
    total = shopper.trip()["basket"]["total_minor"]
    station.place_scenario(scenario)
    verdict = wait_for(lambda: screen_verdict(runner), 30, "a verdict")
    outcome = runner.station.last_outcome
    assert outcome is not None
    assert verdict == "PASS", explain(runner)
    assert outcome.decision.weight_only
    assert any("Camera unavailable" in n for n in runner.screen.get().notices)
    station.clear()
    assert_paid_once(shopper, store_backend.engine, total)
    (stored,) = verdicts_of(store_backend.engine, shopper.trip_id)
    assert "camera_unavailable" in {r["code"] for r in stored.reasons}, stored.reasons
    # The stream comes back: the unit reconnects on its own.
    station.clear_fault("camera_off")
    wait_for(
        lambda: httpx.get(runner.screen_url + "health", timeout=5).json()["camera"] == "ok",
        30,
        "the camera to be back",
        every=0.5,
    )


# -- the unit restarted ----------------------------------------------------------------------------------------


def assert_restarted_unit_passes(
    second: UnitRunner,
    shopper: Shopper,
    station: SimStation,
    store_backend: InProcessBackend,
    total: int,
    timeout: float,
) -> None:
    """The restarted unit passes the shopper's (still bound) trip, and it is paid once when the basket goes."""
    verdict = wait_for(lambda: screen_verdict(second), timeout, "a verdict from the restarted unit")
    outcome = second.station.last_outcome
    assert outcome is not None
    assert verdict == "PASS", explain(second)
    assert outcome.expected.trip_id == shopper.trip_id
    station.clear()
    try:
        assert_paid_once(shopper, store_backend.engine, total)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; {explain(second)}") from None


def test_a_unit_restarted_mid_basket_validates_the_basket_still_on_the_tray(
    store_backend: InProcessBackend, station: SimStation, start_unit: Callable[..., UnitRunner]
) -> None:
    """The unit's process goes away with the basket on the tray and no verdict sent; a new one starts with the
    same credentials, finds the trip still bound to it, weighs what is on the tray and passes it."""
    first = start_unit(store_backend.credentials)
    scenario = find_scenario(SCENARIO)
    shopper = check_out(store_backend.url, first, scenario)
    total = shopper.trip()["basket"]["total_minor"]
    placed = station.place_scenario(scenario)
    truth_g = sum(item.mass_g for item in placed)
    stop_unit(first)
    assert verdicts_of(store_backend.engine, shopper.trip_id) == []  # nothing was committed
    assert shopper.trip()["status"] == "checking_out"
    second = start_unit(store_backend.credentials)
    reading = wait_for(
        lambda: (r := second.scale.latest()) is not None and r.stable and r.grams is not None and r, 20, "a reading"
    )
    # The bridge kept its zero (scale-zero.json beside the credentials): the basket is weighed, not zeroed.
    assert abs(reading.grams - truth_g) < 50, f"the restarted unit reads {reading.grams} g, the tray holds {truth_g} g"
    assert_restarted_unit_passes(second, shopper, station, store_backend, total, timeout=40)


def test_a_unit_restarted_after_checkout_validates_the_trip_still_bound_to_it(
    store_backend: InProcessBackend, station: SimStation, start_unit: Callable[..., UnitRunner]
) -> None:
    """The unit restarts between the shopper's check-out and the basket landing (the tray is empty at start-up):
    the new process, same credentials, finds the trip still bound to it and validates the basket."""
    first = start_unit(store_backend.credentials)
    scenario = find_scenario(SCENARIO)
    shopper = check_out(store_backend.url, first, scenario)
    total = shopper.trip()["basket"]["total_minor"]
    stop_unit(first)
    second = start_unit(store_backend.credentials)
    wait_for(lambda: second.screen.get().headline == "Put your basket on the scale", 20, "the bound trip")
    station.place_scenario(scenario)
    assert_restarted_unit_passes(second, shopper, station, store_backend, total, timeout=30)
