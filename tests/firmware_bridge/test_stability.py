"""Stability: max−min ≤ 1 e over the window and a small slope, judged in device time."""

from __future__ import annotations

import math

import pytest

from firmware_bridge.stability import StabilityCriteria, StabilityDetector

P = 1 / 80


def _feed(values: list[float], e: float = 5.0) -> list[bool]:
    det = StabilityDetector()
    return [det.update(i * P, v, e) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("name", "values", "stable_at_end"),
    [
        ("flat", [1000.0] * 30, True),
        ("noise within a band of 0.8 e", [1000.0 + (1.95 if i % 2 else -1.95) for i in range(30)], True),
        ("band of 0.96 e", [1000.0 + (2.4 if i % 2 else -2.4) for i in range(30)], False),
        ("ramp of 4 e/s, inside the band", [1000.0 + 20.0 * i * P for i in range(30)], False),
        ("ramp of 2 e/s", [1000.0 + 10.0 * i * P for i in range(30)], False),
        ("ringing at 4 Hz, 3 g", [1000.0 + 3.0 * math.sin(2 * math.pi * 4 * i * P) for i in range(30)], False),
        ("ringing at 15 Hz, 1.5 g", [1000.0 + 1.5 * math.sin(2 * math.pi * 15 * i * P) for i in range(30)], True),
        ("ringing at 15 Hz, 2.5 g", [1000.0 + 2.5 * math.sin(2 * math.pi * 15 * i * P) for i in range(30)], False),
    ],
)
def test_stability_table(name: str, values: list[float], stable_at_end: bool) -> None:
    assert _feed(values)[-1] is stable_at_end, name


def test_needs_a_full_window() -> None:
    flags = _feed([500.0] * 20)
    window = StabilityCriteria().window_s
    first = flags.index(True)
    assert first * P >= window
    assert not any(flags[:first])


def test_crest_of_slow_ringing_is_not_stable() -> None:
    # A window of half the slowest period always sees at least the swing's amplitude, even on a crest.
    for phase in range(16):
        values = [1000.0 + 6.0 * math.cos(2 * math.pi * 4 * (i * P) + phase * math.pi / 8) for i in range(40)]
        assert not any(_feed(values)[12:]), phase


def test_hysteresis_a_stable_load_may_tilt_a_little_more() -> None:
    det = StabilityDetector()
    values = [1000.0] * 20 + [1000.0 + 10.0 * i * P for i in range(12)]  # then a 2 e/s tilt (noise-like)
    flags = [det.update(i * P, v, 5.0) for i, v in enumerate(values)]
    assert all(flags[12:])
    fresh = StabilityDetector()
    tilted = [fresh.update(i * P, 1000.0 + 10.0 * i * P, 5.0) for i in range(30)]
    assert not any(tilted)


def test_time_going_backwards_resets() -> None:
    det = StabilityDetector()
    for i in range(20):
        det.update(i * P, 0.0, 5.0)
    assert det.stable
    assert not det.update(0.0, 0.0, 5.0)
