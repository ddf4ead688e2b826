"""Copy what the Android build packages into ``scanner_app/build/android-src`` (buildozer's ``source.dir``).

python-for-android needs ``main.py`` at the top of its source folder, and the app imports
``backend.domain.gs1`` (GS1 parsing is shared with the backend, not copied into the app). Run from the repo
root: ``python scanner_app/android/stage.py && cd scanner_app && buildozer android debug``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "scanner_app" / "build" / "android-src"
SHARED = ["backend/__init__.py", "backend/domain/__init__.py", "backend/domain/gs1.py", "backend/domain/money.py"]


def stage() -> Path:
    if TARGET.exists():
        shutil.rmtree(TARGET)
    ignore = shutil.ignore_patterns("__pycache__", "build", "bench.py", "synthetic.py", "*.spec", "android")
    shutil.copytree(ROOT / "scanner_app", TARGET / "scanner_app", ignore=ignore)
    for name in SHARED:
        (TARGET / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, TARGET / name)
    shutil.copy2(ROOT / "scanner_app" / "android" / "main.py", TARGET / "main.py")
    return TARGET


if __name__ == "__main__":
    print(stage())
