"""Suite-wide fixtures: an isolated database on SQLite (default) or the PostgreSQL in ``DATABASE_URL``."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text

from backend.db import make_engine

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("KIVY_NO_ARGS", "1")


@pytest.fixture
def db_engine(tmp_path: Path) -> Iterator[Engine]:
    """An empty database of its own for one test.

    With ``DATABASE_URL`` set to PostgreSQL, a fresh schema that is dropped afterwards; otherwise an SQLite
    file in the test's temporary folder."""
    url = os.environ.get("DATABASE_URL")
    if not url or url.startswith("sqlite"):
        engine = make_engine(url or f"sqlite:///{tmp_path / 'test.sqlite3'}")
        yield engine
        engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # The schema travels in the URL, so a backend started in another process can use the same database.
    engine = make_engine(str(make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# Browser tests (marker ``browser``) drive Debian's Chromium with Playwright; never a browser download.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: 'make test' installs Debian's chromium (or: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
