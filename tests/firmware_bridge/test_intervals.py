"""Multi-interval display: e by net load, rounding halves away from zero, overload and underload."""

from __future__ import annotations

import pytest

from firmware_bridge.intervals import display, interval_for, is_overload, is_underload, round_to


@pytest.mark.parametrize(
    ("net", "e"),
    [(-100.0, 5.0), (0.0, 5.0), (14999.0, 5.0), (15000.0, 5.0), (15000.1, 10.0), (29999.0, 10.0), (40000.0, 10.0)],
)
def test_interval_for(net: float, e: float) -> None:
    assert interval_for(net) == e


@pytest.mark.parametrize(
    ("value", "e", "shown"),
    [
        (0.0, 5.0, 0.0),
        (2.4, 5.0, 0.0),
        (2.5, 5.0, 5.0),  # halves go away from zero, not to even
        (7.5, 5.0, 10.0),
        (-2.5, 5.0, -5.0),
        (-2.4, 5.0, 0.0),
        (1234.4, 5.0, 1235.0),
        (15004.0, 10.0, 15000.0),
        (15006.0, 10.0, 15010.0),
    ],
)
def test_round_to(value: float, e: float, shown: float) -> None:
    assert round_to(value, e) == shown


@pytest.mark.parametrize(
    ("net", "shown", "e"),
    [(1232.4, 1230.0, 5.0), (15002.0, 15000.0, 5.0), (15007.0, 15010.0, 10.0), (29996.0, 30000.0, 10.0)],
)
def test_display(net: float, shown: float, e: float) -> None:
    assert display(net) == (shown, e)


@pytest.mark.parametrize(
    ("gross", "over", "under"),
    [(30090.0, False, False), (30090.1, True, False), (-100.0, False, False), (-100.1, False, True)],
)
def test_overload_underload(gross: float, over: bool, under: bool) -> None:
    assert is_overload(gross) is over
    assert is_underload(gross) is under
