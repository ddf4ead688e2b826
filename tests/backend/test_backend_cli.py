"""Store IT's commands, run as the installed ``basketcheck`` on a real database file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

BASKETCHECK = str(Path(sys.executable).parent / "basketcheck")
CATALOG = Path(__file__).parent / "data" / "mini_catalog.csv"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        pytest.skip("the command-line flow is tested on its embedded SQLite default")
    return {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}", "BASKETCHECK_DEBUG": ""}


def bc(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([BASKETCHECK, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)


def test_store_it_sets_up_a_store(env: dict[str, str], tmp_path: Path) -> None:
    refused = bc(env, "catalog", "import", str(CATALOG))
    assert refused.returncode == 2 and "basketcheck backend migrate" in refused.stderr

    assert "migrated from empty" in bc(env, "backend", "migrate").stdout
    assert "already at" in bc(env, "backend", "migrate").stdout
    assert bc(env, "backend", "add-store", "demo", "--name", "Demo Store").returncode == 0
    policy = bc(env, "backend", "add-store", "demo", "--name", "Demo Store", "--audit-base-rate", "0.2")
    assert "'base_rate': 0.2" in policy.stdout
    assert bc(env, "backend", "add-store", "demo", "--name", "x", "--audit-base-rate", "2").returncode == 2
    details = ("--address", "Hauptstraße 12 | 10115 Berlin", "--vat-id", "DE123456789")
    assert bc(env, "backend", "add-store", "demo", "--name", "Demo Store", *details).returncode == 0
    import sqlite3

    with sqlite3.connect(tmp_path / "store.sqlite3") as db:
        row = db.execute("SELECT address, vat_id FROM stores WHERE id = 'demo'").fetchone()
    assert row == ("Hauptstraße 12\n10115 Berlin", "DE123456789")  # printed on receipts

    imported = bc(env, "catalog", "import", str(CATALOG))
    assert imported.returncode == 0 and "3 added" in imported.stdout
    assert "3 unchanged" in bc(env, "catalog", "import", str(CATALOG)).stdout
    assert "Cola" in bc(env, "catalog", "lookup", "4006381333931").stdout
    german = tmp_path / "katalog.csv"  # the same catalog as German Excel saves it
    german.write_bytes(CATALOG.read_text().replace(",", ";").replace(";1.5;", ";1,5;").encode("cp1252"))
    again = bc(env, "catalog", "import", str(german))
    assert "3 unchanged" in again.stdout and "semicolons, decimal comma" in again.stderr, again.stderr

    bad = tmp_path / "bad.csv"
    bad.write_text(CATALOG.read_text().replace("4006381333931", "4006381333932"))
    result = bc(env, "catalog", "import", str(bad))
    assert result.returncode == 2
    assert "line 2, column gtin: invalid check digit" in result.stderr and "nothing was imported" in result.stderr
    assert bc(env, "catalog", "import", str(tmp_path / "missing.csv")).returncode == 2

    short = bc(env, "backend", "add-staff", "alice", "--name", "Alice", stdin="short\n")
    assert short.returncode == 2 and "at least 8" in short.stderr
    assert bc(env, "backend", "add-staff", "alice", "--name", "Alice", stdin="long enough pw\n").returncode == 0
    assert "was not locked" in bc(env, "backend", "unlock-staff", "alice").stdout

    creds = tmp_path / "unit.json"
    registered = bc(env, "unit", "register", "demo-unit-1", "--store", "demo", "--out", str(creds))
    assert registered.returncode == 0, registered.stderr
    data = json.loads(creds.read_text())
    assert data["unit_id"] == "demo-unit-1" and len(data["private_key"]) == 44
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    again = bc(env, "unit", "register", "demo-unit-1", "--store", "demo", "--out", str(tmp_path / "u2.json"))
    assert again.returncode == 2 and "already registered" in again.stderr
    assert bc(env, "unit", "register", "u9", "--store", "nowhere", "--out", str(tmp_path / "u9.json")).returncode == 2


def test_serve_refuses_an_unmigrated_database(env: dict[str, str]) -> None:
    result = bc(env, "backend", "serve", "--port", "0")
    assert result.returncode == 2 and "basketcheck backend migrate" in result.stderr


def test_production_refuses_the_default_secret(env: dict[str, str]) -> None:
    result = bc({**env, "BASKETCHECK_ENVIRONMENT": "production"}, "backend", "migrate")
    assert result.returncode == 2 and "BASKETCHECK_SECRET_KEY must be set" in result.stderr
