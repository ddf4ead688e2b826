"""Tests of firmware_bridge: codec, firmware, weighing logic, link and scales over real ptys."""
