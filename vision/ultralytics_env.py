"""Offline set-up for ultralytics: no downloads of weights, fonts or settings at run time.

Ultralytics looks for ``Arial.ttf`` in its config folder and downloads it when missing, and reads or writes
settings there; with ``YOLO_OFFLINE=1`` and a config folder of our own that already holds a local font, it
never reaches the network. Call :func:`prepare` before importing ultralytics.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

DEFAULT_CONFIG_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "basketcheck" / "ultralytics"


def local_font() -> Path:
    """A TTF that ships with matplotlib (DejaVu Sans), used where ultralytics wants Arial."""
    import matplotlib

    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    if not font.is_file():
        raise FileNotFoundError(f"no local font at {font}: matplotlib's data files are missing")
    return font


def prepare(config_dir: Path | None = None) -> Path:
    """Set the environment so ultralytics runs offline; returns the config folder used."""
    config_dir = Path(config_dir or os.environ.get("YOLO_CONFIG_DIR") or DEFAULT_CONFIG_DIR)
    font_dir = config_dir / "Ultralytics"  # ultralytics appends this on Linux
    for folder in (config_dir, font_dir):
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "Arial.ttf"
        if not target.exists():
            shutil.copyfile(local_font(), target)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    return config_dir
