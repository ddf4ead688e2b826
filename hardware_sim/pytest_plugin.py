"""pytest plugin for testers: fixtures that give a test a simulated validation unit to drive.

Registered through the ``pytest11`` entry point, so any project that installs basketcheck gets the
fixtures. Importing it stays light; each fixture imports what it starts.
"""

from __future__ import annotations

import pytest

from hardware_sim.scene import Scene


@pytest.fixture
def sim_scene() -> Scene:
    """An empty tray: place and remove items on it; the simulated scale and camera read it."""
    return Scene()
