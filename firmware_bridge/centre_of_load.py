"""Centre of load on a tray from the loads on its cells: the load-weighted mean of the cell positions."""

from __future__ import annotations

from collections.abc import Sequence


def centre_of_load(
    cell_loads_g: Sequence[float], cell_positions_mm: Sequence[tuple[float, float]], min_total_g: float = 50.0
) -> tuple[float, float] | None:
    """(x, y) in the tray's millimetres, or None when the total is too small for the position to mean anything."""
    total = sum(cell_loads_g)
    if total < min_total_g:
        return None
    x = sum(g * p[0] for g, p in zip(cell_loads_g, cell_positions_mm, strict=True)) / total
    y = sum(g * p[1] for g, p in zip(cell_loads_g, cell_positions_mm, strict=True)) / total
    return (x, y)
