"""Dynamic weighing through the real simulated scale (firmware loop on a pty → bridge), in fast mode."""

from __future__ import annotations

from firmware_bridge.firmware_scale import FirmwareScale
from hardware_sim.scale_device import SimulatedScaleDevice
from hardware_sim.scene import PlacedItem, Scene


def test_a_basket_is_trusted_by_the_fit_before_it_is_at_rest() -> None:
    scene = Scene()
    with SimulatedScaleDevice(scene, seed=5, fast=True) as dev, FirmwareScale.open(dev.port) as scale:
        scale.wait_for(lambda r: r.ok and r.settled_by == "stability", 10)
        stream = scale.readings(timeout=10.0, maxsize=0)
        scene.place(PlacedItem(0, "product", "bench", 8000.0, 300.0, 200.0))
        start = None
        first_dynamic = first_classic = None
        for r in stream:
            if r.grams is None or r.device_time_s is None:
                continue
            if start is None and r.grams > 100:
                start = r.device_time_s
            if start is None:
                continue
            if r.stable:
                assert abs(r.grams - 8000.0) <= r.e_g, r
            if r.settled_by == "dynamic" and first_dynamic is None:
                first_dynamic = r.device_time_s - start
            if r.settled_by == "stability":
                first_classic = r.device_time_s - start
                break
        assert first_dynamic is not None and first_classic is not None
        assert first_dynamic < first_classic
