"""Dynamic weighing with plain data: synthetic damped steps with seeded noise, as the host sees them."""

from __future__ import annotations

import math
import random

import pytest

from firmware_bridge.dynamic_weighing import DynamicWeigher, Estimate

P = 1 / 80
E = 5.0


def ringing(dt: float, step: float, freq: float, tau: float, kick: float) -> float:
    if dt < 0:
        return 0.0
    w = 2 * math.pi * freq * dt
    return step * math.exp(-dt / tau) * (-math.cos(w) + kick * math.sin(w))


def feed(
    weigher: DynamicWeigher, signal, seconds: float, seed: int = 1, noise_g: float = 0.4, rest_s: float = 0.3
) -> list[tuple[float, Estimate | None]]:
    """The classic rule sees rest before t = 0 (observe), then the load moves (update); returns every answer."""
    rng = random.Random(seed)
    out: list[tuple[float, Estimate | None]] = []
    t = -rest_s
    while t < seconds:
        y = signal(t) + rng.gauss(0.0, noise_g)
        if t < 0:
            weigher.observe(t, y)
        else:
            out.append((t, weigher.update(t, y, E)))
        t += P
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("mass", [120.0, 2500.0, 9000.0, 14800.0])
def test_a_damped_step_is_trusted_early_and_within_half_an_e(mass: float, seed: int) -> None:
    rng = random.Random(seed)
    freq = 15 * math.sqrt(1100 / (1100 + mass + 1800))
    tau, kick = rng.uniform(0.02, 0.052), rng.uniform(0.0, 0.6)
    phase = rng.uniform(0, P)

    def signal(t: float) -> float:
        return (mass if t >= phase else 0.0) + ringing(t - phase, mass, freq, tau, kick)

    answers = feed(DynamicWeigher(), signal, 0.6, seed)
    trusted = [(t, est) for t, est in answers if est is not None]
    assert trusted, "never trusted"
    assert trusted[0][0] < 0.35
    worst = max(abs(est.grams - mass) for _, est in trusted)
    assert worst <= 0.5 * E


def test_a_load_at_rest_is_trusted_at_its_mean() -> None:
    answers = feed(DynamicWeigher(), lambda t: 1000.0, 0.3)
    trusted = [est for _, est in answers if est is not None]
    assert trusted and all(abs(est.grams - 1000.0) < 0.5 for est in trusted)


def test_a_creeping_load_is_not_trusted() -> None:
    weigher = DynamicWeigher()
    answers = feed(weigher, lambda t: 1000.0 + 25.0 * t, 0.6)  # 5 e/s, for ever
    assert all(est is None for _, est in answers)
    assert weigher.last is not None and weigher.last.why == "the load creeps"


def test_a_load_still_ringing_hard_is_not_trusted() -> None:
    # 8 kg ringing with a slow decay (τ 0.2 s): hundreds of grams still swing at the end of the fit, too much to
    # lean on the model for, even though it fits.
    weigher = DynamicWeigher()
    answers = feed(weigher, lambda t: 8000.0 + ringing(t, 8000.0, 4.0, 0.2, 0.2), 0.6)
    assert all(est is None for _, est in answers)
    assert weigher.last is not None and weigher.last.why == "still ringing too hard"


def test_a_second_item_landing_mid_fit_starts_the_fit_again() -> None:
    first, second = 2000.0, 800.0

    def signal(t: float) -> float:
        y = first + ringing(t, first, 8.0, 0.04, 0.3)
        if t >= 0.12:
            y += second + ringing(t - 0.12, second, 7.5, 0.04, 0.3)
        return y

    answers = feed(DynamicWeigher(), signal, 0.7)
    trusted = [(t, est) for t, est in answers if est is not None]
    assert trusted
    # Nothing is trusted at the first item's weight after the second landed, and the final answer is the sum.
    for t, est in trusted:
        truth = first if t < 0.12 else first + second
        assert abs(est.grams - truth) <= 0.5 * E, (t, est.grams)
    assert trusted[-1][0] > 0.6 and abs(trusted[-1][1].grams - (first + second)) <= 0.5 * E


def test_a_jump_after_trust_drops_it_at_once() -> None:
    weigher = DynamicWeigher()
    feed(weigher, lambda t: 500.0, 0.3)
    assert weigher.trusted is not None
    assert weigher.update(0.3 + P, 530.0, E) is None  # 6 e off the model: another item


def test_time_going_backwards_starts_again() -> None:
    weigher = DynamicWeigher()
    feed(weigher, lambda t: 500.0, 0.3)
    assert weigher.update(0.0, 500.0, E) is None


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="interval must be positive"):
        DynamicWeigher().update(0.0, 1.0, 0.0)
