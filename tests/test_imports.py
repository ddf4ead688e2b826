"""Importing the packages stays light: nothing heavy loads until a feature that needs it is used."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ["numpy", "cv2", "onnxruntime", "torch", "ultralytics", "fastapi", "sqlalchemy", "kivy", "matplotlib"]


def test_top_level_packages_import_nothing_heavy() -> None:
    code = (
        "import sys, backend, backend.cli, backend.domain.gs1, backend.domain.money, scanner_app, validation_unit,"
        " vision, firmware_bridge, hardware_sim, hardware_sim.scene;"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""
