"""The detector's classes: one per catalog product (in catalog order), then one for non-merchandise objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hardware_sim.catalog import Catalog

NON_MERCHANDISE = "non_merchandise"


@dataclass(frozen=True)
class ClassInfo:
    """One class of the detector: its name and, for products, the GTIN-14 it stands for."""

    name: str
    gtin14: str | None  # None for the non-merchandise class


def catalog_classes(catalog: Catalog | None = None) -> list[ClassInfo]:
    """The class list for a catalog (the demo catalog when none is given)."""
    if catalog is None:
        from hardware_sim.catalog import load_demo_catalog

        catalog = load_demo_catalog()
    classes = [ClassInfo(row.name, row.gtin14) for row in catalog]
    classes.append(ClassInfo(NON_MERCHANDISE, None))
    return classes


def class_index(classes: list[ClassInfo]) -> dict[str, int]:
    """GTIN-14 → class id; the non-merchandise class under its name."""
    return {(c.gtin14 if c.gtin14 is not None else c.name): i for i, c in enumerate(classes)}
