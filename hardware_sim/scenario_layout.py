"""From a scenario to things on the tray: the basket's PlacedItems and the timeline of what happens when.

Pure: no scene, no threads. The station plays the timeline; tests check it with plain data.
"""

from __future__ import annotations

from dataclasses import dataclass

from hardware_sim.catalog import Catalog, load_demo_catalog
from hardware_sim.render_layout import ItemSpec, layout
from hardware_sim.scenario import Fault, Scenario
from hardware_sim.scene import PlacedItem


@dataclass(frozen=True, slots=True)
class Event:
    """One step of a scenario: put items on the tray, or start or end a fault."""

    at_s: float  # seconds after the basket lands
    action: str  # "place" | "fault_on" | "fault_off"
    items: tuple[PlacedItem, ...] = ()
    fault: Fault | None = None


def basket_items(scenario: Scenario, catalog: Catalog | None = None) -> list[tuple[float, PlacedItem]]:
    """Every physical item of the scenario with the time it arrives: the basket first (at 0), then the rest.

    The whole basket is laid out at once, so items dropped in later have their place in the same layout."""
    catalog = catalog if catalog is not None else load_demo_catalog()
    specs: list[ItemSpec] = []
    times: list[float] = []
    for p in scenario.placed:
        for _ in range(p.qty):
            specs.append(ItemSpec(p.kind, p.ref, mass_g=p.weight_g))
            times.append(p.at_s)
    items = layout(specs, scenario.seed, basket=scenario.basket, clutter=scenario.clutter, catalog=catalog)
    out: list[tuple[float, PlacedItem]] = []
    if len(items) == len(specs) + 1:  # the basket comes first
        out.append((0.0, items[0]))
        items = items[1:]
    out.extend(zip(times, items, strict=True))
    return sorted(out, key=lambda pair: (pair[0], pair[1].z))


def timeline(scenario: Scenario, catalog: Catalog | None = None) -> list[Event]:
    """The scenario as events in time order: placements grouped by arrival time, faults on and off."""
    events: list[Event] = []
    groups: dict[float, list[PlacedItem]] = {}
    for at_s, item in basket_items(scenario, catalog):
        groups.setdefault(at_s, []).append(item)
    for at_s, items in groups.items():
        events.append(Event(at_s, "place", tuple(items)))
    for fault in scenario.faults:
        events.append(Event(fault.at_s, "fault_on", fault=fault))
        if fault.duration_s is not None:
            events.append(Event(fault.at_s + fault.duration_s, "fault_off", fault=fault))
    order = {"fault_on": 0, "place": 1, "fault_off": 2}  # a fault at 0 is already there when the basket lands
    return sorted(events, key=lambda e: (e.at_s, order[e.action]))
