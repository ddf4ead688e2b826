"""Scenario → items and timeline: pure data, checked without a scene."""

from __future__ import annotations

import pytest

from hardware_sim.scenario import find_scenario, parse_scenario
from hardware_sim.scenario_layout import basket_items, timeline

LATE = """\
name: late
description: a late item and a fault
seed: 4
scans: []
placed:
  - gtin: "4006381001014"
    qty: 2
  - gtin: "4008005000236"
    at_s: 1.5
  - gtin: "2004011000002"
    weight_g: 812
faults:
  - fault: camera_off
    at_s: 0
    duration_s: 2
  - fault: bump
    at_s: 0.5
expect:
  verdict: recheck
"""


def test_items_match_the_placements_with_their_arrival_times() -> None:
    pairs = basket_items(parse_scenario(LATE))
    assert (pairs[0][0], pairs[0][1].kind, pairs[0][1].ref) == (0.0, "basket", "basket-red")
    refs_at = sorted((t, i.ref) for t, i in pairs[1:])
    assert refs_at == [
        (0.0, "02004011000002"),
        (0.0, "04006381001014"),
        (0.0, "04006381001014"),
        (1.5, "04008005000236"),
    ]
    bananas = next(i for _, i in pairs if i.ref == "02004011000002")
    assert bananas.mass_g == 812.0


def test_timeline_orders_faults_before_the_basket_lands_and_ends_them() -> None:
    events = timeline(parse_scenario(LATE))
    assert [(e.at_s, e.action, e.fault.fault if e.fault else len(e.items)) for e in events] == [
        (0.0, "fault_on", "camera_off"),
        (0.0, "place", 4),
        (0.5, "fault_on", "bump"),
        (1.5, "place", 1),
        (2.0, "fault_off", "camera_off"),
    ]


@pytest.mark.parametrize("name", ["honest-30", "heavy-occlusion", "personal-items", "bare-tray"])
def test_shipped_baskets_are_deterministic_and_complete(name: str) -> None:
    s = find_scenario(name)
    first = basket_items(s)
    assert first == basket_items(s)
    products = sum(p.qty for p in s.placed)
    has_basket = s.basket != "none"
    assert len(first) == products + has_basket
